//! Tickets: a thread between a user and the operators. A reply from the operators writes a
//! notice in its transaction, so its owner hears of it in the inbox (and by mail, as they
//! prefer) like of everything else.

use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{Jsonb, Uuid as SqlUuid},
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use crate::{
    PooledConn, StoreError,
    schema::{ticket_posts, tickets},
};

/// A ticket, without its thread.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tickets, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Ticket {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub subject: String,
    /// `open` (the operators' turn), `answered` (yours) or `closed`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One post of a ticket's thread.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ticket_posts, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(rename = "TicketPost"))]
pub struct Post {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub ticket_id: Uuid,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub author_id: Option<Uuid>,
    /// Written by the operators.
    pub from_staff: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Opens a ticket with its first post.
pub async fn open(conn: &mut PooledConn, ticket: &Ticket, first: &Post) -> Result<(), StoreError> {
    conn.transaction(async |conn| {
        diesel::insert_into(tickets::table)
            .values(ticket)
            .execute(conn)
            .await?;
        diesel::insert_into(ticket_posts::table)
            .values(first)
            .execute(conn)
            .await?;
        Ok(())
    })
    .await
}

owned_rows!(tickets, Ticket);

/// One page of every ticket, newest first, of one status when given.
pub async fn list_all(
    conn: &mut PooledConn,
    status: Option<&str>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Ticket>, StoreError> {
    let mut query = newest_first!(
        tickets::table.select(Ticket::as_select()),
        tickets::id,
        before,
        limit
    );
    if let Some(status) = status {
        query = query.filter(tickets::status.eq(status.to_owned()));
    }
    Ok(query.load(conn).await?)
}

pub async fn find(conn: &mut PooledConn, id: Uuid) -> Result<Option<Ticket>, StoreError> {
    Ok(tickets::table
        .find(id)
        .select(Ticket::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The ticket's thread, oldest first.
pub async fn thread(conn: &mut PooledConn, id: Uuid) -> Result<Vec<Post>, StoreError> {
    Ok(ticket_posts::table
        .filter(ticket_posts::ticket_id.eq(id))
        .order(ticket_posts::id)
        .select(Post::as_select())
        .load(conn)
        .await?)
}

/// Why a post was not added.
#[derive(Debug, thiserror::Error)]
pub enum PostRefused {
    #[error("the ticket is closed")]
    Closed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for PostRefused {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

/// Adds `post` to its ticket (which the caller found) and hands the turn to the other
/// side; a reply from the operators also writes the notice that tells the ticket's owner.
/// A closed ticket takes none.
pub async fn add_post(conn: &mut PooledConn, post: &Post) -> Result<Ticket, PostRefused> {
    conn.transaction(async |conn| {
        let status = if post.from_staff { "answered" } else { "open" };
        let ticket: Ticket = diesel::update(
            tickets::table
                .find(post.ticket_id)
                .filter(tickets::status.ne("closed")),
        )
        .set((
            tickets::status.eq(status),
            tickets::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
        .optional()?
        .ok_or(PostRefused::Closed)?;
        diesel::insert_into(ticket_posts::table)
            .values(post)
            .execute(conn)
            .await?;
        if post.from_staff {
            diesel::sql_query(
                "INSERT INTO notices (owner_id, event, subject_id, detail)
                 VALUES ($1, 'ticket.replied', $2, $3)",
            )
            .bind::<SqlUuid, _>(ticket.owner_id)
            .bind::<SqlUuid, _>(post.id)
            .bind::<Jsonb, _>(serde_json::json!({
                "ticket_id": ticket.id, "subject": ticket.subject, "reply": post.body,
            }))
            .execute(conn)
            .await?;
        }
        Ok(ticket)
    })
    .await
}

/// Closes the ticket; `None` when there is none.
pub async fn close(conn: &mut PooledConn, id: Uuid) -> Result<Option<Ticket>, StoreError> {
    Ok(diesel::update(tickets::table.find(id))
        .set((
            tickets::status.eq("closed"),
            tickets::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Ticket::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

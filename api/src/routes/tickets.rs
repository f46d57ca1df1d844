use chrono::Utc;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use prepq_schema::tickets::{self, Post, PostRefused, Ticket};
use uuid::Uuid;

use super::{
    ApiTags,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    error::{AdminFindError, AdminListError, ApiError, ErrorBody, FindError, ListError},
};

#[derive(Default)]
pub struct TicketsApi;

#[derive(Debug, Object)]
pub struct TicketRequest {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub subject: String,
    #[oai(validator(min_length = 1, max_length = 5000))]
    pub body: String,
}

#[derive(Debug, Object)]
pub struct TicketPostRequest {
    #[oai(validator(min_length = 1, max_length = 5000))]
    pub body: String,
}

/// A ticket and its thread, oldest post first.
#[derive(Debug, Object)]
pub struct TicketThread {
    #[oai(flatten)]
    pub ticket: Ticket,
    pub posts: Vec<Post>,
}

pub type TicketPage = Page<Ticket>;

#[derive(ApiResponse)]
pub enum TicketOpened {
    #[oai(status = 201)]
    Created(Json<TicketThread>),
}

#[derive(Debug, Clone, Copy, poem_openapi::Enum)]
#[oai(rename_all = "snake_case")]
pub enum TicketStatus {
    Open,
    Answered,
    Closed,
}

#[OpenApi(tag = "ApiTags::Messages")]
impl TicketsApi {
    /// Ask the operators something, or report a problem.
    #[oai(path = "/tickets", method = "post")]
    async fn open(
        &self,
        me: Signed<'_>,
        request: Json<TicketRequest>,
    ) -> Result<TicketOpened, ApiError> {
        let now = Utc::now();
        let ticket = Ticket {
            id: Uuid::now_v7(),
            owner_id: me.caller.user_id,
            subject: request.0.subject,
            status: "open".into(),
            created_at: now,
            updated_at: now,
        };
        let first = post(ticket.id, me.caller.user_id, false, request.0.body);
        let mut conn = me.state.conn().await?;
        tickets::open(&mut conn, &ticket, &first).await?;
        Ok(TicketOpened::Created(Json(TicketThread {
            ticket,
            posts: vec![first],
        })))
    }

    /// Your tickets, newest first.
    #[oai(path = "/tickets", method = "get")]
    async fn list(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<TicketPage>, ListError> {
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        let rows =
            tickets::list_owned(&mut conn, me.caller.user_id, before, limit.0.fetch()).await?;
        Ok(Json(Page::of(
            rows,
            limit.0,
            |t| t.id,
            std::convert::identity,
        )))
    }

    /// One of your tickets with its thread.
    #[oai(path = "/tickets/:id", method = "get")]
    async fn get(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<TicketThread>, FindError> {
        let mut conn = me.state.conn().await?;
        let ticket = tickets::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("ticket"))?;
        let posts = tickets::thread(&mut conn, ticket.id).await?;
        Ok(Json(TicketThread { ticket, posts }))
    }

    /// Add to one of your tickets; it goes back to the operators.
    #[oai(path = "/tickets/:id/posts", method = "post")]
    async fn add(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
        request: Json<TicketPostRequest>,
    ) -> Result<Json<TicketThread>, ApiError> {
        let mut conn = me.state.conn().await?;
        tickets::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("ticket"))?;
        let added = post(id.0, me.caller.user_id, false, request.0.body);
        thread_after(&mut conn, &added).await
    }

    /// Every ticket, newest first; of one status when given.
    #[oai(path = "/admin/tickets", method = "get", tag = "ApiTags::Admin")]
    async fn list_all(
        &self,
        me: Signed<'_>,
        status: Query<Option<TicketStatus>>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<TicketPage>, AdminListError> {
        me.caller.require_admin()?;
        let before = parse_cursor(cursor.0)?;
        let status = status.0.map(|s| match s {
            TicketStatus::Open => "open",
            TicketStatus::Answered => "answered",
            TicketStatus::Closed => "closed",
        });
        let mut conn = me.state.conn().await?;
        let rows = tickets::list_all(&mut conn, status, before, limit.0.fetch()).await?;
        Ok(Json(Page::of(
            rows,
            limit.0,
            |t| t.id,
            std::convert::identity,
        )))
    }

    /// Any ticket with its thread.
    #[oai(path = "/admin/tickets/:id", method = "get", tag = "ApiTags::Admin")]
    async fn get_any(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
    ) -> Result<Json<TicketThread>, AdminFindError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        let ticket = tickets::find(&mut conn, id.0)
            .await?
            .ok_or_else(|| AdminFindError::not_found("ticket"))?;
        let posts = tickets::thread(&mut conn, ticket.id).await?;
        Ok(Json(TicketThread { ticket, posts }))
    }

    /// Reply as the operators: the ticket's owner is told in their inbox (and by mail, as
    /// they prefer).
    #[oai(
        path = "/admin/tickets/:id/replies",
        method = "post",
        tag = "ApiTags::Admin"
    )]
    async fn reply(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
        request: Json<TicketPostRequest>,
    ) -> Result<Json<TicketThread>, ApiError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        tickets::find(&mut conn, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("ticket"))?;
        let reply = post(id.0, me.caller.user_id, true, request.0.body);
        thread_after(&mut conn, &reply).await
    }

    /// Close a ticket; it takes no more posts.
    #[oai(
        path = "/admin/tickets/:id/close",
        method = "post",
        tag = "ApiTags::Admin"
    )]
    async fn close(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<Ticket>, AdminFindError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        let ticket = tickets::close(&mut conn, id.0)
            .await?
            .ok_or_else(|| AdminFindError::not_found("ticket"))?;
        Ok(Json(ticket))
    }
}

fn post(ticket_id: Uuid, author: Uuid, from_staff: bool, body: String) -> Post {
    Post {
        id: Uuid::now_v7(),
        ticket_id,
        author_id: Some(author),
        from_staff,
        body,
        created_at: Utc::now(),
    }
}

/// Adds `post` and answers with the ticket's thread after it.
async fn thread_after(
    conn: &mut prepq_schema::PooledConn,
    post: &Post,
) -> Result<Json<TicketThread>, ApiError> {
    let ticket = tickets::add_post(conn, post).await.map_err(|e| match e {
        PostRefused::Closed => {
            ApiError::Conflict(ErrorBody::new("ticket_closed", "the ticket is closed"))
        }
        PostRefused::Store(e) => e.into(),
    })?;
    let posts = tickets::thread(conn, ticket.id).await?;
    Ok(Json(TicketThread { ticket, posts }))
}

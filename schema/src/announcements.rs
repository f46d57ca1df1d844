//! Announcements from the operators, and their delivery into inboxes: a batch of users per
//! transaction, in user-id order, each batch moving the announcement's `reached_user`.

use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Bool, Nullable, Text, Uuid as SqlUuid},
};
use diesel_async::{AsyncConnection, RunQueryDsl};
use prepq_billing::{Level, PACKAGE_LEVEL};
use prepq_jobs::{
    NewJob,
    kinds::{Email, EmailSend, Language},
};
use uuid::Uuid;

use crate::{
    PooledConn, StoreError,
    messages::{Channel, Message},
    schema::announcements,
};

/// An announcement, and how far its delivery got.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = announcements, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Announcement {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    /// For members at this level or above (`bronze`, `silver`, `gold`); all when absent.
    pub min_level: Option<String>,
    /// For users of this language (`zh-CN`, `en`); all when absent.
    pub language: Option<String>,
    pub send_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub created_by: Option<Uuid>,
    /// The `announcement.deliver` job.
    pub job_id: Uuid,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub reached_user: Option<Uuid>,
    /// Inbox messages written so far.
    pub delivered: i32,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Records the announcement and its delivery job, due at its send time, together.
pub async fn insert(
    conn: &mut PooledConn,
    announcement: &Announcement,
    delivery: &prepq_jobs::NewJob,
) -> Result<(), StoreError> {
    conn.transaction(async |conn| {
        diesel::insert_into(announcements::table)
            .values(announcement)
            .execute(conn)
            .await?;
        crate::jobs::insert_system_at(conn, announcement.job_id, delivery, announcement.send_at)
            .await?;
        Ok(())
    })
    .await
}

pub async fn find(conn: &mut PooledConn, id: Uuid) -> Result<Option<Announcement>, StoreError> {
    Ok(announcements::table
        .find(id)
        .select(Announcement::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// One page of announcements, newest first.
pub async fn list(
    conn: &mut PooledConn,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Announcement>, StoreError> {
    Ok(newest_first!(
        announcements::table.select(Announcement::as_select()),
        announcements::id,
        before,
        limit
    )
    .load(conn)
    .await?)
}

/// What one batch did.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Users of the audience the batch went through; fewer than asked: the last batch.
    pub reached: usize,
    /// Messages written (users who take announcements in their inbox and had none yet);
    /// those who take them by mail have a mail job.
    pub written: usize,
    /// The users it went through: ids after the first and up to the second.
    pub users: Option<(Option<Uuid>, Uuid)>,
}

/// What names an announcement's message in each inbox.
pub fn dedupe_key(id: Uuid) -> String {
    format!("announcement:{id}")
}

/// The announcement's message in `owner`'s inbox, if it reached them.
pub async fn message_of(
    conn: &mut PooledConn,
    owner: Uuid,
    id: Uuid,
) -> Result<Option<Message>, StoreError> {
    use crate::schema::messages;
    Ok(messages::table
        .filter(messages::owner_id.eq(owner))
        .filter(messages::dedupe_key.eq(dedupe_key(id)))
        .select(Message::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A user of the audience, and how they take announcements.
#[derive(QueryableByName)]
struct Reached {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    language: String,
    #[diesel(sql_type = Bool)]
    verified: bool,
    #[diesel(sql_type = Text)]
    channel: String,
}

/// Delivers the announcement to the next `size` users of its audience after the last batch
/// committed, in one transaction; marks it finished after a short batch.
pub async fn deliver_batch(
    conn: &mut PooledConn,
    id: Uuid,
    size: i64,
) -> Result<Batch, StoreError> {
    conn.transaction(async |conn| {
        // Locked, so two runs of one delivery take turns rather than race.
        let announcement: Announcement = announcements::table
            .find(id)
            .select(Announcement::as_select())
            .for_update()
            .first(conn)
            .await?;
        let level = announcement.min_level.as_deref().and_then(Level::parse);
        let users: Vec<Reached> = diesel::sql_query(
            "SELECT u.id, u.email, u.language, u.email_verified_at IS NOT NULL AS verified,
                    coalesce((SELECT channel FROM notification_preferences p
                              WHERE p.owner_id = u.id AND p.topic = 'announcement'), 'inbox')
                        AS channel
             FROM users u
             WHERE u.id > coalesce($1, '00000000-0000-0000-0000-000000000000'::uuid)
               AND ($2::text IS NULL OR u.language = $2)
               AND ($3::bigint IS NULL OR EXISTS (
                   SELECT 1 FROM memberships m WHERE m.user_id = u.id
                   AND (m.paid_fen >= $3 OR ($4 AND m.package_until > now()))))
             ORDER BY u.id LIMIT $5",
        )
        .bind::<Nullable<SqlUuid>, _>(announcement.reached_user)
        .bind::<Nullable<Text>, _>(&announcement.language)
        .bind::<Nullable<BigInt>, _>(level.map(Level::from_fen))
        .bind::<Bool, _>(level.is_some_and(|l| PACKAGE_LEVEL >= l))
        .bind::<BigInt, _>(size)
        .load(conn)
        .await?;
        let channel = |u: &Reached| Channel::parse(&u.channel).unwrap_or(Channel::Inbox);
        let inbox: Vec<Uuid> = users
            .iter()
            .filter(|u| channel(u).inbox())
            .map(|u| u.id)
            .collect();
        let written = diesel::sql_query(
            "INSERT INTO messages (owner_id, kind, title, body, dedupe_key)
             SELECT u, 'announcement', $2, $3, $4
             FROM unnest($1::uuid[]) AS u
             ON CONFLICT (owner_id, dedupe_key) DO NOTHING",
        )
        .bind::<diesel::sql_types::Array<SqlUuid>, _>(&inbox)
        .bind::<Text, _>(&announcement.title)
        .bind::<Text, _>(&announcement.body)
        .bind::<Text, _>(dedupe_key(id))
        .execute(conn)
        .await?;
        // Mail to those who asked for it, committed with the batch's high-water mark, so a
        // run after a kill sends none twice.
        let mails: Vec<(Uuid, NewJob)> = users
            .iter()
            .filter(|u| channel(u).mail() && u.verified)
            .map(|u| {
                let mail = EmailSend {
                    to: u.email.clone(),
                    language: Language::from_tag(&u.language),
                    message: Email::Announcement {
                        title: announcement.title.clone(),
                        body: announcement.body.clone(),
                    },
                };
                (Uuid::now_v7(), NewJob::of(&mail))
            })
            .collect();
        let mails: Vec<(Uuid, &NewJob)> = mails.iter().map(|(id, job)| (*id, job)).collect();
        crate::jobs::insert_system_many(conn, &mails).await?;
        let finished = (users.len() as i64) < size;
        diesel::update(announcements::table.find(id))
            .set((
                announcements::reached_user
                    .eq(users.last().map(|u| u.id).or(announcement.reached_user)),
                announcements::delivered.eq(announcements::delivered + written as i32),
                announcements::finished_at.eq(finished.then(Utc::now)),
            ))
            .execute(conn)
            .await?;
        Ok(Batch {
            reached: users.len(),
            written,
            users: users
                .last()
                .map(|last| (announcement.reached_user, last.id)),
        })
    })
    .await
}

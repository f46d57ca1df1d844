//! A user's inbox: what they were told (a long job finished, an order paid, an
//! announcement), read or not, and how each user wants to hear of each topic.

use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, Nullable, Text, Uuid as SqlUuid},
};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::{
    PooledConn, StoreError,
    schema::{messages, notification_preferences},
};

/// What a message is about; also what a preference is set for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Topic {
    /// One of your jobs that ran longer than a few moments has finished.
    JobFinished,
    /// An interview's report is written.
    ReportReady,
    OrderPaid,
    MembershipChanged,
    TicketReply,
    Announcement,
    /// One of your webhook endpoints was turned off.
    WebhookDisabled,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Self::JobFinished,
        Self::ReportReady,
        Self::OrderPaid,
        Self::MembershipChanged,
        Self::TicketReply,
        Self::Announcement,
        Self::WebhookDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::JobFinished => "job_finished",
            Self::ReportReady => "report_ready",
            Self::OrderPaid => "order_paid",
            Self::MembershipChanged => "membership_changed",
            Self::TicketReply => "ticket_reply",
            Self::Announcement => "announcement",
            Self::WebhookDisabled => "webhook_disabled",
        }
    }

    /// How a user who never chose hears of it: finished work and replies by mail too.
    pub fn default_channel(self) -> Channel {
        match self {
            Self::JobFinished | Self::ReportReady | Self::TicketReply | Self::WebhookDisabled => {
                Channel::Both
            }
            Self::OrderPaid | Self::MembershipChanged | Self::Announcement => Channel::Inbox,
        }
    }
}

/// Where a topic's news goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "openapi", oai(rename_all = "snake_case"))]
pub enum Channel {
    Inbox,
    Mail,
    Both,
    None,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbox => "inbox",
            Self::Mail => "mail",
            Self::Both => "both",
            Self::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Inbox, Self::Mail, Self::Both, Self::None]
            .into_iter()
            .find(|c| c.as_str() == s)
    }

    pub fn inbox(self) -> bool {
        matches!(self, Self::Inbox | Self::Both)
    }

    pub fn mail(self) -> bool {
        matches!(self, Self::Mail | Self::Both)
    }
}

/// A message in your inbox.
#[derive(
    Debug, Clone, Queryable, Selectable, QueryableByName, serde::Serialize, serde::Deserialize,
)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(
    feature = "openapi",
    oai(rename = "InboxMessage", skip_serializing_if_is_none)
)]
pub struct Message {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub owner_id: Uuid,
    /// The topic: `job_finished`, `report_ready`, `order_paid`, `membership_changed`,
    /// `ticket_reply`, `announcement` or `webhook_disabled`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Where the frontend shows what the message is about (`/jobs/…`).
    pub link: Option<String>,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A message to write; `dedupe_key` names what it is about, so it reaches its owner once.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub owner_id: Uuid,
    pub topic: Topic,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub dedupe_key: String,
}

/// Writes `new` in one statement; returns the messages written (those not already there).
pub async fn insert_many(
    conn: &mut PooledConn,
    new: &[NewMessage],
) -> Result<Vec<Message>, StoreError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let column = |f: fn(&NewMessage) -> String| new.iter().map(f).collect::<Vec<_>>();
    Ok(diesel::sql_query(
        "INSERT INTO messages (owner_id, kind, title, body, link, dedupe_key)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         ON CONFLICT (owner_id, dedupe_key) DO NOTHING
         RETURNING id, owner_id, kind, title, body, link, read_at, created_at",
    )
    .bind::<Array<SqlUuid>, _>(new.iter().map(|m| m.owner_id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(column(|m| m.topic.as_str().to_owned()))
    .bind::<Array<Text>, _>(column(|m| m.title.clone()))
    .bind::<Array<Text>, _>(column(|m| m.body.clone()))
    .bind::<Array<Nullable<Text>>, _>(new.iter().map(|m| m.link.clone()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(column(|m| m.dedupe_key.clone()))
    .load(conn)
    .await?)
}

/// One page of the owner's messages, newest first, below `before`; unread ones only when
/// asked.
pub async fn list_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
    before: Option<Uuid>,
    unread_only: bool,
    limit: i64,
) -> Result<Vec<Message>, StoreError> {
    let mut query = newest_first!(
        messages::table
            .filter(messages::owner_id.eq(owner_id))
            .select(Message::as_select()),
        messages::id,
        before,
        limit
    );
    if unread_only {
        query = query.filter(messages::read_at.is_null());
    }
    Ok(query.load(conn).await?)
}

pub async fn unread_count(conn: &mut PooledConn, owner_id: Uuid) -> Result<i64, StoreError> {
    Ok(messages::table
        .filter(messages::owner_id.eq(owner_id))
        .filter(messages::read_at.is_null())
        .count()
        .get_result(conn)
        .await?)
}

/// Marks the owner's message read (again is fine); `None` when it is not theirs.
pub async fn mark_read(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<Message>, StoreError> {
    Ok(diesel::update(
        messages::table
            .find(id)
            .filter(messages::owner_id.eq(owner_id)),
    )
    .set(messages::read_at.eq(
        diesel::dsl::sql::<Nullable<diesel::sql_types::Timestamptz>>("coalesce(read_at, now())"),
    ))
    .returning(Message::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

/// Marks every unread message of the owner read; returns how many were.
pub async fn mark_all_read(conn: &mut PooledConn, owner_id: Uuid) -> Result<usize, StoreError> {
    Ok(diesel::update(
        messages::table
            .filter(messages::owner_id.eq(owner_id))
            .filter(messages::read_at.is_null()),
    )
    .set(messages::read_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?)
}

owned_delete!(messages);

/// The owner's choice for every topic, defaults filled in.
pub async fn preferences(
    conn: &mut PooledConn,
    owner_id: Uuid,
) -> Result<Vec<(Topic, Channel)>, StoreError> {
    let chosen = Preferences::of(conn, &[owner_id]).await?;
    Ok(Topic::ALL
        .into_iter()
        .map(|topic| (topic, chosen.channel(owner_id, topic)))
        .collect())
}

/// The choices of a set of owners, read in one statement.
pub struct Preferences(Vec<(Uuid, String, String)>);

impl Preferences {
    pub async fn of(conn: &mut PooledConn, owners: &[Uuid]) -> Result<Self, StoreError> {
        Ok(Self(
            notification_preferences::table
                .filter(notification_preferences::owner_id.eq_any(owners))
                .select((
                    notification_preferences::owner_id,
                    notification_preferences::topic,
                    notification_preferences::channel,
                ))
                .load(conn)
                .await?,
        ))
    }

    /// Where `owner` hears of `topic`: their choice, else the topic's default.
    pub fn channel(&self, owner: Uuid, topic: Topic) -> Channel {
        self.0
            .iter()
            .find(|(o, t, _)| *o == owner && t == topic.as_str())
            .and_then(|(_, _, c)| Channel::parse(c))
            .unwrap_or(topic.default_channel())
    }
}

/// Sets the owner's channel for each of `choices`, in one statement; of a topic named
/// twice, the last choice holds.
pub async fn set_preferences(
    conn: &mut PooledConn,
    owner_id: Uuid,
    choices: &[(Topic, Channel)],
) -> Result<(), StoreError> {
    let mut last: Vec<(Topic, Channel)> = Vec::new();
    for &(topic, channel) in choices.iter().rev() {
        if !last.iter().any(|(t, _)| *t == topic) {
            last.push((topic, channel));
        }
    }
    let choices = last;
    diesel::sql_query(
        "INSERT INTO notification_preferences (owner_id, topic, channel)
         SELECT $1, * FROM unnest($2::text[], $3::text[])
         ON CONFLICT (owner_id, topic) DO UPDATE SET channel = EXCLUDED.channel",
    )
    .bind::<SqlUuid, _>(owner_id)
    .bind::<Array<Text>, _>(choices.iter().map(|c| c.0.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(choices.iter().map(|c| c.1.as_str()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

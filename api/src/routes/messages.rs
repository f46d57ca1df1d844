use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use prepq_schema::messages::{self, Channel, Message, Topic};
use uuid::Uuid;

use super::{
    ApiTags,
    jobs::Deleted,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    error::{FindError, InputError, ListError, ReadError},
};

#[derive(Default)]
pub struct MessagesApi;

pub type MessagePage = Page<Message>;

#[derive(Debug, Object)]
pub struct UnreadCount {
    pub unread: i64,
}

#[derive(Debug, Object)]
pub struct MarkedRead {
    /// Messages that were unread.
    pub marked: u64,
}

/// How you hear of one topic.
#[derive(Debug, Object)]
pub struct NotificationPreference {
    pub topic: Topic,
    pub channel: Channel,
}

#[derive(Debug, Object)]
pub struct NotificationPreferences {
    /// Every topic, with your choice or its default.
    pub items: Vec<NotificationPreference>,
}

/// The topics to change; the others stay as they are.
#[derive(Debug, Object)]
pub struct PreferencesChange {
    #[oai(validator(max_items = 20))]
    pub items: Vec<NotificationPreference>,
}

#[OpenApi(tag = "ApiTags::Messages")]
impl MessagesApi {
    /// Your inbox, newest first; only the unread when `unread=true`. New messages also come
    /// on `GET /events` as `message` events.
    #[oai(path = "/messages", method = "get")]
    async fn list(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        unread: Query<Option<bool>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<MessagePage>, ListError> {
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        let rows = messages::list_owned(
            &mut conn,
            me.caller.user_id,
            before,
            unread.0.unwrap_or(false),
            limit.0.fetch(),
        )
        .await?;
        Ok(Json(Page::of(
            rows,
            limit.0,
            |m| m.id,
            std::convert::identity,
        )))
    }

    /// How many of your messages are unread.
    #[oai(path = "/messages/unread-count", method = "get")]
    async fn unread_count(&self, me: Signed<'_>) -> Result<Json<UnreadCount>, ReadError> {
        let mut conn = me.state.conn().await?;
        let unread = messages::unread_count(&mut conn, me.caller.user_id).await?;
        Ok(Json(UnreadCount { unread }))
    }

    /// Mark one of your messages read.
    #[oai(path = "/messages/:id/read", method = "post")]
    async fn read(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<Message>, FindError> {
        let mut conn = me.state.conn().await?;
        let message = messages::mark_read(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("message"))?;
        Ok(Json(message))
    }

    /// Mark all your messages read.
    #[oai(path = "/messages/read-all", method = "post")]
    async fn read_all(&self, me: Signed<'_>) -> Result<Json<MarkedRead>, ReadError> {
        let mut conn = me.state.conn().await?;
        let marked = messages::mark_all_read(&mut conn, me.caller.user_id).await?;
        Ok(Json(MarkedRead {
            marked: marked as u64,
        }))
    }

    /// Delete one of your messages.
    #[oai(path = "/messages/:id", method = "delete")]
    async fn delete(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Deleted, FindError> {
        let mut conn = me.state.conn().await?;
        if messages::delete_owned(&mut conn, me.caller.user_id, id.0).await? {
            Ok(Deleted::NoContent)
        } else {
            Err(FindError::not_found("message"))
        }
    }

    /// Where you hear of each topic: the inbox, mail, both or neither.
    #[oai(path = "/notification-preferences", method = "get")]
    async fn preferences(
        &self,
        me: Signed<'_>,
    ) -> Result<Json<NotificationPreferences>, ReadError> {
        let mut conn = me.state.conn().await?;
        let chosen = messages::preferences(&mut conn, me.caller.user_id).await?;
        Ok(Json(NotificationPreferences::from(chosen)))
    }

    /// Change where you hear of some topics.
    #[oai(path = "/notification-preferences", method = "put")]
    async fn set_preferences(
        &self,
        me: Signed<'_>,
        change: Json<PreferencesChange>,
    ) -> Result<Json<NotificationPreferences>, InputError> {
        let choices: Vec<(Topic, Channel)> = change
            .0
            .items
            .iter()
            .map(|p| (p.topic, p.channel))
            .collect();
        let mut conn = me.state.conn().await?;
        messages::set_preferences(&mut conn, me.caller.user_id, &choices).await?;
        let chosen = messages::preferences(&mut conn, me.caller.user_id).await?;
        Ok(Json(NotificationPreferences::from(chosen)))
    }
}

impl From<Vec<(Topic, Channel)>> for NotificationPreferences {
    fn from(chosen: Vec<(Topic, Channel)>) -> Self {
        Self {
            items: chosen
                .into_iter()
                .map(|(topic, channel)| NotificationPreference { topic, channel })
                .collect(),
        }
    }
}

use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use prepq_billing::Level;
use prepq_jobs::{NewJob, kinds::AnnouncementDeliver};
use prepq_schema::announcements::{self, Announcement};
use uuid::Uuid;

use super::{
    ApiTags,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    error::{AdminFindError, AdminListError, ApiError},
};

/// Announcements to users' inboxes: administrators only.
#[derive(Default)]
pub struct AnnouncementsApi;

/// An announcement to publish.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AnnouncementRequest {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(min_length = 1, max_length = 5000))]
    pub body: String,
    /// Only members at this level or above; everyone when absent.
    pub min_level: Option<Level>,
    /// Only users of this language (`zh-CN` or `en`); everyone when absent.
    #[oai(validator(pattern = "^(zh-CN|en)$"))]
    pub language: Option<String>,
    /// When to deliver it; now when absent.
    pub send_at: Option<DateTime<Utc>>,
}

pub type AnnouncementPage = Page<Announcement>;

#[derive(ApiResponse)]
pub enum AnnouncementCreated {
    /// Recorded; its delivery runs at `send_at`, and `delivered` counts the inboxes reached.
    #[oai(status = 201)]
    Created(Json<Announcement>),
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AnnouncementsApi {
    /// Publish an announcement to the inboxes of everyone, of a membership level and above,
    /// or of a language. Each user gets it once, in their inbox unless they turned
    /// announcements off.
    #[oai(path = "/admin/announcements", method = "post")]
    async fn create(
        &self,
        me: Signed<'_>,
        request: Json<AnnouncementRequest>,
    ) -> Result<AnnouncementCreated, ApiError> {
        me.caller.require_admin()?;
        let request = request.0;
        let id = Uuid::now_v7();
        let announcement = Announcement {
            id,
            title: request.title,
            body: request.body,
            min_level: request.min_level.map(|l| l.as_str().to_owned()),
            language: request.language,
            send_at: request.send_at.unwrap_or_else(Utc::now),
            created_by: Some(me.caller.user_id),
            job_id: Uuid::now_v7(),
            reached_user: None,
            delivered: 0,
            finished_at: None,
            created_at: Utc::now(),
        };
        let delivery = NewJob::of(&AnnouncementDeliver {
            announcement_id: id,
        });
        let mut conn = me.state.conn().await?;
        announcements::insert(&mut conn, &announcement, &delivery).await?;
        Ok(AnnouncementCreated::Created(Json(announcement)))
    }

    /// Announcements, newest first, with how many inboxes each reached.
    #[oai(path = "/admin/announcements", method = "get")]
    async fn list(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<AnnouncementPage>, AdminListError> {
        me.caller.require_admin()?;
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        let rows = announcements::list(&mut conn, before, limit.0.fetch()).await?;
        Ok(Json(Page::of(
            rows,
            limit.0,
            |a| a.id,
            std::convert::identity,
        )))
    }

    #[oai(path = "/admin/announcements/:id", method = "get")]
    async fn get(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
    ) -> Result<Json<Announcement>, AdminFindError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        let announcement = announcements::find(&mut conn, id.0)
            .await?
            .ok_or_else(|| AdminFindError::not_found("announcement"))?;
        Ok(Json(announcement))
    }
}

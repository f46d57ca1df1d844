use std::convert::identity;

use std::str::FromStr;

use chrono::Utc;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use prepq_postings::SourceSpec;
use prepq_schema::{
    StoreError,
    crawls::{self, Run, Source, SourceChange},
};
use uuid::Uuid;

use super::{
    ApiTags,
    jobs::Deleted,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    error::{AdminFindError, AdminListError, AdminReadError, ApiError},
};

/// Crawl sources and their runs: administrators only.
#[derive(Default)]
pub struct SourcesApi;

/// A source to crawl.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SourceRequest {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    /// How to read it, by `kind`: `greenhouse` {api, board, company}; `lever` {api, site,
    /// company}; `json_ld` {listing_url or sitemap_url, link_selector}; `html` {listing_url,
    /// link_selector, next_selector, fields {title, description, company, location, posted,
    /// employment_type, company_name}} (CSS selectors).
    pub spec: serde_json::Value,
    /// cron with seconds first: `0 0 3 * * *` is 03:00 every day (UTC).
    pub schedule: String,
    #[oai(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

/// A change of a source; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SourceUpdate {
    pub name: Option<String>,
    pub spec: Option<serde_json::Value>,
    pub schedule: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SourceList {
    pub items: Vec<Source>,
}

pub type CrawlRunPage = super::paging::Page<Run>;

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CrawlStarted {
    pub run_id: Uuid,
}

#[derive(ApiResponse)]
pub enum SourceCreated {
    #[oai(status = 201)]
    Created(Json<Source>),
}

#[derive(ApiResponse)]
pub enum CrawlAccepted {
    /// The crawl is queued; follow it in `/crawl-runs`.
    #[oai(status = 202)]
    Accepted(Json<CrawlStarted>),
}

#[OpenApi(tag = "ApiTags::Admin")]
impl SourcesApi {
    /// Add a source.
    #[oai(path = "/sources", method = "post")]
    async fn create(
        &self,
        me: Signed<'_>,
        request: Json<SourceRequest>,
    ) -> Result<SourceCreated, ApiError> {
        me.caller.require_admin()?;
        let request = request.0;
        check_spec(&request.spec)?;
        check_schedule(&request.schedule)?;
        let now = Utc::now();
        let source = Source {
            id: Uuid::now_v7(),
            name: request.name,
            spec: request.spec,
            schedule: request.schedule,
            enabled: request.enabled,
            created_at: now,
            updated_at: now,
        };
        let mut conn = me.state.conn().await?;
        crawls::insert_source(&mut conn, &source).await?;
        Ok(SourceCreated::Created(Json(source)))
    }

    /// Every source.
    #[oai(path = "/sources", method = "get")]
    async fn list(&self, me: Signed<'_>) -> Result<Json<SourceList>, AdminReadError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        let items = crawls::list_sources(&mut conn).await?;
        Ok(Json(SourceList { items }))
    }

    #[oai(path = "/sources/:id", method = "get")]
    async fn get(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<Source>, AdminFindError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        let source = crawls::find_source(&mut conn, id.0)
            .await?
            .ok_or_else(|| AdminFindError::not_found("source"))?;
        Ok(Json(source))
    }

    /// Change a source.
    #[oai(path = "/sources/:id", method = "put")]
    async fn update(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
        request: Json<SourceUpdate>,
    ) -> Result<Json<Source>, ApiError> {
        me.caller.require_admin()?;
        let request = request.0;
        if let Some(spec) = &request.spec {
            check_spec(spec)?;
        }
        if let Some(schedule) = &request.schedule {
            check_schedule(schedule)?;
        }
        let change = SourceChange {
            name: request.name,
            spec: request.spec,
            schedule: request.schedule,
            enabled: request.enabled,
        };
        let mut conn = me.state.conn().await?;
        let source = crawls::update_source(&mut conn, id.0, &change)
            .await?
            .ok_or_else(|| ApiError::not_found("source"))?;
        Ok(Json(source))
    }

    /// Delete a source with its runs and postings.
    #[oai(path = "/sources/:id", method = "delete")]
    async fn delete(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Deleted, AdminFindError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        if crawls::delete_source(&mut conn, id.0).await? {
            Ok(Deleted::NoContent)
        } else {
            Err(AdminFindError::not_found("source"))
        }
    }

    /// Crawl a source now, outside its schedule.
    #[oai(path = "/sources/:id/crawl", method = "post")]
    async fn crawl(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<CrawlAccepted, AdminFindError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        crawls::find_source(&mut conn, id.0)
            .await?
            .ok_or_else(|| AdminFindError::not_found("source"))?;
        let run_id = crawls::start_run(&mut conn, id.0, None)
            .await?
            .ok_or_else(|| StoreError::Corrupt("an unscheduled run was refused".into()))?;
        Ok(CrawlAccepted::Accepted(Json(CrawlStarted { run_id })))
    }

    /// Crawl runs, newest first.
    #[oai(path = "/crawl-runs", method = "get")]
    async fn runs(
        &self,
        me: Signed<'_>,
        source_id: Query<Option<Uuid>>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<CrawlRunPage>, AdminListError> {
        me.caller.require_admin()?;
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        let rows = crawls::list_runs(&mut conn, source_id.0, before, limit.0.fetch()).await?;
        Ok(Json(Page::of(rows, limit.0, |r| r.id, identity)))
    }
}

fn check_spec(spec: &serde_json::Value) -> Result<(), ApiError> {
    serde_json::from_value::<SourceSpec>(spec.clone())
        .map(drop)
        .map_err(|e| ApiError::unprocessable(format!("the source spec is not valid: {e}")))
}

fn check_schedule(schedule: &str) -> Result<(), ApiError> {
    cron::Schedule::from_str(schedule).map(drop).map_err(|e| {
        ApiError::unprocessable(format!(
            "the schedule is not valid cron (seconds first): {e}"
        ))
    })
}

//! What runs on a clock: each crawl source on its schedule and the nightly billing audit,
//! with their last and next runs. Running one now is the source's crawl
//! (`POST /sources/{id}/crawl`) or a reconciliation (`POST /admin/reconciliations`).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object, OpenApi, payload::Json};
use prepq_schema::{crawls, reconciliations};
use uuid::Uuid;

use super::ApiTags;
use crate::{auth::Signed, error::AdminReadError};

#[derive(Default)]
pub struct SchedulesApi;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// A crawl source's crawl.
    Crawl,
    /// The billing audit of the day before (`PREPQ_RECONCILE_SCHEDULE`).
    Audit,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScheduleView {
    pub kind: ScheduleKind,
    pub name: String,
    /// The crawl's source; absent for the audit.
    pub source_id: Option<Uuid>,
    /// cron with seconds first, UTC; absent when the audit runs only when asked.
    pub schedule: Option<String>,
    pub enabled: bool,
    pub last_run_at: Option<DateTime<Utc>>,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub last_status: Option<String>,
    /// Absent when it is off or its schedule does not parse.
    pub next_run_at: Option<DateTime<Utc>>,
}

/// The next tick of a cron schedule after now, if it parses.
fn next_tick(schedule: &str) -> Option<DateTime<Utc>> {
    cron::Schedule::from_str(schedule)
        .ok()?
        .upcoming(Utc)
        .next()
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl SchedulesApi {
    /// Every schedule: the crawl sources by name, then the billing audit.
    #[oai(path = "/schedules", method = "get")]
    async fn list(&self, me: Signed<'_>) -> Result<Json<Vec<ScheduleView>>, AdminReadError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        let mut schedules = Vec::new();
        for source in crawls::list_sources(&mut conn).await? {
            let last = crawls::list_runs(&mut conn, Some(source.id), None, 1).await?;
            let last = last.into_iter().next();
            schedules.push(ScheduleView {
                kind: ScheduleKind::Crawl,
                next_run_at: source
                    .enabled
                    .then(|| next_tick(&source.schedule))
                    .flatten(),
                name: source.name,
                source_id: Some(source.id),
                schedule: Some(source.schedule),
                enabled: source.enabled,
                last_run_at: last.as_ref().map(|run| run.created_at),
                last_status: last.map(|run| run.status),
            });
        }
        let audit = me.state.config.reconcile_schedule.trim();
        let last = reconciliations::list_runs(&mut conn, None, 1).await?;
        let last = last.into_iter().next();
        schedules.push(ScheduleView {
            kind: ScheduleKind::Audit,
            name: "billing audit".to_owned(),
            source_id: None,
            schedule: (!audit.is_empty()).then(|| audit.to_owned()),
            enabled: !audit.is_empty(),
            last_run_at: last.as_ref().map(|run| run.created_at),
            last_status: last.map(|run| run.status),
            next_run_at: next_tick(audit),
        });
        Ok(Json(schedules))
    }
}

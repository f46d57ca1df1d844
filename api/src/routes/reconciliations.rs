use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use prepq_jobs::kinds::ReconcileSummary;
use prepq_schema::{
    StoreError,
    reconciliations::{self, Mismatch, Run},
};
use uuid::Uuid;

use super::{
    ApiTags,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    error::{AdminFindError, AdminListError, ApiError},
};

/// Billing audits: administrators only.
#[derive(Default)]
pub struct ReconciliationsApi;

/// The most days one audit may cover.
const MAX_DAYS: i64 = 31;

/// Days to audit (China time), both included.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReconcileRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReconciliationView {
    pub id: Uuid,
    /// The `billing.reconcile` job that runs it.
    pub job_id: Uuid,
    /// The schedule's tick it ran for; none when an admin asked for it.
    pub tick: Option<DateTime<Utc>>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub requested_by: Option<Uuid>,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    pub summary: Option<ReconcileSummary>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Run> for ReconciliationView {
    fn from(r: Run) -> Self {
        Self {
            id: r.id,
            job_id: r.job_id,
            tick: r.tick,
            from: r.day_from,
            to: r.day_to,
            requested_by: r.requested_by,
            status: r.status,
            summary: r.summary.and_then(|s| serde_json::from_value(s).ok()),
            error: r.error,
            created_at: r.created_at,
            finished_at: r.finished_at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReconciliationReport {
    pub run: ReconciliationView,
    pub mismatches: Vec<Mismatch>,
}

pub type ReconciliationPage = super::paging::Page<ReconciliationView>;

#[derive(ApiResponse)]
pub enum ReconcileAccepted {
    /// The audit is queued; follow it at `/admin/reconciliations/{id}`.
    #[oai(status = 202)]
    Accepted(Json<ReconciliationView>),
}

#[OpenApi(tag = "ApiTags::Admin")]
impl ReconciliationsApi {
    /// Audit a range of days now.
    #[oai(path = "/admin/reconciliations", method = "post")]
    async fn start(
        &self,
        me: Signed<'_>,
        request: Json<ReconcileRequest>,
    ) -> Result<ReconcileAccepted, ApiError> {
        me.caller.require_admin()?;
        let days = (request.to - request.from).num_days() + 1;
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(ApiError::unprocessable(format!(
                "`to` must be on or after `from`, and at most {MAX_DAYS} days in all"
            )));
        }
        let mut conn = me.state.conn().await?;
        let run = reconciliations::start_run(
            &mut conn,
            None,
            request.from,
            request.to,
            Some(me.caller.user_id),
        )
        .await?
        .ok_or_else(|| StoreError::Corrupt("an unscheduled run was not inserted".into()))?;
        Ok(ReconcileAccepted::Accepted(Json(run.into())))
    }

    /// Audits, newest first.
    #[oai(path = "/admin/reconciliations", method = "get")]
    async fn list(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<ReconciliationPage>, AdminListError> {
        me.caller.require_admin()?;
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        let rows = reconciliations::list_runs(&mut conn, before, limit.0.fetch()).await?;
        Ok(Json(Page::of(rows, limit.0, |r| r.id, Into::into)))
    }

    /// One audit's report: what it counted and every mismatch.
    #[oai(path = "/admin/reconciliations/:id", method = "get")]
    async fn get(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
    ) -> Result<Json<ReconciliationReport>, AdminFindError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        let run = reconciliations::find_run(&mut conn, id.0)
            .await?
            .ok_or_else(|| AdminFindError::not_found("reconciliation"))?;
        let mismatches = reconciliations::mismatches_of(&mut conn, run.id).await?;
        Ok(Json(ReconciliationReport {
            run: run.into(),
            mismatches,
        }))
    }
}

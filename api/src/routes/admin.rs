use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object, OpenApi, param::Path, param::Query, payload::Json};
use prepq_jobs::JobStatus;
use prepq_schema::{
    job_attempts::{self, JobAttempt},
    jobs,
    jobs::{JobFilter, Scope},
    users,
};
use uuid::Uuid;

use super::{
    ApiTags,
    dead_letters::matching,
    jobs::{JobPage, job_filter, job_page},
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    error::{AdminChangeError, AdminFindError, AdminListError, ErrorBody},
    relay,
    state::AppState,
    views::JobView,
};

/// Operations for administrators; everyone else gets 403. Admins are made with
/// `api admin create`, never through the API.
#[derive(Default)]
pub struct AdminApi;

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UserSummary {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
}

pub type UserPage = super::paging::Page<UserSummary>;

/// A job as its owner sees it (secrets in its payload redacted), with every attempt.
#[derive(Debug, Object)]
pub struct JobDetail {
    pub job: JobView,
    /// Where it stands in its queue's backlog, higher first: 0 normal, 10 a paying
    /// member's paid analysis, 100 an administrator's "run now".
    pub priority: i16,
    /// First first.
    pub attempts: Vec<AttemptView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Succeeded,
    /// Failed for good: the job failed with it.
    Failed,
    /// Failed, and the job was queued for another attempt.
    Retried,
    /// Its worker stopped renewing the lease (killed, hung or cut off).
    LeaseExpired,
    /// The rest of the work went to another kind's queue (`resume.ocr`).
    HandedOff,
    Cancelled,
}

/// One attempt of a job.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AttemptView {
    /// 1 for the first.
    pub attempt: i32,
    /// The kind it ran as.
    pub kind: String,
    /// The worker process that ran it, as `GET /admin/workers` names it.
    pub worker: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    /// How it ended; absent while it runs.
    pub outcome: Option<AttemptOutcome>,
    /// Why it did not succeed.
    pub error: Option<String>,
}

impl From<JobAttempt> for AttemptView {
    fn from(a: JobAttempt) -> Self {
        let outcome = a.outcome.as_deref().and_then(|o| match o {
            "succeeded" => Some(AttemptOutcome::Succeeded),
            "failed" => Some(AttemptOutcome::Failed),
            "retried" => Some(AttemptOutcome::Retried),
            "lease_expired" => Some(AttemptOutcome::LeaseExpired),
            "handed_off" => Some(AttemptOutcome::HandedOff),
            "cancelled" => Some(AttemptOutcome::Cancelled),
            _ => None,
        });
        Self {
            attempt: a.attempt,
            kind: a.kind,
            worker: a.worker,
            duration_ms: a
                .ended_at
                .map(|end| (end - a.started_at).num_milliseconds()),
            started_at: a.started_at,
            ended_at: a.ended_at,
            outcome,
            error: a.error,
        }
    }
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminApi {
    /// Every account, newest first.
    #[oai(path = "/users", method = "get")]
    async fn users(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<UserPage>, AdminListError> {
        me.caller.require_admin()?;
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        let rows = users::list(&mut conn, before, limit.0.fetch()).await?;
        Ok(Json(Page::of(
            rows,
            limit.0,
            |u| u.id,
            |u| UserSummary {
                id: u.id,
                email_verified: u.email_verified_at.is_some(),
                email: u.email,
                role: u.role,
                created_at: u.created_at,
            },
        )))
    }

    /// Every job, system jobs (mail, crawls) included, newest first.
    #[oai(path = "/jobs", method = "get")]
    async fn jobs(
        &self,
        me: Signed<'_>,
        kind: Query<Option<String>>,
        status: Query<Option<JobStatus>>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<JobPage>, AdminListError> {
        me.caller.require_admin()?;
        let filter = job_filter(kind.0, status.0, cursor.0)?;
        Ok(job_page(me.state, Scope::All, &filter, limit.0).await?)
    }

    /// One job, whoever owns it, with each of its attempts: the worker, when, how it
    /// ended and why.
    #[oai(path = "/jobs/:id", method = "get")]
    async fn job(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<JobDetail>, AdminFindError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        let row = jobs::find(&mut conn, id.0)
            .await?
            .ok_or_else(|| AdminFindError::not_found("job"))?;
        let attempts = job_attempts::of_job(&mut conn, id.0).await?;
        Ok(Json(JobDetail {
            priority: row.priority,
            job: JobView::from_row(row)?,
            attempts: attempts.into_iter().map(AttemptView::from).collect(),
        }))
    }

    /// Queue a failed job again, with as many attempts as it first had. A priced job's
    /// price is reserved from its owner again (409 `insufficient_points` when they cannot
    /// pay), and settled or refunded like the first try.
    #[oai(path = "/jobs/:id/retry", method = "post")]
    async fn retry(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
    ) -> Result<Json<JobView>, AdminChangeError> {
        me.caller.require_admin()?;
        Ok(Json(retry(me.state, id.0).await?))
    }

    /// Run a queued job next: ahead of its kind's backlog and of its backoff. A failed
    /// job is retried first, by the rules of the retry above.
    #[oai(path = "/jobs/:id/run-now", method = "post")]
    async fn run_now(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
    ) -> Result<Json<JobView>, AdminChangeError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        if let Some(row) = jobs::find(&mut conn, id.0).await?
            && row.status == JobStatus::Failed
        {
            retry(me.state, id.0).await?;
        }
        match jobs::run_now(&mut conn, id.0).await? {
            Some(row) => Ok(Json(JobView::from_row(row)?)),
            None => Err(not_queued(&mut conn, id.0, "run now").await?),
        }
    }

    /// Cancel a queued job, whoever owns it (a priced job's price is refunded).
    #[oai(path = "/jobs/:id/cancel", method = "post")]
    async fn cancel(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
    ) -> Result<Json<JobView>, AdminChangeError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        match jobs::cancel_queued(&mut conn, &[id.0]).await?.pop() {
            Some(row) => {
                relay::announce(&me.state.redis, std::slice::from_ref(&row)).await;
                Ok(Json(JobView::from_row(row)?))
            }
            None => Err(not_queued(&mut conn, id.0, "be cancelled").await?),
        }
    }

    /// Cancel every queued job of `kind` (of every kind when absent), up to 1,000 per call,
    /// newest first; priced jobs' prices are refunded.
    #[oai(path = "/jobs/cancel", method = "post")]
    async fn cancel_all(
        &self,
        me: Signed<'_>,
        kind: Query<Option<String>>,
    ) -> Result<Json<BulkCancelled>, AdminListError> {
        me.caller.require_admin()?;
        let filter = JobFilter {
            kind: kind.0,
            status: Some(JobStatus::Queued),
            ..JobFilter::default()
        };
        let mut conn = me.state.conn().await?;
        let (matched, more) = matching(&mut conn, &filter).await?;
        let ids: Vec<Uuid> = matched.iter().map(|job| job.id).collect();
        let cancelled = jobs::cancel_queued(&mut conn, &ids).await?;
        relay::announce(&me.state.redis, &cancelled).await;
        Ok(Json(BulkCancelled {
            matched: ids.len() as u32,
            cancelled: cancelled.len() as u32,
            more,
        }))
    }
}

/// What a bulk cancel did.
#[derive(Debug, Object)]
pub struct BulkCancelled {
    /// Queued jobs matched in this call, at most 1,000.
    pub matched: u32,
    /// Cancelled: the others started or finished since they were matched.
    pub cancelled: u32,
    /// More queued jobs match than this call took: call again.
    pub more: bool,
}

/// An administrator's retry of a failed job, by the points rules.
async fn retry(state: &AppState, id: Uuid) -> Result<JobView, AdminChangeError> {
    let mut conn = state.conn().await?;
    match jobs::retry_failed(&mut conn, id).await? {
        jobs::Retry::Queued(row) => {
            relay::announce(&state.redis, std::slice::from_ref(&*row)).await;
            Ok(JobView::from_row(*row)?)
        }
        jobs::Retry::Unaffordable(short) => Err(AdminChangeError::Conflict(ErrorBody::new(
            "insufficient_points",
            format!(
                "another try costs the owner {} points and their balance is {}",
                short.price, short.balance
            ),
        ))),
        jobs::Retry::NotFailed => match jobs::find(&mut conn, id).await? {
            Some(row) => Err(AdminChangeError::Conflict(ErrorBody::new(
                "not_failed",
                format!(
                    "the job is {}; only a failed job can be retried",
                    row.status
                ),
            ))),
            None => Err(AdminChangeError::not_found("job")),
        },
    }
}

/// Why a change for queued jobs found none: 404, or 409 with the job's status.
async fn not_queued(
    conn: &mut prepq_schema::PooledConn,
    id: Uuid,
    what: &str,
) -> Result<AdminChangeError, prepq_schema::StoreError> {
    Ok(match jobs::find(conn, id).await? {
        Some(row) => AdminChangeError::Conflict(ErrorBody::new(
            "not_queued",
            format!("the job is {}; only a queued job can {what}", row.status),
        )),
        None => AdminChangeError::not_found("job"),
    })
}

//! Dead letters: the jobs that failed for good, found by kind, error text and when they
//! failed, and retried or deleted one filter at a time.

use chrono::{DateTime, Utc};
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use prepq_jobs::JobStatus;
use prepq_schema::jobs::{self, JobFilter, Retry, Scope};

use super::{
    ApiTags,
    jobs::{Deleted, JobPage, job_page},
    paging::{PageLimit, parse_cursor},
};
use uuid::Uuid;

use crate::{
    auth::Signed,
    error::{AdminChangeError, AdminListError, ErrorBody},
    relay,
};

/// Most jobs one bulk call retries; what is left, the next call takes.
const BULK_CAP: usize = 1_000;

#[derive(Default)]
pub struct DeadLettersApi;

/// What a bulk retry did.
#[derive(Debug, Object)]
pub struct BulkRetried {
    /// Failed jobs the filter matched in this call, at most 1,000.
    pub matched: u32,
    /// Queued again, each with as many attempts as it first had.
    pub retried: u32,
    /// Priced jobs whose owners cannot pay for another try: left failed.
    pub unaffordable: u32,
    /// More failed jobs match than this call took: call again.
    pub more: bool,
}

/// What a bulk delete did.
#[derive(Debug, Object)]
pub struct BulkDeleted {
    /// Failed jobs the filter matched in this call, at most 1,000.
    pub matched: u32,
    pub deleted: u32,
    /// Resumes' current readings: kept, they go with their resume.
    pub kept: u32,
    /// More failed jobs match than this call took: call again.
    pub more: bool,
}

/// The failed jobs of `kind` whose error says `error` (in any case), failed in
/// `[after, before)`, older than the job `older_than`; each part narrows it.
fn failed(
    kind: Option<String>,
    error: Option<String>,
    after: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
    older_than: Option<Uuid>,
) -> JobFilter {
    JobFilter {
        kind,
        status: Some(JobStatus::Failed),
        before: older_than,
        error,
        finished_after: after,
        finished_before: before,
    }
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl DeadLettersApi {
    /// The jobs that failed for good, newest first, system jobs included.
    #[oai(path = "/dead-letters", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        me: Signed<'_>,
        kind: Query<Option<String>>,
        error: Query<Option<String>>,
        failed_after: Query<Option<DateTime<Utc>>>,
        failed_before: Query<Option<DateTime<Utc>>>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<JobPage>, AdminListError> {
        me.caller.require_admin()?;
        let older_than = parse_cursor(cursor.0)?;
        let filter = failed(kind.0, error.0, failed_after.0, failed_before.0, older_than);
        Ok(job_page(me.state, Scope::All, &filter, limit.0).await?)
    }

    /// Queue again every failed job the filter (as for the listing) matches, up to 1,000
    /// per call. A priced job's price is reserved from its owner again, as for one retry;
    /// one whose owner cannot pay stays failed and is counted.
    #[oai(path = "/dead-letters/retry", method = "post")]
    async fn retry(
        &self,
        me: Signed<'_>,
        kind: Query<Option<String>>,
        error: Query<Option<String>>,
        failed_after: Query<Option<DateTime<Utc>>>,
        failed_before: Query<Option<DateTime<Utc>>>,
    ) -> Result<Json<BulkRetried>, AdminListError> {
        me.caller.require_admin()?;
        let filter = failed(kind.0, error.0, failed_after.0, failed_before.0, None);
        let mut conn = me.state.conn().await?;
        let (matched, more) = matching(&mut conn, &filter).await?;
        let (mut queued, mut unaffordable) = (Vec::new(), 0);
        for job in &matched {
            match jobs::retry_failed(&mut conn, job.id).await? {
                Retry::Queued(row) => queued.push(*row),
                Retry::Unaffordable(_) => unaffordable += 1,
                // Retried or deleted by someone else since the listing.
                Retry::NotFailed => {}
            }
        }
        relay::announce(&me.state.redis, &queued).await;
        Ok(Json(BulkRetried {
            matched: matched.len() as u32,
            retried: queued.len() as u32,
            unaffordable,
            more,
        }))
    }

    /// Delete every failed job the filter (as for the listing) matches, up to 1,000 per
    /// call, except resumes' current readings, which go with their resume. Their prices
    /// were refunded when they failed; the points history keeps its lines.
    #[oai(path = "/dead-letters/delete", method = "post")]
    async fn delete(
        &self,
        me: Signed<'_>,
        kind: Query<Option<String>>,
        error: Query<Option<String>>,
        failed_after: Query<Option<DateTime<Utc>>>,
        failed_before: Query<Option<DateTime<Utc>>>,
    ) -> Result<Json<BulkDeleted>, AdminListError> {
        me.caller.require_admin()?;
        let filter = failed(kind.0, error.0, failed_after.0, failed_before.0, None);
        let mut conn = me.state.conn().await?;
        let (matched, more) = matching(&mut conn, &filter).await?;
        let ids: Vec<Uuid> = matched.iter().map(|job| job.id).collect();
        let deleted = jobs::delete_failed(&mut conn, &ids).await?;
        Ok(Json(BulkDeleted {
            matched: ids.len() as u32,
            deleted: deleted as u32,
            kept: (ids.len() - deleted) as u32,
            more,
        }))
    }

    /// Delete one failed job (409 `in_use` for a resume's current reading).
    #[oai(path = "/dead-letters/:id", method = "delete")]
    async fn delete_one(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
    ) -> Result<Deleted, AdminChangeError> {
        me.caller.require_admin()?;
        let mut conn = me.state.conn().await?;
        if jobs::delete_failed(&mut conn, &[id.0]).await? == 1 {
            return Ok(Deleted::NoContent);
        }
        Err(match jobs::find(&mut conn, id.0).await? {
            Some(job) if job.status == JobStatus::Failed => {
                AdminChangeError::Conflict(ErrorBody::new(
                    "in_use",
                    "the job is a resume's current reading; delete the resume instead",
                ))
            }
            _ => AdminChangeError::not_found("failed job"),
        })
    }
}

/// The first 1,000 jobs the filter matches, and whether more do: what one bulk call takes.
pub(super) async fn matching(
    conn: &mut prepq_schema::PooledConn,
    filter: &JobFilter,
) -> Result<(Vec<jobs::JobRow>, bool), prepq_schema::StoreError> {
    let mut matched = jobs::list(conn, Scope::All, filter, BULK_CAP as i64 + 1).await?;
    let more = matched.len() > BULK_CAP;
    matched.truncate(BULK_CAP);
    Ok((matched, more))
}

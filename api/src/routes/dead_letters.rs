//! Dead letters: the jobs that failed for good, found by kind, error text and when they
//! failed, and retried one filter at a time.

use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};
use prepq_jobs::JobStatus;
use prepq_schema::jobs::{self, JobFilter, Retry, Scope};

use super::{
    ApiTags,
    jobs::{JobPage, job_page},
    paging::{PageLimit, parse_cursor},
};
use crate::{auth::Signed, error::AdminListError, relay};

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

/// The failed jobs of `kind` whose error says `error` (in any case), failed in
/// `[after, before)`, older than the job `older_than`; each part narrows it.
fn failed(
    kind: Option<String>,
    error: Option<String>,
    after: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
    older_than: Option<uuid::Uuid>,
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
        let cap = BULK_CAP as i64 + 1;
        let mut matched = jobs::list(&mut conn, Scope::All, &filter, cap).await?;
        let more = matched.len() > BULK_CAP;
        matched.truncate(BULK_CAP);
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
}

use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};
use prepq_jobs::{JobStatus, NewJob, kinds::Echo};
use prepq_schema::{
    StoreError,
    jobs::{self, CancelOutcome, DeleteOutcome, JobFilter, Scope},
};
use uuid::Uuid;

use super::{
    ApiTags,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    enqueue::enqueue,
    error::{ApiError, ChangeError, ErrorBody, FindError, InvalidCursor, ListError},
    relay,
    state::AppState,
    uploads::{ResumeUpload, accept_resume, upload_limit},
    views::JobView,
};

#[derive(Default)]
pub struct JobsApi;

#[derive(ApiResponse)]
pub enum Accepted {
    /// Accepted: follow it at `Location`.
    #[oai(status = 202)]
    Accepted(Json<JobView>, #[oai(header = "Location")] String),
}

impl Accepted {
    fn of(row: prepq_schema::jobs::JobRow) -> Result<Self, ApiError> {
        let location = format!("/api/v1/jobs/{}", row.id);
        Ok(Self::Accepted(Json(JobView::from_row(row)?), location))
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EchoRequest {
    #[oai(validator(max_length = 10000))]
    pub message: String,
    /// Pause before answering, in milliseconds (at most 60000).
    #[oai(default, validator(maximum(value = "60000")))]
    pub sleep_ms: u64,
    /// Fail the first this-many attempts, to see retries at work (at most 10).
    #[oai(default, validator(maximum(value = "10")))]
    pub fail_attempts: u32,
}

pub type JobPage = super::paging::Page<JobView>;

#[OpenApi(tag = "ApiTags::Jobs")]
impl JobsApi {
    /// Run the echo canary job: a no-op through the whole pipeline.
    #[oai(path = "/jobs/echo", method = "post")]
    async fn echo(
        &self,
        me: Signed<'_>,
        /// Repeat a request safely: the same key returns the same job.
        #[oai(name = "Idempotency-Key")]
        idempotency_key: Header<Option<String>>,
        body: Json<EchoRequest>,
    ) -> Result<Accepted, ApiError> {
        let job = NewJob::of(&Echo {
            message: body.0.message,
            sleep_ms: body.0.sleep_ms,
            fail_attempts: body.0.fail_attempts,
        });
        let row = enqueue(
            me.state,
            me.caller.user_id,
            &job,
            idempotency_key.0.as_deref(),
        )
        .await?;
        Accepted::of(row)
    }

    /// Upload a resume and extract its text.
    #[oai(
        path = "/jobs/resume-extract",
        method = "post",
        transform = "upload_limit"
    )]
    async fn resume_extract(
        &self,
        me: Signed<'_>,
        /// Repeat a request safely: the same key returns the same job.
        #[oai(name = "Idempotency-Key")]
        idempotency_key: Header<Option<String>>,
        upload: ResumeUpload,
    ) -> Result<Accepted, ApiError> {
        let row = accept_resume(
            me.state,
            me.caller.user_id,
            upload,
            idempotency_key.0.as_deref(),
        )
        .await?;
        Accepted::of(row)
    }

    /// One of your jobs.
    #[oai(path = "/jobs/:id", method = "get")]
    async fn get(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<JobView>, FindError> {
        let mut conn = me.state.conn().await?;
        let row = jobs::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("job"))?;
        Ok(Json(JobView::from_row(row)?))
    }

    /// Your jobs, newest first.
    #[oai(path = "/jobs", method = "get")]
    async fn list(
        &self,
        me: Signed<'_>,
        /// Only this kind.
        kind: Query<Option<String>>,
        /// Only this status.
        status: Query<Option<JobStatus>>,
        /// From `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<JobPage>, ListError> {
        let filter = job_filter(kind.0, status.0, cursor.0)?;
        Ok(job_page(me.state, Scope::Owner(me.caller.user_id), &filter, limit.0).await?)
    }

    /// Delete one of your finished jobs.
    #[oai(path = "/jobs/:id", method = "delete")]
    async fn delete(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Deleted, ChangeError> {
        let mut conn = me.state.conn().await?;
        match jobs::delete_owned(&mut conn, me.caller.user_id, id.0).await? {
            DeleteOutcome::Deleted => Ok(Deleted::NoContent),
            DeleteOutcome::NotFound => Err(ChangeError::not_found("job")),
            DeleteOutcome::InUse => Err(ChangeError::Conflict(ErrorBody::new(
                "in_use",
                "the job is a resume's current reading; delete the resume instead",
            ))),
            DeleteOutcome::Unfinished(status) => Err(ChangeError::Conflict(ErrorBody::new(
                "not_finished",
                format!("the job is {status}; cancel it or let it finish first"),
            ))),
        }
    }

    /// Cancel one of your jobs while it is still queued.
    #[oai(path = "/jobs/:id/cancel", method = "post")]
    async fn cancel(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<JobView>, ChangeError> {
        let mut conn = me.state.conn().await?;
        match jobs::cancel_owned(&mut conn, me.caller.user_id, id.0).await? {
            CancelOutcome::Cancelled(row) => {
                relay::announce(&me.state.redis, std::slice::from_ref(&row)).await;
                Ok(Json(JobView::from_row(row)?))
            }
            CancelOutcome::NotFound => Err(ChangeError::not_found("job")),
            CancelOutcome::TooLate(row) => Err(ChangeError::Conflict(ErrorBody::new(
                "not_cancellable",
                format!(
                    "the job is {}; only a queued job can be cancelled",
                    row.status
                ),
            ))),
        }
    }
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    NoContent,
}

/// A listing's filter from its query parameters.
pub(super) fn job_filter(
    kind: Option<String>,
    status: Option<JobStatus>,
    cursor: Option<String>,
) -> Result<JobFilter, InvalidCursor> {
    Ok(JobFilter {
        kind,
        status,
        before: parse_cursor(cursor)?,
        ..JobFilter::default()
    })
}

/// One page of jobs, with the cursor of the next.
pub(super) async fn job_page(
    state: &AppState,
    scope: Scope,
    filter: &JobFilter,
    limit: PageLimit,
) -> Result<Json<JobPage>, StoreError> {
    let mut conn = state.conn().await?;
    let rows = jobs::list(&mut conn, scope, filter, limit.fetch()).await?;
    Ok(Json(Page::try_of(
        rows,
        limit,
        |r| r.id,
        JobView::from_row,
    )?))
}

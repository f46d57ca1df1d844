use std::collections::HashMap;

use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};
use prepq_jobs::{
    JobStatus, NewJob,
    kinds::{ResumeExtract, ResumeParse},
};
use prepq_schema::{
    PooledConn, StoreError,
    files::StoredFile,
    resume_parses::{self, ParsedResume},
    resumes::{self, Resume, ResumeRecord},
};
use uuid::Uuid;

use super::{
    ApiTags,
    jobs::Deleted,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    enqueue::enqueue,
    error::{ApiError, FindError, ListError},
    uploads::{ResumeUpload, accept_resume, upload_limit},
};

#[derive(Default)]
pub struct ResumesApi;

/// A resume you uploaded and what was read from it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ResumeView {
    pub id: Uuid,
    /// The status of its latest reading: `queued`, `running`, `succeeded`, `failed`.
    pub status: JobStatus,
    /// 0–100 while it is read.
    pub progress: i16,
    /// The job reading it; follow it at `/jobs/{job_id}` or its events.
    pub job_id: Uuid,
    pub file: StoredFile,
    /// The text of its latest successful reading. A re-read replaces it when it succeeds.
    pub text: Option<String>,
    pub pages: Option<u32>,
    /// What the latest successful reading found: contact, sections (byte spans into
    /// `text`), education, experience, vocabulary skills, years of experience, confidence.
    pub parse: Option<ResumeParse>,
    pub parsed_at: Option<DateTime<Utc>>,
    /// Why it could not be read, in words for people.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ResumeView {
    fn of((resume, file, job): ResumeRecord, read: Option<ParsedResume>) -> Self {
        let (text, pages, parse, parsed_at) = match read {
            Some(read) => (
                Some(read.text),
                Some(read.pages),
                Some(read.parse),
                Some(read.parsed_at),
            ),
            None => (None, None, None, None),
        };
        Self {
            id: resume.id,
            status: job.status,
            progress: job.progress,
            job_id: job.id,
            file,
            text,
            pages,
            parse,
            parsed_at,
            error: job.error,
            created_at: resume.created_at,
            updated_at: resume.updated_at.max(job.updated_at),
        }
    }
}

pub type ResumePage = super::paging::Page<ResumeView>;

#[derive(ApiResponse)]
pub enum ResumeAccepted {
    /// Stored; it is being read. Follow it at `Location`.
    #[oai(status = 202)]
    Accepted(Json<ResumeView>, #[oai(header = "Location")] String),
}

impl ResumeAccepted {
    async fn of(conn: &mut PooledConn, record: ResumeRecord) -> Result<Self, ApiError> {
        let location = format!("/api/v1/resumes/{}", record.0.id);
        Ok(Self::Accepted(Json(view(conn, record).await?), location))
    }
}

/// One resume's view, with its stored reading.
async fn view(conn: &mut PooledConn, record: ResumeRecord) -> Result<ResumeView, StoreError> {
    let read = resume_parses::find_many(conn, &[record.0.id]).await?.pop();
    Ok(ResumeView::of(record, read))
}

#[OpenApi(tag = "ApiTags::Resumes")]
impl ResumesApi {
    /// Upload a resume: PDF (text or scanned), DOCX, PNG, JPEG or text (UTF-8 or GBK).
    #[oai(path = "/resumes", method = "post", transform = "upload_limit")]
    async fn upload(
        &self,
        me: Signed<'_>,
        /// Repeat a request safely: the same key returns the same resume's job.
        #[oai(name = "Idempotency-Key")]
        idempotency_key: Header<Option<String>>,
        upload: ResumeUpload,
    ) -> Result<ResumeAccepted, ApiError> {
        let owner = me.caller.user_id;
        let row = accept_resume(me.state, owner, upload, idempotency_key.0.as_deref()).await?;
        let mut conn = me.state.conn().await?;
        // A repeated request finds the resume its first call made.
        if let Some(existing) = resumes::find_by_job(&mut conn, owner, row.id).await? {
            return ResumeAccepted::of(&mut conn, existing).await;
        }
        let now = Utc::now();
        let resume = Resume {
            id: Uuid::now_v7(),
            owner_id: owner,
            file_id: row_file_id(&row)?,
            job_id: row.id,
            created_at: now,
            updated_at: now,
        };
        resumes::insert(&mut conn, &resume).await?;
        let record = resumes::find_owned(&mut conn, owner, resume.id)
            .await?
            .ok_or_else(|| ApiError::not_found("resume"))?;
        ResumeAccepted::of(&mut conn, record).await
    }

    /// Your resumes, newest first.
    #[oai(path = "/resumes", method = "get")]
    async fn list(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<ResumePage>, ListError> {
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        let rows =
            resumes::list_owned(&mut conn, me.caller.user_id, before, limit.0.fetch()).await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.0.id).collect();
        let mut reads: HashMap<Uuid, ParsedResume> = resume_parses::find_many(&mut conn, &ids)
            .await?
            .into_iter()
            .map(|read| (read.resume_id, read))
            .collect();
        Ok(Json(Page::of(
            rows,
            limit.0,
            |r| r.0.id,
            |r| {
                let read = reads.remove(&r.0.id);
                ResumeView::of(r, read)
            },
        )))
    }

    /// One of your resumes.
    #[oai(path = "/resumes/:id", method = "get")]
    async fn get(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<ResumeView>, FindError> {
        let mut conn = me.state.conn().await?;
        let record = resumes::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("resume"))?;
        Ok(Json(view(&mut conn, record).await?))
    }

    /// Delete one of your resumes: its file, its readings, everything read from it.
    #[oai(path = "/resumes/:id", method = "delete")]
    async fn delete(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Deleted, FindError> {
        let mut conn = me.state.conn().await?;
        if resumes::delete_owned(&mut conn, &me.state.blobs, me.caller.user_id, id.0).await? {
            Ok(Deleted::NoContent)
        } else {
            Err(FindError::not_found("resume"))
        }
    }

    /// Read the resume again (after a failure, or with a newer reader).
    #[oai(path = "/resumes/:id/reparse", method = "post")]
    async fn reparse(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<ResumeAccepted, ApiError> {
        let owner = me.caller.user_id;
        let mut conn = me.state.conn().await?;
        let (resume, file, _) = resumes::find_owned(&mut conn, owner, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("resume"))?;
        drop(conn);
        let job = ResumeExtract {
            file_id: file.id,
            sha256: file.sha256,
            media_type: file.media_type,
        };
        let row = enqueue(me.state, owner, &NewJob::of(&job), None).await?;
        let mut conn = me.state.conn().await?;
        resumes::set_job(&mut conn, owner, resume.id, row.id)
            .await?
            .ok_or_else(|| ApiError::not_found("resume"))?;
        let record = resumes::find_owned(&mut conn, owner, resume.id)
            .await?
            .ok_or_else(|| ApiError::not_found("resume"))?;
        ResumeAccepted::of(&mut conn, record).await
    }
}

fn row_file_id(row: &prepq_schema::jobs::JobRow) -> Result<Uuid, ApiError> {
    serde_json::from_value::<ResumeExtract>(row.payload.clone())
        .map(|job| job.file_id)
        .map_err(|e| StoreError::Corrupt(format!("resume job payload: {e}")).into())
}

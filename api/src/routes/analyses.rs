use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Path, Query},
    payload::{Json, PlainText},
};
use prepq_billing::{Entitlement, REPORT_DOWNLOAD_POINTS};
use prepq_jobs::{
    JobStatus, NewJob,
    kinds::{Language, QuestionSet, QuestionsPredict, ResumeDiagnose, ResumeDiagnosis, Target},
};
use prepq_schema::{
    StoreError,
    analyses::{self, Analysis, AnalysisRow},
    points, postings, resume_parses,
};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{
    ApiTags,
    paging::{PageLimit, page, parse_cursor},
};
use crate::{
    auth::BearerAuth,
    billing,
    enqueue::enqueue_paid,
    error::{ApiError, ErrorBody},
    report,
    state::AppState,
    views::JobView,
};

pub struct AnalysesApi;

#[derive(ApiResponse)]
pub enum Report {
    #[oai(status = 200, content_type = "text/markdown; charset=utf-8")]
    Markdown(PlainText<String>),
}

/// The job a resume is measured against: a description pasted as text, or a crawled
/// posting (`posting_id`), one or the other.
#[derive(Debug, Clone, Object)]
pub struct TargetJob {
    #[oai(validator(max_length = 200))]
    pub title: Option<String>,
    #[oai(validator(min_length = 20, max_length = 20000))]
    pub description: Option<String>,
    pub posting_id: Option<Uuid>,
}

#[derive(Debug, Object)]
pub struct DiagnosisRequest {
    pub resume_id: Uuid,
    pub target: TargetJob,
    /// Default: the resume's language.
    pub language: Option<Language>,
}

#[derive(Debug, Object)]
pub struct QuestionSetRequest {
    pub resume_id: Uuid,
    pub target: TargetJob,
    /// Default: the resume's language.
    pub language: Option<Language>,
    /// How many questions (1–30).
    #[oai(
        default = "default_questions",
        validator(minimum(value = "1"), maximum(value = "30"))
    )]
    pub count: u32,
}

fn default_questions() -> u32 {
    10
}

/// An analysis: the job that makes it, and its result once it succeeded.
#[derive(Debug, Object)]
pub struct AnalysisState {
    /// Also the id of the job that makes it (`/jobs/{id}`).
    pub id: Uuid,
    pub status: JobStatus,
    pub progress: i16,
    pub resume_id: Option<Uuid>,
    pub target_title: Option<String>,
    /// Why it failed, in words for people. The points it cost were refunded.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Object)]
pub struct DiagnosisView {
    #[oai(flatten)]
    pub state: AnalysisState,
    pub diagnosis: Option<ResumeDiagnosis>,
}

#[derive(Debug, Object)]
pub struct QuestionSetView {
    #[oai(flatten)]
    pub state: AnalysisState,
    pub question_set: Option<QuestionSet>,
}

pub type DiagnosisPage = super::paging::Page<DiagnosisView>;

pub type QuestionSetPage = super::paging::Page<QuestionSetView>;

#[derive(ApiResponse)]
pub enum AnalysisAccepted {
    /// Accepted and paid for (the price is refunded if it fails). Follow it at `Location`.
    #[oai(status = 202)]
    Accepted(Json<JobView>, #[oai(header = "Location")] String),
}

#[OpenApi(tag = "ApiTags::Analyses")]
impl AnalysesApi {
    /// Diagnose one of your resumes against a job. Costs points.
    #[oai(path = "/diagnoses", method = "post")]
    async fn diagnose(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        request: Json<DiagnosisRequest>,
    ) -> Result<AnalysisAccepted, ApiError> {
        let request = request.0;
        let job = ResumeDiagnose {
            resume_id: request.resume_id,
            target: target(&state, request.target).await?,
            language: request.language,
        };
        let price = state.config.points.price_resume_diagnose;
        let path = "/api/v1/diagnoses";
        submit(
            &state,
            auth.0.user_id,
            job.resume_id,
            NewJob::of(&job),
            idempotency_key.0,
            price,
            path,
        )
        .await
    }

    /// Your diagnoses, newest first.
    #[oai(path = "/diagnoses", method = "get")]
    async fn diagnoses(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<DiagnosisPage>, ApiError> {
        let (items, next_cursor) = history(
            &state,
            Analysis::Diagnosis,
            auth.0.user_id,
            cursor.0,
            limit.0,
            diagnosis_view,
        )
        .await?;
        Ok(Json(DiagnosisPage { items, next_cursor }))
    }

    /// One of your diagnoses.
    #[oai(path = "/diagnoses/:id", method = "get")]
    async fn diagnosis(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<DiagnosisView>, ApiError> {
        let row = one(
            &state,
            Analysis::Diagnosis,
            auth.0.user_id,
            id.0,
            "diagnosis",
        )
        .await?;
        Ok(Json(diagnosis_view(row)?))
    }

    /// One of your diagnoses as a Markdown document. Members only: bronze pays
    /// `REPORT_DOWNLOAD_POINTS` (2) points once per report, silver and above download free.
    #[oai(path = "/diagnoses/:id/report.md", method = "get")]
    async fn diagnosis_report(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Report, ApiError> {
        let row = one(
            &state,
            Analysis::Diagnosis,
            auth.0.user_id,
            id.0,
            "diagnosis",
        )
        .await?;
        let (analysis, diagnosis) = split::<ResumeDiagnosis>(row)?;
        let diagnosis = diagnosis.ok_or_else(|| {
            ApiError::Conflict(ErrorBody::new(
                "not_ready",
                "the diagnosis has not finished",
            ))
        })?;
        let mut conn = state.conn().await?;
        let level =
            billing::require(&mut conn, auth.0.user_id, Entitlement::ReportDownload).await?;
        if !level.allows(Entitlement::FreeReportDownload) {
            points::pay_for_download(
                &mut conn,
                auth.0.user_id,
                analysis.id,
                REPORT_DOWNLOAD_POINTS,
            )
            .await??;
        }
        let text = report::markdown(&diagnosis, analysis.target_title.as_deref());
        Ok(Report::Markdown(PlainText(text)))
    }

    /// Predict the interview questions one of your resumes will meet for a job. Costs points.
    #[oai(path = "/question-sets", method = "post")]
    async fn predict(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        request: Json<QuestionSetRequest>,
    ) -> Result<AnalysisAccepted, ApiError> {
        let request = request.0;
        let job = QuestionsPredict {
            resume_id: request.resume_id,
            target: target(&state, request.target).await?,
            language: request.language,
            count: request.count,
        };
        let price = state.config.points.price_questions_predict;
        let path = "/api/v1/question-sets";
        submit(
            &state,
            auth.0.user_id,
            job.resume_id,
            NewJob::of(&job),
            idempotency_key.0,
            price,
            path,
        )
        .await
    }

    /// Your question sets, newest first.
    #[oai(path = "/question-sets", method = "get")]
    async fn question_sets(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<QuestionSetPage>, ApiError> {
        let (items, next_cursor) = history(
            &state,
            Analysis::QuestionSet,
            auth.0.user_id,
            cursor.0,
            limit.0,
            question_set_view,
        )
        .await?;
        Ok(Json(QuestionSetPage { items, next_cursor }))
    }

    /// One of your question sets.
    #[oai(path = "/question-sets/:id", method = "get")]
    async fn question_set(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<QuestionSetView>, ApiError> {
        let row = one(
            &state,
            Analysis::QuestionSet,
            auth.0.user_id,
            id.0,
            "question set",
        )
        .await?;
        Ok(Json(question_set_view(row)?))
    }
}

/// The target as the job reads it: a posting's title and description, or the pasted text.
async fn target(state: &AppState, target: TargetJob) -> Result<Target, ApiError> {
    let title = target.title.filter(|t| !t.trim().is_empty());
    match (target.posting_id, target.description) {
        (Some(id), None) => {
            let mut conn = state.conn().await?;
            let posting = postings::find(&mut conn, id)
                .await?
                .ok_or_else(|| ApiError::not_found("posting"))?;
            let named = match &posting.company {
                Some(company) => format!("{} — {company}", posting.title),
                None => posting.title,
            };
            Ok(Target {
                title: title.or(Some(named)),
                description: posting.description,
            })
        }
        (None, Some(description)) => Ok(Target { title, description }),
        _ => Err(ApiError::unprocessable(
            "give the target job as a `description` or as a `posting_id`, one of the two",
        )),
    }
}

/// Checks the resume is theirs and read, then enqueues the paid job.
async fn submit(
    state: &AppState,
    owner: Uuid,
    resume_id: Uuid,
    job: NewJob,
    idempotency_key: Option<String>,
    price: i32,
    path: &str,
) -> Result<AnalysisAccepted, ApiError> {
    let mut conn = state.conn().await?;
    prepq_schema::resumes::find_owned(&mut conn, owner, resume_id)
        .await?
        .ok_or_else(|| ApiError::not_found("resume"))?;
    if resume_parses::find_many(&mut conn, &[resume_id])
        .await?
        .is_empty()
    {
        return Err(ApiError::Conflict(ErrorBody::new(
            "resume_not_read",
            "the resume has not been read successfully yet; wait for it, or upload it again",
        )));
    }
    drop(conn);
    let row = enqueue_paid(state, owner, &job, idempotency_key.as_deref(), price).await?;
    let location = format!("{path}/{}", row.id);
    Ok(AnalysisAccepted::Accepted(
        Json(JobView::from_row(row)?),
        location,
    ))
}

async fn history<T>(
    state: &AppState,
    analysis: Analysis,
    owner: Uuid,
    cursor: Option<String>,
    limit: PageLimit,
    view: fn(AnalysisRow) -> Result<T, ApiError>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let before = parse_cursor(cursor)?;
    let mut conn = state.conn().await?;
    let rows = analyses::list_owned(&mut conn, analysis, owner, before, limit.fetch()).await?;
    page(rows, limit, |r| r.job.id, view)
}

async fn one(
    state: &AppState,
    analysis: Analysis,
    owner: Uuid,
    id: Uuid,
    what: &str,
) -> Result<AnalysisRow, ApiError> {
    let mut conn = state.conn().await?;
    analyses::find_owned(&mut conn, analysis, owner, id)
        .await?
        .ok_or_else(|| ApiError::not_found(what))
}

fn diagnosis_view(row: AnalysisRow) -> Result<DiagnosisView, ApiError> {
    let (state, diagnosis) = split(row)?;
    Ok(DiagnosisView { state, diagnosis })
}

fn question_set_view(row: AnalysisRow) -> Result<QuestionSetView, ApiError> {
    let (state, question_set) = split(row)?;
    Ok(QuestionSetView {
        state,
        question_set,
    })
}

fn split<T: DeserializeOwned>(row: AnalysisRow) -> Result<(AnalysisState, Option<T>), ApiError> {
    let job = row.job;
    let payload = &job.payload;
    let state = AnalysisState {
        id: job.id,
        status: job.status,
        progress: job.progress,
        resume_id: payload["resume_id"].as_str().and_then(|id| id.parse().ok()),
        target_title: payload["target"]["title"].as_str().map(str::to_owned),
        error: job.error,
        created_at: job.created_at,
        finished_at: job.finished_at,
    };
    let result = row
        .analysis
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("stored analysis: {e}")))?;
    Ok((state, result))
}

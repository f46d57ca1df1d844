use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Path, Query},
    payload::{Json, PlainText},
    types::{ParseFromJSON, ToJSON},
};
use prepq_billing::{Entitlement, REPORT_DOWNLOAD_POINTS};
use prepq_jobs::{
    Job, JobStatus, NewJob,
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
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::{Caller, Signed},
    billing,
    enqueue::enqueue_paid,
    error::{ApiError, ErrorBody, FindError, ListError},
    report,
    state::AppState,
    views::JobView,
};

#[derive(Default)]
pub struct AnalysesApi;

#[derive(ApiResponse)]
pub enum Report {
    #[oai(status = 200, content_type = "text/markdown; charset=utf-8")]
    Markdown(PlainText<String>),
}

/// The job a resume is measured against: a description pasted as text, or a crawled
/// posting (`posting_id`), one or the other.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TargetJob {
    #[oai(validator(max_length = 200))]
    pub title: Option<String>,
    #[oai(validator(min_length = 20, max_length = 20000))]
    pub description: Option<String>,
    pub posting_id: Option<Uuid>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DiagnosisRequest {
    pub resume_id: Uuid,
    pub target: TargetJob,
    /// Default: the resume's language.
    pub language: Option<Language>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
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
#[oai(skip_serializing_if_is_none)]
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
#[oai(skip_serializing_if_is_none)]
pub struct DiagnosisView {
    #[oai(flatten)]
    pub state: AnalysisState,
    pub diagnosis: Option<ResumeDiagnosis>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct QuestionSetView {
    #[oai(flatten)]
    pub state: AnalysisState,
    pub question_set: Option<QuestionSet>,
}

pub type DiagnosisPage = Page<DiagnosisView>;

pub type QuestionSetPage = Page<QuestionSetView>;

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
        me: Signed<'_>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        request: Json<DiagnosisRequest>,
    ) -> Result<AnalysisAccepted, ApiError> {
        let DiagnosisRequest {
            resume_id,
            target: wanted,
            language,
        } = request.0;
        let target = target(me.state, wanted).await?;
        let job = ResumeDiagnose {
            resume_id,
            target,
            language,
        };
        let price = me.state.config.points.price_resume_diagnose;
        submit::<DiagnosisView>(
            me.state,
            &me.caller,
            resume_id,
            &job,
            price,
            idempotency_key.0,
        )
        .await
    }

    /// Your diagnoses, newest first.
    #[oai(path = "/diagnoses", method = "get")]
    async fn diagnoses(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<DiagnosisPage>, ListError> {
        history(me.state, me.caller.user_id, cursor.0, limit.0).await
    }

    /// One of your diagnoses.
    #[oai(path = "/diagnoses/:id", method = "get")]
    async fn diagnosis(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
    ) -> Result<Json<DiagnosisView>, FindError> {
        one(me.state, me.caller.user_id, id.0).await.map(Json)
    }

    /// One of your diagnoses as a Markdown document. Members only: bronze pays
    /// `REPORT_DOWNLOAD_POINTS` (2) points once per report, silver and above download free.
    #[oai(path = "/diagnoses/:id/report.md", method = "get")]
    async fn diagnosis_report(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Report, ApiError> {
        let view: DiagnosisView = one(me.state, me.caller.user_id, id.0).await?;
        let diagnosis = view.diagnosis.ok_or_else(|| {
            ApiError::Conflict(ErrorBody::new(
                "not_ready",
                "the diagnosis has not finished",
            ))
        })?;
        let mut conn = me.state.conn().await?;
        let level =
            billing::require(&mut conn, me.caller.user_id, Entitlement::ReportDownload).await?;
        if !level.allows(Entitlement::FreeReportDownload) {
            points::pay_for_download(
                &mut conn,
                me.caller.user_id,
                view.state.id,
                REPORT_DOWNLOAD_POINTS,
            )
            .await??;
        }
        let text = report::markdown(&diagnosis, view.state.target_title.as_deref());
        Ok(Report::Markdown(PlainText(text)))
    }

    /// Predict the interview questions one of your resumes will meet for a job. Costs points.
    #[oai(path = "/question-sets", method = "post")]
    async fn predict(
        &self,
        me: Signed<'_>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        request: Json<QuestionSetRequest>,
    ) -> Result<AnalysisAccepted, ApiError> {
        let QuestionSetRequest {
            resume_id,
            target: wanted,
            language,
            count,
        } = request.0;
        let target = target(me.state, wanted).await?;
        let job = QuestionsPredict {
            resume_id,
            target,
            language,
            count,
        };
        let price = me.state.config.points.price_questions_predict;
        submit::<QuestionSetView>(
            me.state,
            &me.caller,
            resume_id,
            &job,
            price,
            idempotency_key.0,
        )
        .await
    }

    /// Your question sets, newest first.
    #[oai(path = "/question-sets", method = "get")]
    async fn question_sets(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<QuestionSetPage>, ListError> {
        history(me.state, me.caller.user_id, cursor.0, limit.0).await
    }

    /// One of your question sets.
    #[oai(path = "/question-sets/:id", method = "get")]
    async fn question_set(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
    ) -> Result<Json<QuestionSetView>, FindError> {
        one(me.state, me.caller.user_id, id.0).await.map(Json)
    }
}

impl AnalysisState {
    pub(super) fn of(row: &AnalysisRow) -> Self {
        let job = &row.job;
        let payload = &job.payload;
        Self {
            id: job.id,
            status: job.status,
            progress: job.progress,
            resume_id: payload["resume_id"].as_str().and_then(|id| id.parse().ok()),
            target_title: payload["target"]["title"].as_str().map(str::to_owned),
            error: job.error.clone(),
            created_at: job.created_at,
            finished_at: job.finished_at,
        }
    }
}

/// What the two analyses' views share: where they live, and how a stored row becomes one.
trait AnalysisView: Sized + ParseFromJSON + ToJSON {
    const ANALYSIS: Analysis;
    /// The collection's path: `/api/v1/diagnoses`.
    const PATH: &'static str;
    /// For people: "diagnosis".
    const WHAT: &'static str;
    type Result: DeserializeOwned;

    fn of(state: AnalysisState, result: Option<Self::Result>) -> Self;
}

impl AnalysisView for DiagnosisView {
    const ANALYSIS: Analysis = Analysis::Diagnosis;
    const PATH: &'static str = "/api/v1/diagnoses";
    const WHAT: &'static str = "diagnosis";
    type Result = ResumeDiagnosis;

    fn of(state: AnalysisState, diagnosis: Option<ResumeDiagnosis>) -> Self {
        Self { state, diagnosis }
    }
}

impl AnalysisView for QuestionSetView {
    const ANALYSIS: Analysis = Analysis::QuestionSet;
    const PATH: &'static str = "/api/v1/question-sets";
    const WHAT: &'static str = "question set";
    type Result = QuestionSet;

    fn of(state: AnalysisState, question_set: Option<QuestionSet>) -> Self {
        Self {
            state,
            question_set,
        }
    }
}

/// The target as the job reads it: a posting's title and description, or the pasted text.
pub(super) async fn target(state: &AppState, target: TargetJob) -> Result<Target, ApiError> {
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
async fn submit<V: AnalysisView>(
    state: &AppState,
    caller: &Caller,
    resume_id: Uuid,
    job: &impl Job,
    price: i32,
    idempotency_key: Option<String>,
) -> Result<AnalysisAccepted, ApiError> {
    resume_read(state, caller.user_id, resume_id).await?;
    let job = NewJob::of(job);
    let row = enqueue_paid(state, caller, &job, idempotency_key.as_deref(), price).await?;
    let location = format!("{}/{}", V::PATH, row.id);
    Ok(AnalysisAccepted::Accepted(
        Json(JobView::from_row(row)?),
        location,
    ))
}

/// The language of the owner's resume `resume_id`, once it has been read: 404 when it is
/// not theirs, 409 while it is not read.
pub(super) async fn resume_read(
    state: &AppState,
    owner: Uuid,
    resume_id: Uuid,
) -> Result<Language, ApiError> {
    let mut conn = state.conn().await?;
    let language = resume_parses::language_of_owned(&mut conn, owner, resume_id)
        .await?
        .ok_or_else(|| ApiError::not_found("resume"))?
        .ok_or_else(|| {
            ApiError::Conflict(ErrorBody::new(
                "resume_not_read",
                "the resume has not been read successfully yet; wait for it, or upload it again",
            ))
        })?;
    Ok(Language::from_tag(&language))
}

async fn history<V: AnalysisView>(
    state: &AppState,
    owner: Uuid,
    cursor: Option<String>,
    limit: PageLimit,
) -> Result<Json<Page<V>>, ListError> {
    let before = parse_cursor(cursor)?;
    let mut conn = state.conn().await?;
    let rows = analyses::list_owned(&mut conn, V::ANALYSIS, owner, before, limit.fetch()).await?;
    Ok(Json(Page::try_of(rows, limit, |r| r.job.id, view::<V>)?))
}

async fn one<V: AnalysisView>(state: &AppState, owner: Uuid, id: Uuid) -> Result<V, FindError> {
    let mut conn = state.conn().await?;
    let row = analyses::find_owned(&mut conn, V::ANALYSIS, owner, id)
        .await?
        .ok_or_else(|| FindError::not_found(V::WHAT))?;
    Ok(view(row)?)
}

fn view<V: AnalysisView>(row: AnalysisRow) -> Result<V, StoreError> {
    let state = AnalysisState::of(&row);
    let result = row
        .analysis
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("stored analysis: {e}")))?;
    Ok(V::of(state, result))
}

use chrono::{DateTime, Utc};
use poem::web::{Data, websocket::WebSocket};
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use prepq_jobs::{
    NewJob,
    kinds::{
        AnswerFeedback, InterviewAssessment, InterviewFeedback, InterviewPlan, InterviewReport,
        Language,
    },
};
use prepq_schema::{
    StoreError,
    interviews::{self, Interview, NewInterview, Reply, ReplyRefused, Turn},
};
use uuid::Uuid;

use super::{
    ApiTags,
    analyses::{TargetJob, resume_read, target},
    jobs::Deleted,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    error::{ApiError, ErrorBody, FindError, ListError},
    live::{self, LiveRefused, LiveSocket},
    rate_limit,
    state::AppState,
};

#[derive(Default)]
pub struct InterviewsApi;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum InterviewMode {
    /// Feedback and a model answer after each answer.
    Practice,
    /// Feedback only in the report, at the end.
    Real,
}

impl InterviewMode {
    fn as_str(self) -> &'static str {
        match self {
            Self::Practice => "practice",
            Self::Real => "real",
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InterviewRequest {
    pub resume_id: Uuid,
    pub target: TargetJob,
    /// Ask this question set's questions (one of yours that succeeded); else they are
    /// predicted for the resume and target.
    pub question_set_id: Option<Uuid>,
    /// Default: `practice`.
    pub mode: Option<InterviewMode>,
    /// How many questions (1–15), follow-ups not counted.
    #[oai(
        default = "default_count",
        validator(minimum(value = "1"), maximum(value = "15"))
    )]
    pub count: u32,
    /// Time for each answer, shown to the candidate (10–1800 s).
    #[oai(validator(minimum(value = "10"), maximum(value = "1800")))]
    pub seconds_per_question: Option<u32>,
    /// Default: the resume's language.
    pub language: Option<Language>,
}

fn default_count() -> u32 {
    5
}

/// An answer to the current question, or `skip: true`; one of the two.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AnswerRequest {
    /// An empty answer is taken, and scored as such.
    #[oai(validator(max_length = 10000))]
    pub answer: Option<String>,
    #[oai(default)]
    pub skip: bool,
}

/// A question asked, and what became of it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TurnView {
    /// 1-based, in the plan.
    pub question_index: i32,
    /// 0 for the plan's question, 1 and 2 for its follow-ups.
    pub follow_up: i32,
    pub question: String,
    /// `background`, `behavioural`, `technical` or `situational`.
    pub category: String,
    /// `easy`, `medium` or `hard`.
    pub difficulty: String,
    pub answer: Option<String>,
    pub skipped: bool,
    pub answered_at: Option<DateTime<Utc>>,
    /// In `practice` mode once scored; in `real` mode once the session finished.
    pub feedback: Option<AnswerFeedback>,
}

/// A mock interview session.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InterviewView {
    pub id: Uuid,
    /// `planning` (questions being chosen), `in_progress`, `reporting`, `finished`,
    /// `abandoned` (ended before any answer: refunded) or `failed` (refunded).
    pub status: String,
    pub mode: String,
    pub language: String,
    pub question_count: i32,
    pub seconds_per_question: Option<i32>,
    pub resume_id: Uuid,
    pub target_title: Option<String>,
    /// The question to answer now; none while planning, while the last answer's feedback
    /// is written (`awaiting_feedback`), and after the end.
    pub current: Option<TurnView>,
    pub awaiting_feedback: bool,
    /// Every question asked so far, in order.
    pub turns: Vec<TurnView>,
    pub assessment: Option<InterviewAssessment>,
    pub overall_score: Option<i32>,
    /// Why it failed, in words for people.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One session in your history.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InterviewSummary {
    pub id: Uuid,
    pub status: String,
    pub mode: String,
    pub language: String,
    pub question_count: i32,
    pub target_title: Option<String>,
    pub overall_score: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub type InterviewPage = Page<InterviewSummary>;

/// Opens `GET /interviews/{id}/live?ticket=…` once, within `expires_in` seconds.
#[derive(Debug, Object)]
pub struct LiveTicket {
    pub ticket: String,
    pub expires_in: u64,
}

#[derive(ApiResponse)]
pub enum InterviewStarted {
    /// Started and paid for (refunded if it ends before any answer). Its questions are
    /// being chosen: follow it at `Location`.
    #[oai(status = 201)]
    Created(Json<InterviewView>, #[oai(header = "Location")] String),
}

#[OpenApi(tag = "ApiTags::Interviews")]
impl InterviewsApi {
    /// Start a mock interview on one of your resumes against a job. Costs points.
    #[oai(path = "/interviews", method = "post")]
    async fn start(
        &self,
        me: Signed<'_>,
        request: Json<InterviewRequest>,
    ) -> Result<InterviewStarted, ApiError> {
        let request = request.0;
        let resume_language = resume_read(me.state, me.caller.user_id, request.resume_id).await?;
        if let Some(set) = request.question_set_id {
            question_set_ready(&me, set).await?;
        }
        let wanted = target(me.state, request.target).await?;
        let language = request.language.unwrap_or(resume_language);
        let id = Uuid::now_v7();
        let new = NewInterview {
            owner_id: me.caller.user_id,
            resume_id: request.resume_id,
            target: serde_json::to_value(&wanted)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            question_set_id: request.question_set_id,
            mode: request
                .mode
                .unwrap_or(InterviewMode::Practice)
                .as_str()
                .to_owned(),
            language: language.as_str().to_owned(),
            question_count: i32::try_from(request.count).unwrap_or(15),
            seconds_per_question: request
                .seconds_per_question
                .and_then(|s| i32::try_from(s).ok()),
        };
        crate::enqueue::verified_spender(&me.caller)?;
        let quota = me.state.config.limits.enqueue_user;
        rate_limit::hit(
            &me.state.redis,
            "enqueue-user",
            &me.caller.user_id.to_string(),
            quota,
        )
        .await?;
        let mut conn = me.state.conn().await?;
        let session = interviews::start(
            &mut conn,
            id,
            &new,
            &NewJob::of(&InterviewPlan { interview_id: id }),
            &NewJob::of(&InterviewReport { interview_id: id }),
            me.state.config.points.price_interview,
        )
        .await??;
        let view = view(session, Vec::new());
        Ok(InterviewStarted::Created(
            Json(view),
            format!("/api/v1/interviews/{id}"),
        ))
    }

    /// Your interviews, newest first.
    #[oai(path = "/interviews", method = "get")]
    async fn list(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<InterviewPage>, ListError> {
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        let rows =
            interviews::list_owned(&mut conn, me.caller.user_id, before, limit.0.fetch()).await?;
        Ok(Json(Page::of(rows, limit.0, |r| r.id, summary)))
    }

    /// One of your interviews: its state, the question to answer now, every turn with its
    /// feedback (as the mode allows), and the report once finished.
    #[oai(path = "/interviews/:id", method = "get")]
    async fn get(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<InterviewView>, FindError> {
        Ok(Json(
            one(&me, id.0)
                .await?
                .ok_or_else(|| FindError::not_found("interview"))?,
        ))
    }

    /// Answer (or skip) the current question. In `practice` mode its feedback follows
    /// within moments; a weak answer may bring a follow-up question.
    #[oai(path = "/interviews/:id/answers", method = "post")]
    async fn answer(
        &self,
        me: Signed<'_>,
        id: Path<Uuid>,
        request: Json<AnswerRequest>,
    ) -> Result<Json<InterviewView>, ApiError> {
        let reply = match (&request.answer, request.skip) {
            (Some(text), false) if text.chars().count() <= interviews::MAX_ANSWER_CHARS => {
                Reply::Answer(text)
            }
            (None, true) => Reply::Skip,
            (Some(_), false) => {
                return Err(ApiError::unprocessable(format!(
                    "an answer is at most {} characters",
                    interviews::MAX_ANSWER_CHARS
                )));
            }
            _ => {
                return Err(ApiError::unprocessable(
                    "give an `answer`, or `skip: true`, one of the two",
                ));
            }
        };
        let quota = me.state.config.limits.answer_user;
        rate_limit::hit(
            &me.state.redis,
            "answer-user",
            &me.caller.user_id.to_string(),
            quota,
        )
        .await?;
        let mut conn = me.state.conn().await?;
        let feedback = |question_index: i32, follow_up: i32| {
            NewJob::of(&InterviewFeedback {
                interview_id: id.0,
                question_index: u32::try_from(question_index).unwrap_or(0),
                follow_up: u32::try_from(follow_up).unwrap_or(0),
            })
        };
        interviews::reply(&mut conn, me.caller.user_id, id.0, reply, feedback)
            .await
            .map_err(refused)?;
        drop(conn);
        Ok(Json(
            one(&me, id.0)
                .await?
                .ok_or_else(|| ApiError::not_found("interview"))?,
        ))
    }

    /// End the interview. With an answer given, its report is made and the price paid;
    /// with none, it is abandoned and the price refunded.
    #[oai(path = "/interviews/:id/end", method = "post")]
    async fn end(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<InterviewView>, FindError> {
        let mut conn = me.state.conn().await?;
        interviews::end(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("interview"))?;
        drop(conn);
        Ok(Json(
            one(&me, id.0)
                .await?
                .ok_or_else(|| FindError::not_found("interview"))?,
        ))
    }

    /// A single-use ticket for the session's WebSocket, `GET /interviews/{id}/live?ticket=…`,
    /// good for 60 seconds: a browser cannot set a bearer header on a WebSocket, and a
    /// long-lived token must not travel in a URL.
    #[oai(path = "/interviews/:id/ticket", method = "post")]
    async fn ticket(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<LiveTicket>, FindError> {
        let mut conn = me.state.conn().await?;
        interviews::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("interview"))?;
        let ticket = live::issue_ticket(me.state, me.caller.user_id, id.0)
            .await
            .map_err(|e| StoreError::Corrupt(format!("Redis: {e}")))?;
        Ok(Json(LiveTicket {
            ticket,
            expires_in: live::TICKET_SECS,
        }))
    }

    /// The session live over WebSocket, opened with a ticket from
    /// `POST /interviews/{id}/ticket` (single use, 60 seconds). Frames are JSON text: the
    /// client sends `LiveClientMessage`s, the server `LiveServerMessage`s. A dropped socket
    /// reconnects to the same question; a message over 16 KiB closes it.
    #[oai(path = "/interviews/:id/live", method = "get")]
    async fn live(
        &self,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// The ticket, spent by opening.
        ticket: Query<Option<String>>,
        ws: WebSocket,
    ) -> Result<LiveSocket, LiveRefused> {
        live::open(&state, id.0, ticket.0, ws).await
    }

    /// Delete one of your interviews that has ended (a live one: end it first).
    #[oai(path = "/interviews/:id", method = "delete")]
    async fn delete(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Deleted, ApiError> {
        let mut conn = me.state.conn().await?;
        let session = interviews::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("interview"))?;
        if !interviews::delete_ended(&mut conn, me.caller.user_id, session.id).await? {
            return Err(ApiError::Conflict(ErrorBody::new(
                "interview_live",
                "the interview has not ended: end it first",
            )));
        }
        Ok(Deleted::NoContent)
    }
}

async fn question_set_ready(me: &Signed<'_>, set: Uuid) -> Result<(), ApiError> {
    use prepq_schema::analyses::{self, Analysis};
    let mut conn = me.state.conn().await?;
    let found = analyses::find_owned(&mut conn, Analysis::QuestionSet, me.caller.user_id, set)
        .await?
        .ok_or_else(|| ApiError::not_found("question set"))?;
    if found.analysis.is_none() {
        return Err(ApiError::Conflict(ErrorBody::new(
            "question_set_not_ready",
            "the question set has not succeeded",
        )));
    }
    Ok(())
}

fn refused(why: ReplyRefused) -> ApiError {
    match why {
        ReplyRefused::NotFound => ApiError::not_found("interview"),
        ReplyRefused::Store(e) => e.into(),
        ReplyRefused::NotInProgress(_) => {
            ApiError::Conflict(ErrorBody::new("interview_not_in_progress", why.to_string()))
        }
        ReplyRefused::FeedbackPending => {
            ApiError::Conflict(ErrorBody::new("feedback_pending", why.to_string()))
        }
    }
}

async fn one(me: &Signed<'_>, id: Uuid) -> Result<Option<InterviewView>, StoreError> {
    let mut conn = me.state.conn().await?;
    let Some(session) = interviews::find_owned(&mut conn, me.caller.user_id, id).await? else {
        return Ok(None);
    };
    let turns = interviews::turns(&mut conn, id).await?;
    Ok(Some(view(session, turns)))
}

fn target_title(session: &Interview) -> Option<String> {
    session.target["title"].as_str().map(str::to_owned)
}

pub(super) fn summary(session: Interview) -> InterviewSummary {
    InterviewSummary {
        target_title: target_title(&session),
        id: session.id,
        status: session.status,
        mode: session.mode,
        language: session.language,
        question_count: session.question_count,
        overall_score: session.overall_score,
        created_at: session.created_at,
        finished_at: session.finished_at,
    }
}

fn view(session: Interview, turns: Vec<Turn>) -> InterviewView {
    let shows_feedback = session.mode == "practice" || session.status == interviews::FINISHED;
    let awaiting_feedback = turns.iter().any(Turn::is_pending);
    let live = session.status == interviews::IN_PROGRESS && !awaiting_feedback;
    let turn_view = |t: &Turn| TurnView {
        question_index: t.question_index,
        follow_up: t.follow_up,
        question: t.question.clone(),
        category: t.category.clone(),
        difficulty: t.difficulty.clone(),
        answer: t.answer.clone(),
        skipped: t.skipped,
        answered_at: t.answered_at,
        feedback: shows_feedback
            .then(|| {
                t.feedback
                    .clone()
                    .and_then(|f| serde_json::from_value(f).ok())
            })
            .flatten(),
    };
    InterviewView {
        current: live
            .then(|| turns.iter().find(|t| t.is_open()).map(turn_view))
            .flatten(),
        awaiting_feedback,
        turns: turns.iter().map(turn_view).collect(),
        target_title: target_title(&session),
        assessment: session
            .assessment
            .and_then(|a| serde_json::from_value(a).ok()),
        id: session.id,
        status: session.status,
        mode: session.mode,
        language: session.language,
        question_count: session.question_count,
        seconds_per_question: session.seconds_per_question,
        resume_id: session.resume_id,
        overall_score: session.overall_score,
        error: session.error,
        created_at: session.created_at,
        finished_at: session.finished_at,
    }
}

//! The live socket's messages, JSON text frames tagged by `type`. They are OpenAPI types,
//! so the document carries their schemas (`LiveClientMessage`, `LiveServerMessage`) and a
//! generated client can read and write them.

use poem_openapi::{Object, Union};
use prepq_jobs::kinds::{AnswerFeedback, InterviewAssessment};

/// What a client sends.
#[derive(Debug, Union)]
#[oai(discriminator_name = "type")]
pub enum LiveClientMessage {
    #[oai(mapping = "answer")]
    Answer(LiveAnswer),
    #[oai(mapping = "skip")]
    Skip(LiveSkip),
    #[oai(mapping = "hint_request")]
    HintRequest(LiveHintRequest),
    #[oai(mapping = "end")]
    End(LiveEnd),
}

/// The answer to the current question (at most 10,000 characters; an empty one is scored
/// as such).
#[derive(Debug, Object)]
pub struct LiveAnswer {
    pub text: String,
}

/// Skip the current question.
#[derive(Debug, Object)]
pub struct LiveSkip {}

/// A hint for the current question (practice sessions).
#[derive(Debug, Object)]
pub struct LiveHintRequest {}

/// End the session now.
#[derive(Debug, Object)]
pub struct LiveEnd {}

/// What the server sends.
#[derive(Debug, Union)]
#[oai(discriminator_name = "type")]
pub enum LiveServerMessage {
    #[oai(mapping = "question")]
    Question(LiveQuestion),
    #[oai(mapping = "follow_up")]
    FollowUp(LiveFollowUp),
    #[oai(mapping = "feedback")]
    Feedback(LiveFeedback),
    #[oai(mapping = "hint")]
    Hint(LiveHint),
    #[oai(mapping = "progress")]
    Progress(LiveProgress),
    #[oai(mapping = "report_ready")]
    ReportReady(LiveReportReady),
    #[oai(mapping = "error")]
    Error(LiveError),
}

/// The question to answer now.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LiveQuestion {
    pub question_index: i32,
    /// 0 for a planned question, 1–2 for its follow-ups.
    pub follow_up: i32,
    pub question: String,
    /// `background`, `behavioural`, `technical` or `situational`.
    pub category: String,
    pub difficulty: String,
    /// The time to answer in, shown to the candidate.
    pub seconds: Option<i32>,
}

/// A follow-up on what the last answer missed: the question to answer now.
#[derive(Debug, Object)]
pub struct LiveFollowUp {
    #[oai(flatten)]
    pub asked: LiveQuestion,
}

/// One answer's feedback, once its job has written it (practice sessions; a real session's
/// come at the end).
#[derive(Debug, Object)]
pub struct LiveFeedback {
    pub question_index: i32,
    pub follow_up: i32,
    pub feedback: AnswerFeedback,
}

#[derive(Debug, Object)]
pub struct LiveHint {
    /// A key point of the current question.
    pub hint: String,
}

/// Where the session stands: sent before every change, and when it is over.
#[derive(Debug, Object)]
pub struct LiveProgress {
    pub status: String,
    pub answered: u32,
    pub asked: u32,
    /// An answer is being scored: a follow-up may come, so the next question waits.
    pub awaiting_feedback: bool,
}

/// The session's report is written; the server closes the socket after it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LiveReportReady {
    pub overall_score: Option<i32>,
    pub assessment: Option<InterviewAssessment>,
}

/// A message refused, or a request that could not be met; the socket stays open.
#[derive(Debug, Object)]
pub struct LiveError {
    pub code: String,
    pub message: String,
}

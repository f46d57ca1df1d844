//! Mock interviews: a session plans its questions, each answer gets feedback (and at most
//! two follow-ups from what it missed), and the end gets a report. The session and its
//! turns live in their own tables; these jobs carry only which session and turn.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::EngineRun;
use crate::Job;

/// Choose a session's questions: those of its question set, or predicted for its resume
/// and target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewPlan {
    pub interview_id: Uuid,
}

/// Score one answered turn and, if it missed key points, ask a follow-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewFeedback {
    pub interview_id: Uuid,
    pub question_index: u32,
    pub follow_up: u32,
}

/// The session's report. Accepted (and its price reserved) when the session starts; due
/// only once the session ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewReport {
    pub interview_id: Uuid,
}

impl Job for InterviewPlan {
    const KIND: &'static str = "interview.plan";
    const MAX_ATTEMPTS: i32 = 3;
    const KEPT: bool = false;
    /// How many questions were planned.
    type Output = u32;
}

impl Job for InterviewFeedback {
    const KIND: &'static str = "interview.feedback";
    const MAX_ATTEMPTS: i32 = 3;
    const KEPT: bool = false;
    type Output = AnswerFeedback;
}

impl Job for InterviewReport {
    const KIND: &'static str = "interview.report";
    const MAX_ATTEMPTS: i32 = 3;
    const KEPT: bool = false;
    type Output = InterviewAssessment;
}

/// What one answer is worth, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct AnswerFeedback {
    /// 0–100, from the dimensions below.
    pub score: u32,
    pub dimensions: AnswerScores,
    /// The question's key points the answer covers, and those it leaves out.
    pub key_points_hit: Vec<String>,
    pub key_points_missed: Vec<String>,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    /// A short answer that would score well, in the session's language.
    pub model_answer: String,
    /// The follow-up question asked because of what the answer missed, if any.
    pub follow_up: Option<String>,
    #[serde(default)]
    pub engine: EngineRun,
}

/// Each 0–100.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct AnswerScores {
    /// The answer says what the key points ask for.
    pub accuracy: u32,
    /// How many of the key points it covers.
    pub completeness: u32,
    /// Specifics: figures, named tools, reasons.
    pub depth: u32,
    /// Length and clarity: neither a fragment nor filler.
    pub expression: u32,
    /// Situation, task, action, result: behavioural questions only.
    pub structure: Option<u32>,
}

/// A finished session as a whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct InterviewAssessment {
    /// `zh-CN` or `en`.
    pub language: String,
    /// 0–100: the mean of the scored answers (skipped questions count 0).
    pub overall_score: u32,
    pub categories: Vec<CategoryScore>,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    /// The overall scores of your earlier finished sessions, oldest first, and this one's
    /// change from the last of them.
    pub earlier_scores: Vec<u32>,
    pub change: Option<i32>,
    /// What to practise next.
    pub practise_next: Vec<String>,
    pub answered: u32,
    pub skipped: u32,
    #[serde(default)]
    pub engine: EngineRun,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct CategoryScore {
    /// `background`, `behavioural`, `technical` or `situational`.
    pub category: String,
    pub score: u32,
    pub questions: u32,
}

//! The paid analyses of a resume against a target job: a diagnosis, and the interview
//! questions it predicts. Both engines (offline `builtin`, and `llm`) give these types.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Language;
use crate::Job;

/// The job a resume is measured against: a description pasted as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub title: Option<String>,
    pub description: String,
}

/// Diagnose a parsed resume against a target job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResumeDiagnose {
    pub resume_id: Uuid,
    pub target: Target,
    /// `None`: the resume's language.
    pub language: Option<Language>,
}

/// Predict the interview questions a resume will meet for a target job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionsPredict {
    pub resume_id: Uuid,
    pub target: Target,
    /// `None`: the resume's language.
    pub language: Option<Language>,
    pub count: u32,
}

impl Job for ResumeDiagnose {
    const KIND: &'static str = "resume.diagnose";
    const MAX_ATTEMPTS: i32 = 3;
    type Output = ResumeDiagnosis;
}

impl Job for QuestionsPredict {
    const KIND: &'static str = "questions.predict";
    const MAX_ATTEMPTS: i32 = 3;
    type Output = QuestionSet;
}

/// A resume measured against a job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct ResumeDiagnosis {
    /// `zh-CN` or `en`: the language of the text below.
    pub language: String,
    /// 0–100.
    pub overall_score: u32,
    pub dimensions: DimensionScores,
    pub keywords: Keywords,
    /// Each thing the job asks for, and what the resume shows of it, must-haves first.
    #[serde(default)]
    pub requirements: Vec<RequirementCheck>,
    pub strengths: Vec<String>,
    pub weaknesses: Vec<String>,
    pub suggestions: Vec<Suggestion>,
    /// Which engine answered, and what it cost.
    #[serde(default)]
    pub engine: EngineRun,
}

/// Each 0–100.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct DimensionScores {
    /// How much of what the job requires the resume shows.
    pub requirements_match: u32,
    /// Share of the job's skills the resume names.
    pub skills_coverage: u32,
    /// Achievements stated with numbers.
    pub quantified_impact: u32,
    /// The sections a resume is expected to have.
    pub structure: u32,
    /// Length, and lines that read as achievements rather than duties.
    pub clarity: u32,
    /// What applicant-tracking systems read: contact details, dates, standard headings.
    pub ats_readability: u32,
}

/// One thing the job asks for, and what the resume shows of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct RequirementCheck {
    /// `skill` (met by any of `alternatives`), `years` (of experience, in `alternatives`'
    /// skill when the job names one) or `degree`.
    pub kind: String,
    pub must_have: bool,
    /// What is asked, in the answer's language: `Python / Ruby / Java`, `5+ years of Go`.
    pub label: String,
    /// Skills any one of which meets it, in the vocabulary's spelling.
    pub alternatives: Vec<String>,
    /// The level the job asks for: `expert`, `proficient` or `familiar` (精通, 熟悉, 了解).
    pub level: Option<String>,
    /// Years asked, for `years`.
    pub years: Option<f64>,
    /// `met`, `partly_met` or `missing`.
    pub status: String,
    /// What the resume shows for it: the line that meets it, or the figures it falls short by.
    pub evidence: Option<String>,
    /// The line of the job text that asks for it.
    pub line: String,
}

/// The job's requirements by name, as the resume meets them (partly met ones are missing).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Keywords {
    pub matched_must_have: Vec<String>,
    pub missing_must_have: Vec<String>,
    pub matched_nice_to_have: Vec<String>,
    pub missing_nice_to_have: Vec<String>,
}

/// One change to make.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Suggestion {
    /// The dimension it improves (a field of `dimensions`).
    pub dimension: String,
    /// The resume passage it is about, quoted; empty when it is about something missing.
    pub passage: String,
    pub advice: String,
    pub example_rewrite: String,
}

/// The questions a candidate is likely to face.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct QuestionSet {
    pub language: String,
    pub questions: Vec<Question>,
    #[serde(default)]
    pub engine: EngineRun,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Question {
    /// `background`, `behavioural`, `technical` or `situational`.
    pub category: String,
    /// `easy`, `medium` or `hard`.
    pub difficulty: String,
    pub question: String,
    /// Why it is likely: the resume or job passage that prompts it.
    pub why: String,
    /// What a good answer covers.
    pub key_points: Vec<String>,
}

/// Which engine produced a result, and its cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct EngineRun {
    /// `builtin` or `llm`.
    pub engine: String,
    pub model: Option<String>,
    pub prompt_version: Option<String>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    /// Calls made to the model, retries included.
    pub calls: u32,
    pub latency_ms: f64,
}

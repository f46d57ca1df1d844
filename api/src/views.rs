//! What the API shows of a job.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};
use prepq_jobs::{JobEvent, JobStatus, Steps, kinds::Language};
use prepq_schema::jobs::JobRow;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl From<JobStatus> for JobState {
    fn from(status: JobStatus) -> Self {
        match status {
            JobStatus::Queued => Self::Queued,
            JobStatus::Running => Self::Running,
            JobStatus::Succeeded => Self::Succeeded,
            JobStatus::Failed => Self::Failed,
            JobStatus::Cancelled => Self::Cancelled,
        }
    }
}

impl From<JobState> for JobStatus {
    fn from(state: JobState) -> Self {
        match state {
            JobState::Queued => Self::Queued,
            JobState::Running => Self::Running,
            JobState::Succeeded => Self::Succeeded,
            JobState::Failed => Self::Failed,
            JobState::Cancelled => Self::Cancelled,
        }
    }
}

/// The language of mail and of generated interview material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum InterviewLanguage {
    #[oai(rename = "zh-CN")]
    ZhCn,
    #[oai(rename = "en")]
    En,
}

impl From<InterviewLanguage> for Language {
    fn from(language: InterviewLanguage) -> Self {
        match language {
            InterviewLanguage::ZhCn => Self::ZhCn,
            InterviewLanguage::En => Self::En,
        }
    }
}

impl From<Language> for InterviewLanguage {
    fn from(language: Language) -> Self {
        match language {
            Language::ZhCn => Self::ZhCn,
            Language::En => Self::En,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Easy => "easy",
            Self::Medium => "medium",
            Self::Hard => "hard",
        }
    }

    /// The column has a CHECK constraint; anything else reads as the default.
    pub fn from_stored(value: &str) -> Self {
        match value {
            "easy" => Self::Easy,
            "hard" => Self::Hard,
            _ => Self::Medium,
        }
    }
}

/// A job and where it is in its life.
#[derive(Debug, Clone, Object)]
pub struct JobView {
    pub id: Uuid,
    /// The job kind, also its queue: `resume.extract`, `platform.echo`, ... A reading that
    /// needs OCR goes on as `resume.ocr`, keeping its id.
    pub kind: String,
    pub status: JobState,
    /// Attempts started so far.
    pub attempt: i32,
    pub max_attempts: i32,
    /// 0–100.
    pub progress: i16,
    /// Work done and to do in the kind's own unit, where it counts them: pages for OCR.
    pub steps: Option<Steps>,
    pub payload: serde_json::Value,
    /// The kind's result, once `succeeded`.
    pub result: Option<serde_json::Value>,
    /// Why the job failed (or why the last attempt did), in words for people.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl JobView {
    pub fn from_row(row: JobRow) -> Result<Self, prepq_schema::StoreError> {
        Ok(Self {
            status: row.status()?.into(),
            steps: row.steps(),
            id: row.id,
            kind: row.kind,
            attempt: row.attempt,
            max_attempts: row.max_attempts,
            progress: row.progress,
            payload: row.payload,
            result: row.result,
            error: row.error,
            created_at: row.created_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
            updated_at: row.updated_at,
        })
    }
}

/// A state change of one of your jobs, as sent on the event streams.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct JobEventView {
    pub job_id: Uuid,
    pub kind: String,
    pub status: JobState,
    pub attempt: i32,
    pub progress: i16,
    pub steps: Option<Steps>,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<JobEvent> for JobEventView {
    fn from(event: JobEvent) -> Self {
        Self {
            job_id: event.job_id,
            kind: event.kind,
            status: event.status.into(),
            attempt: event.attempt,
            progress: event.progress,
            steps: event.steps,
            error: event.error,
            at: event.at,
        }
    }
}

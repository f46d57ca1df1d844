//! What the API shows of a job.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};
use prepq_jobs::{JobEvent, JobStatus, Steps};
use prepq_schema::jobs::JobRow;
use uuid::Uuid;

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
#[oai(skip_serializing_if_is_none)]
pub struct JobView {
    pub id: Uuid,
    /// The job kind, also its queue: `resume.extract`, `platform.echo`, ... A reading that
    /// needs OCR goes on as `resume.ocr`, keeping its id.
    pub kind: String,
    pub status: JobStatus,
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
    pub fn from_row(mut row: JobRow) -> Result<Self, prepq_schema::StoreError> {
        let payload = prepq_jobs::kinds::redacted(&row.kind, std::mem::take(&mut row.payload));
        Ok(Self {
            status: row.status,
            steps: row.steps(),
            id: row.id,
            kind: row.kind,
            attempt: row.attempt,
            max_attempts: row.max_attempts,
            progress: row.progress,
            payload,
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
#[oai(skip_serializing_if_is_none)]
pub struct JobEventView {
    pub job_id: Uuid,
    pub kind: String,
    pub status: JobStatus,
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
            status: event.status,
            attempt: event.attempt,
            progress: event.progress,
            steps: event.steps,
            error: event.error,
            at: event.at,
        }
    }
}

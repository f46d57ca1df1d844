use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::JobStatus;

/// Work done and to do, in the kind's own unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Steps {
    pub done: i32,
    pub total: i32,
}

/// A job's state change, published on Redis after it is committed to PostgreSQL and
/// relayed by every API instance to the owner's event streams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEvent {
    pub job_id: Uuid,
    /// `None` for system jobs, which no user's stream shows.
    pub owner_id: Option<Uuid>,
    pub kind: String,
    pub status: JobStatus,
    pub attempt: i32,
    pub progress: i16,
    /// Steps done and to do, where the kind counts them (pages for resume reading).
    #[serde(default)]
    pub steps: Option<Steps>,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

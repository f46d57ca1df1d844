use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::JobStatus;

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
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

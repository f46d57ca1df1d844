use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::Priority;

/// A kind of background job. The type is the payload; its constants say where it goes and
/// how often it may be tried. Its `run` lives in the workers.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind's name, also its queue's name: `resume.extract`.
    const KIND: &'static str;
    /// How many attempts, counted in PostgreSQL, before the job is `failed` for good.
    const MAX_ATTEMPTS: i32 = 5;
    /// What a successful run stores as the job's result.
    type Output: Serialize + DeserializeOwned + Send;
    /// Payload fields (JSON pointers) that hold a secret, such as a link that signs its
    /// reader in: the workers read them, no view shows them.
    const SECRETS: &'static [&'static str] = &[];
    /// Whether a finished job's row is kept for good, because it is the product's record
    /// (an analysis' history, a resume's reading). A kind whose record lives elsewhere (a
    /// crawl's run, a mail's delivery) has its finished rows pruned after the retention
    /// window, so the jobs table does not grow with all history.
    const KEPT: bool = true;
}

/// A job ready to be inserted: the enqueue helper's output, kind-agnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    pub max_attempts: i32,
    pub priority: Priority,
    /// The W3C traceparent of the span it was made in, when tracing is on: set by whoever
    /// inserts it (the contract knows nothing of tracing).
    pub trace_parent: Option<String>,
}

impl NewJob {
    pub fn of<J: Job>(job: &J) -> Self {
        Self {
            kind: J::KIND,
            // A derived Serialize on plain data does not fail.
            payload: serde_json::to_value(job).expect("job payloads serialise to JSON"),
            max_attempts: J::MAX_ATTEMPTS,
            priority: Priority::NORMAL,
            trace_parent: None,
        }
    }

    /// The same job at another place in its queue's backlog.
    pub fn at(self, priority: Priority) -> Self {
        Self { priority, ..self }
    }
}

/// What Redis carries for a job: only its id. PostgreSQL holds the payload, so a
/// redelivered or stale message can never run an outdated copy of the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispatch {
    pub job_id: Uuid,
}

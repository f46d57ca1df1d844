use serde::{Deserialize, Serialize};

use crate::Job;

/// A canary through the whole pipeline: returns its message, after an optional pause.
/// Ops use it to probe a deployment; tests and benchmarks use it as the no-op job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Echo {
    pub message: String,
    #[serde(default)]
    pub sleep_ms: u64,
    /// Fail (transiently) on the first this-many attempts: exercises the retry path.
    #[serde(default)]
    pub fail_attempts: u32,
}

impl Echo {
    /// Longest pause a caller may ask for.
    pub const MAX_SLEEP_MS: u64 = 60_000;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EchoOutput {
    pub message: String,
    /// The worker process that finished the job.
    pub worker: String,
}

impl Job for Echo {
    const KIND: &'static str = "platform.echo";
    const KEPT: bool = false;
    type Output = EchoOutput;
}

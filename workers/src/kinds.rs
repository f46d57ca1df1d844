//! The one place that maps a job kind to the code that runs it.

use std::future::Future;

use prepq_jobs::{
    Job,
    kinds::{Echo, EmailSend, ResumeExtract},
};

use crate::context::{JobContext, JobError};

/// A job kind the workers know how to run.
pub trait Run: Job {
    fn run(self, ctx: &JobContext) -> impl Future<Output = Result<Self::Output, JobError>> + Send;
}

/// Runs a stored job: decodes its payload into the kind's type and encodes the result.
pub async fn execute(
    kind: &str,
    payload: serde_json::Value,
    ctx: &JobContext,
) -> Result<serde_json::Value, JobError> {
    match kind {
        Echo::KIND => run::<Echo>(payload, ctx).await,
        ResumeExtract::KIND => run::<ResumeExtract>(payload, ctx).await,
        EmailSend::KIND => run::<EmailSend>(payload, ctx).await,
        other => Err(JobError::Permanent(format!(
            "no worker knows the job kind `{other}`"
        ))),
    }
}

async fn run<J: Run>(
    payload: serde_json::Value,
    ctx: &JobContext,
) -> Result<serde_json::Value, JobError> {
    let job: J = serde_json::from_value(payload)
        .map_err(|e| JobError::Permanent(format!("invalid {} payload: {e}", J::KIND)))?;
    let output = job.run(ctx).await?;
    serde_json::to_value(output)
        .map_err(|e| JobError::Permanent(format!("encoding the {} result: {e}", J::KIND)))
}

use std::time::Duration;

use prepq_jobs::kinds::{Echo, EchoOutput};

use crate::{
    context::{JobContext, JobError},
    kinds::Run,
};

impl Run for Echo {
    async fn run(self, ctx: &JobContext) -> Result<EchoOutput, JobError> {
        if self.sleep_ms > Echo::MAX_SLEEP_MS {
            return Err(JobError::Permanent(format!(
                "sleep_ms {} exceeds the limit of {} ms",
                self.sleep_ms,
                Echo::MAX_SLEEP_MS
            )));
        }
        if ctx.attempt <= self.fail_attempts as i32 {
            return Err(JobError::Transient(format!(
                "echo asked to fail its first {} attempts (this was attempt {})",
                self.fail_attempts, ctx.attempt
            )));
        }
        if self.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.sleep_ms)).await;
        }
        Ok(EchoOutput {
            message: self.message,
            worker: ctx.worker.to_string(),
        })
    }
}

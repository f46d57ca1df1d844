//! `echo`: the canary, a no-op through the whole pipeline that can sleep and fail on request.

use std::time::Duration;

use prepq_jobs::kinds::{Echo, EchoOutput};

use super::{Outcome, Run};
use crate::{context::JobContext, error::JobError};

impl Run for Echo {
    type Needs = ();

    async fn run(self, ctx: &JobContext, (): ()) -> Result<Outcome<EchoOutput>, JobError> {
        if self.sleep_ms > Echo::MAX_SLEEP_MS {
            return Err(JobError::permanent(format!(
                "sleep_ms {} exceeds the limit of {} ms",
                self.sleep_ms,
                Echo::MAX_SLEEP_MS
            )));
        }
        if ctx.attempt <= self.fail_attempts as i32 {
            return Err(JobError::transient(format!(
                "echo asked to fail its first {} attempts (this was attempt {})",
                self.fail_attempts, ctx.attempt
            )));
        }
        if self.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.sleep_ms)).await;
        }
        Ok(Outcome::done(EchoOutput {
            message: self.message,
            worker: ctx.worker.to_string(),
        }))
    }
}

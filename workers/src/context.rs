//! What a job's `run` knows of itself while it runs.

use std::{sync::Arc, time::Instant};

use prepq_jobs::Steps;
use prepq_schema::jobs::Progress;
use tokio::sync::watch;
use uuid::Uuid;

use crate::error::JobError;

/// Who is running a job: the attempt and the worker, and where its progress goes. The
/// services a kind uses come separately, as it names them (`Run::Needs`).
pub struct JobContext {
    pub job_id: Uuid,
    /// This attempt's number, from 1.
    pub attempt: i32,
    pub worker: Arc<str>,
    /// Whose job it is; `None` for the platform's own.
    pub owner: Option<Uuid>,
    progress: watch::Sender<Progress>,
    /// Until when this attempt may act: moved by each renewal of its lease.
    fence: watch::Receiver<Instant>,
}

impl JobContext {
    pub fn new(
        job_id: Uuid,
        attempt: i32,
        worker: Arc<str>,
        owner: Option<Uuid>,
        progress: watch::Sender<Progress>,
        fence: watch::Receiver<Instant>,
    ) -> Self {
        Self {
            job_id,
            attempt,
            worker,
            owner,
            progress,
            fence,
        }
    }

    /// Checked right before an effect outside PostgreSQL (a mail, a provider's call): an
    /// attempt past its fence may already have been replaced, so it must not act. The
    /// runner stops such an attempt anyway; this closes the gap of a step already under way.
    pub fn still_holds_lease(&self) -> Result<(), JobError> {
        if Instant::now() < *self.fence.borrow() {
            Ok(())
        } else {
            Err(JobError::transient(
                "the attempt's lease was not renewed in time; another attempt will run the job",
            ))
        }
    }

    /// Records progress (0–100); the runner carries it to PostgreSQL and the event stream.
    pub fn progress(&self, percent: i16) {
        self.progress.send_if_modified(|progress| {
            let percent = percent.clamp(0, 100).max(progress.percent);
            let changed = percent != progress.percent;
            progress.percent = percent;
            changed
        });
    }

    /// Records `done` of `total` steps; `from` is the percentage the steps start at.
    pub fn steps(&self, done: u32, total: u32, from: i16) {
        let steps = Steps {
            done: i32::try_from(done).unwrap_or(i32::MAX),
            total: i32::try_from(total).unwrap_or(i32::MAX),
        };
        let share = (f64::from(done) / f64::from(total.max(1))).min(1.0);
        let percent = from + ((99 - from).max(0) as f64 * share) as i16;
        self.progress.send_modify(|progress| {
            progress.percent = percent.max(progress.percent);
            progress.steps = Some(steps);
        });
    }
}

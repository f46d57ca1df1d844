//! What a job's `run` knows of itself while it runs.

use std::sync::Arc;

use prepq_jobs::Steps;
use prepq_schema::jobs::Progress;
use tokio::sync::watch;
use uuid::Uuid;

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
}

impl JobContext {
    pub fn new(
        job_id: Uuid,
        attempt: i32,
        worker: Arc<str>,
        owner: Option<Uuid>,
        progress: watch::Sender<Progress>,
    ) -> Self {
        Self {
            job_id,
            attempt,
            worker,
            owner,
            progress,
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

use std::{path::PathBuf, sync::Arc};

use prepq_jobs::{NewJob, Steps, payments::Provider};
use prepq_schema::{DbPool, jobs::Progress};
use tokio::sync::watch;

use crate::{
    config::{CrawlConfig, ExtractLimits},
    engines::{analysis::Engine, email::Mailer},
    store::JobStore,
};

/// What a job's `run` gets: who it is, and the shared services it may use.
#[derive(Clone)]
pub struct JobContext {
    /// This attempt's number, from 1.
    pub attempt: i32,
    pub worker: Arc<str>,
    pub blob_dir: PathBuf,
    pub limits: ExtractLimits,
    pub mailer: Arc<Mailer>,
    pub analysis: Engine,
    pub crawl: CrawlConfig,
    /// The payment provider; `None` when payments are not configured.
    pub payments: Option<Arc<Provider>>,
    pub db: DbPool,
    progress: Arc<watch::Sender<Progress>>,
}

impl JobContext {
    pub fn new(
        attempt: i32,
        worker: Arc<str>,
        services: &Services,
        progress: Arc<watch::Sender<Progress>>,
    ) -> Self {
        Self {
            attempt,
            worker,
            blob_dir: services.blob_dir.clone(),
            limits: services.limits.clone(),
            mailer: services.mailer.clone(),
            analysis: services.analysis.clone(),
            crawl: services.crawl.clone(),
            payments: services.payments.clone(),
            db: services.db.clone(),
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

/// The long-lived services of a worker process.
#[derive(Clone)]
pub struct Services {
    pub db: DbPool,
    pub blob_dir: PathBuf,
    pub limits: ExtractLimits,
    pub mailer: Arc<Mailer>,
    pub analysis: Engine,
    pub crawl: CrawlConfig,
    pub payments: Option<Arc<Provider>>,
    pub store: Arc<JobStore>,
}

/// Why a job's attempt did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Trying again will not help: the input is bad. The message is shown to the user.
    #[error("{0}")]
    Permanent(String),
    /// May work later (a dependency is down); retried with backoff.
    #[error("{0}")]
    Transient(String),
    /// Not a failure: the rest of the work is another kind's, on its own queue.
    #[error("continued as {}", .0.kind)]
    HandOff(NewJob),
}

use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicI16, Ordering},
    },
};

use prepq_schema::DbPool;

use crate::{config::ExtractLimits, engines::email::Mailer, store::JobStore};

/// What a job's `run` gets: who it is, and the shared services it may use.
#[derive(Clone)]
pub struct JobContext {
    /// This attempt's number, from 1.
    pub attempt: i32,
    pub worker: Arc<str>,
    pub blob_dir: PathBuf,
    pub limits: ExtractLimits,
    pub mailer: Arc<Mailer>,
    progress: Arc<AtomicI16>,
}

impl JobContext {
    pub fn new(
        attempt: i32,
        worker: Arc<str>,
        services: &Services,
        progress: Arc<AtomicI16>,
    ) -> Self {
        Self {
            attempt,
            worker,
            blob_dir: services.blob_dir.clone(),
            limits: services.limits.clone(),
            mailer: services.mailer.clone(),
            progress,
        }
    }

    /// Records progress (0–100); the lease heartbeat carries it to PostgreSQL.
    pub fn progress(&self, percent: i16) {
        self.progress
            .fetch_max(percent.clamp(0, 100), Ordering::Relaxed);
    }
}

/// The long-lived services of a worker process.
#[derive(Clone)]
pub struct Services {
    pub db: DbPool,
    pub blob_dir: PathBuf,
    pub limits: ExtractLimits,
    pub mailer: Arc<Mailer>,
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
}

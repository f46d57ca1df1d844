//! The process's row in `worker_processes`, renewed every heartbeat while it lives, so
//! operators see the fleet; an administrator's request to go quiet comes back on a renewal
//! and starts the same drain as SIGTERM.

use std::sync::Arc;

use prepq_jobs::queue;
use prepq_schema::{DbPool, worker_processes};
use tokio::sync::watch;

use crate::store::JobStore;

pub struct Registration {
    pub db: DbPool,
    pub id: String,
    pub host: String,
    pub queues: Vec<&'static str>,
    pub concurrency: usize,
    pub store: Arc<JobStore>,
}

impl Registration {
    /// Renews the row until `stop`; says `quiet` once asked to; marks the row stopped at
    /// the end, once the process has drained.
    pub async fn keep(self, quiet: watch::Sender<bool>, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            match self.beat().await {
                Ok(true) if !*quiet.borrow() => {
                    tracing::info!("an administrator asked this process to go quiet");
                    quiet.send_replace(true);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "renewing the process's registration failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(queue::WORKER_HEARTBEAT) => {}
                _ = stop.changed() => {}
            }
        }
        let stopped = match self.db.get().await {
            Ok(mut conn) => worker_processes::stopped(&mut conn, &self.id).await,
            Err(e) => Err(e.into()),
        };
        if let Err(e) = stopped {
            tracing::warn!(error = %e, "recording the process's stop failed");
        }
    }

    async fn beat(&self) -> Result<bool, prepq_schema::StoreError> {
        let mut conn = self.db.get().await?;
        let beat = worker_processes::Beat {
            id: &self.id,
            host: &self.host,
            pid: i32::try_from(std::process::id()).unwrap_or(i32::MAX),
            version: env!("CARGO_PKG_VERSION"),
            queues: serde_json::json!(self.queues),
            concurrency: i32::try_from(self.concurrency).unwrap_or(i32::MAX),
            running: i32::try_from(self.store.running()).unwrap_or(i32::MAX),
        };
        worker_processes::beat(&mut conn, &beat).await
    }
}

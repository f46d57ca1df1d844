//! The writes every delivery makes to its job, each batched across the process's concurrent
//! deliveries (see `batcher`). The guards are the statements' own: a batch changes exactly
//! the rows one statement per delivery would have.

use prepq_schema::{
    DbPool,
    jobs::{self, JobRow},
};
use uuid::Uuid;

use crate::batcher::Batcher;

/// The job writes every delivery makes, batched across the process's concurrent deliveries.
pub struct JobStore {
    /// Job id → the claimed row, or `None` when this delivery must be skipped.
    pub claims: Batcher<Uuid, Option<JobRow>>,
    /// (job, attempt, result) → the finished row, or `None` when nothing was recorded.
    pub successes: Batcher<(Uuid, i32, serde_json::Value), Option<JobRow>>,
}

/// Most deliveries one statement covers.
const BATCH: usize = 64;

impl JobStore {
    /// `worker` is recorded on each claimed job: this process.
    pub fn spawn(db: DbPool, worker: String, lease_secs: f64) -> Self {
        let claim_db = db.clone();
        let claims = Batcher::spawn(BATCH, move |ids: Vec<Uuid>| {
            let (db, worker) = (claim_db.clone(), worker.clone());
            async move {
                let claimed = match db.get().await {
                    Ok(mut conn) => jobs::claim_many(&mut conn, &ids, &worker, lease_secs).await,
                    Err(e) => Err(e.into()),
                };
                match claimed {
                    Ok(rows) => ids
                        .iter()
                        .map(|id| rows.iter().find(|r| r.id == *id).cloned())
                        .collect(),
                    Err(e) => {
                        tracing::warn!(error = %e, jobs = ids.len(), "claim failed; the dispatcher will push these jobs again");
                        vec![None; ids.len()]
                    }
                }
            }
        });
        let successes = Batcher::spawn(BATCH, move |done: Vec<(Uuid, i32, serde_json::Value)>| {
            let db = db.clone();
            async move {
                let recorded = match db.get().await {
                    Ok(mut conn) => jobs::succeed_many(&mut conn, &done).await,
                    Err(e) => Err(e.into()),
                };
                match recorded {
                    Ok(rows) => done
                        .iter()
                        .map(|(id, _, _)| rows.iter().find(|r| r.id == *id).cloned())
                        .collect(),
                    Err(e) => {
                        tracing::error!(error = %e, jobs = done.len(), "recording results failed; the leases will expire and the jobs run again");
                        vec![None; done.len()]
                    }
                }
            }
        });
        Self { claims, successes }
    }
}

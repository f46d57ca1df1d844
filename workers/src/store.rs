//! The writes every delivery makes to its job, each batched across the process's concurrent
//! deliveries (see `batcher`). The guards are the statements' own: a batch changes exactly
//! the rows one statement per delivery would have.

use std::{
    collections::HashSet,
    sync::{Mutex, PoisonError},
};

use diesel_async::AsyncConnection;
use prepq_schema::{
    DbPool, PooledConn, StoreError,
    batcher::Batcher,
    jobs::{self, JobRow},
};
use uuid::Uuid;

use crate::kinds::Record;

/// The job writes every delivery makes, batched across the process's concurrent deliveries.
pub struct JobStore {
    /// Jobs a delivery is working on in this process: a second delivery of one is skipped.
    running: Mutex<HashSet<Uuid>>,
    /// Job id → the claimed row, or `None` when this delivery must be skipped.
    pub claims: Batcher<Uuid, Written<Option<JobRow>>>,
    /// A success → the finished row, `None` when the attempt no longer owns the job, or
    /// the store's refusal of its result or its rows of record.
    pub successes: Batcher<Success, Written<Result<Option<JobRow>, StoreError>>>,
}

/// A success, and the rows it keeps beside its job if any.
pub struct Success {
    pub job: Uuid,
    pub attempt: i32,
    pub result: serde_json::Value,
    pub record: Option<Record>,
}

/// A batched statement's answer for one delivery, or word that the store could not be
/// asked (worth asking again: the statements' guards make a repeat safe).
pub type Written<T> = Result<T, Unreachable>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreachable;

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
                        .map(|id| Ok(rows.iter().find(|r| r.id == *id).cloned()))
                        .collect(),
                    Err(e) => {
                        tracing::warn!(error = %e, jobs = ids.len(), "claim failed; trying again");
                        vec![Err(Unreachable); ids.len()]
                    }
                }
            }
        });
        let successes = Batcher::spawn(BATCH, move |done: Vec<Success>| {
            let db = db.clone();
            async move { succeed(&db, &done).await }
        });
        Self {
            running: Mutex::default(),
            claims,
            successes,
        }
    }

    /// How many jobs a delivery is at work on in this process.
    pub fn running(&self) -> usize {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Marks the job as this process's until the guard drops; `None` when a delivery of
    /// it is already at work here (a duplicate push).
    pub fn enter(&self, job: Uuid) -> Option<Running<'_>> {
        let fresh = {
            let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            running.insert(job)
        };
        // Made only when it is fresh, and after the lock is let go: a guard dropped under
        // the lock (as `then_some` would drop it) takes the lock again, and hangs.
        fresh.then(|| Running { store: self, job })
    }
}

/// Records successes and their rows together. One job's result or rows the store refuses
/// (its resume deleted under it) undo the whole batch, which is then written one job at a
/// time, so that only that job is refused.
async fn succeed(
    db: &DbPool,
    done: &[Success],
) -> Vec<Written<Result<Option<JobRow>, StoreError>>> {
    let mut conn = match db.get().await {
        Ok(conn) => conn,
        Err(e) => {
            tracing::warn!(error = %e, jobs = done.len(), "recording results failed; trying again");
            return done.iter().map(|_| Err(Unreachable)).collect();
        }
    };
    if done.len() > 1
        && let Ok(rows) = succeed_together(&mut conn, done).await
    {
        return done
            .iter()
            .map(|d| Ok(Ok(rows.iter().find(|r| r.id == d.job).cloned())))
            .collect();
    }
    let mut answers = Vec::with_capacity(done.len());
    for one in done {
        answers.push(
            match succeed_together(&mut conn, std::slice::from_ref(one)).await {
                Ok(rows) => Ok(Ok(rows.into_iter().next())),
                Err(e) if e.is_transient() => {
                    tracing::warn!(job_id = %one.job, error = %e, "recording results failed; trying again");
                    Err(Unreachable)
                }
                Err(e) => {
                    tracing::warn!(job_id = %one.job, error = %e, "the store refused the result");
                    Ok(Err(e))
                }
            },
        );
    }
    answers
}

/// The successes in one statement, then in the same transaction the rows of record of each
/// job they changed. A job whose attempt no longer owns it writes nothing.
async fn succeed_together(
    conn: &mut PooledConn,
    done: &[Success],
) -> Result<Vec<JobRow>, StoreError> {
    let results: Vec<(Uuid, i32, serde_json::Value)> = done
        .iter()
        .map(|d| (d.job, d.attempt, d.result.clone()))
        .collect();
    if done.iter().all(|d| d.record.is_none()) {
        return jobs::succeed_many(conn, &results).await;
    }
    conn.transaction(async |conn| {
        let rows = jobs::succeed_many(conn, &results).await?;
        for row in &rows {
            if let Some(record) = done
                .iter()
                .find(|d| d.job == row.id)
                .and_then(|d| d.record.as_ref())
            {
                record(conn, row.id).await?;
            }
        }
        Ok(rows)
    })
    .await
}

/// One delivery at work on its job in this process.
pub struct Running<'a> {
    store: &'a JobStore,
    job: Uuid,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut running = self
            .store
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        running.remove(&self.job);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_delivery_of_a_job_is_refused_until_the_first_is_done() {
        let db = prepq_schema::connect("postgres://nobody@127.0.0.1:1/none", 1).unwrap();
        let store = JobStore::spawn(db, "test".into(), 30.0);
        let job = Uuid::now_v7();
        let first = store.enter(job).expect("the first delivery");
        assert!(
            store.enter(job).is_none(),
            "a duplicate while the first runs"
        );
        assert!(
            store.enter(job).is_none(),
            "and again: the refusal let the lock go"
        );
        drop(first);
        assert!(store.enter(job).is_some(), "once the first is done");
    }
}

//! What the dispatcher clears away on its slower ticks: data nobody reads again.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};
use prepq_schema::{PooledConn, StoreError, account_tokens, jobs, notices, sessions};
use redis::{AsyncCommands, aio::ConnectionManager};

use prepq_jobs::queue;

/// Expired sessions and account tokens. Used refresh tokens are kept until expiry to
/// recognise reuse; then they go.
pub async fn purge_expired(conn: &mut PooledConn) -> Result<(), StoreError> {
    sessions::purge_expired(conn).await?;
    account_tokens::purge_expired(conn).await?;
    Ok(())
}

/// Rows deleted per statement, and statements per kind and pass: a kind's pass stops at a
/// short batch, so a steady load is kept up with while no pass holds the table for long.
const PRUNE_BATCH: i64 = 1_000;
const PRUNE_BATCHES: usize = 20;
/// A job's `finished_at` is its statement's time, visible once its transaction commits: a
/// pass starts this far before the newest row the last one deleted, so as not to step over
/// a row that committed late.
const PRUNE_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::seconds(5);
/// Passes between sweeps from the oldest row, for whatever committed later still.
const PRUNE_SWEEP_EVERY: u64 = 100;

/// Deletes finished jobs past the retention window, of the kinds that keep their record
/// elsewhere; remembers per kind how far it got.
#[derive(Default)]
pub struct Pruner {
    reached: HashMap<&'static str, DateTime<Utc>>,
    passes: u64,
}

impl Pruner {
    pub async fn prune(
        &mut self,
        conn: &mut PooledConn,
        retention: Duration,
    ) -> Result<usize, StoreError> {
        let before = cutoff(retention);
        self.passes += 1;
        if self.passes.is_multiple_of(PRUNE_SWEEP_EVERY) {
            self.reached.clear();
        }
        let mut pruned = 0;
        for kind in prepq_jobs::kinds::pruned_kinds() {
            for _ in 0..PRUNE_BATCHES {
                let from = self.reached.get(kind).map(|t| *t - PRUNE_OVERLAP);
                let gone = jobs::prune_finished(conn, kind, from, before, PRUNE_BATCH).await?;
                pruned += gone.count as usize;
                if let Some(newest) = gone.newest {
                    self.reached.insert(kind, newest);
                }
                if gone.count < PRUNE_BATCH {
                    break;
                }
            }
        }
        if pruned > 0 {
            metrics::counter!("prepq_jobs_pruned_total").increment(pruned as u64);
            tracing::debug!(pruned, "finished jobs past the retention window deleted");
        }
        Ok(pruned)
    }
}

/// The start of the retention window.
fn cutoff(retention: Duration) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX)
}

/// Notices told longer ago than the retention window; what they became has its own rows.
pub async fn prune_notices(conn: &mut PooledConn, retention: Duration) -> Result<(), StoreError> {
    let before = cutoff(retention);
    for _ in 0..PRUNE_BATCHES {
        if notices::prune(conn, before, PRUNE_BATCH).await? < PRUNE_BATCH as usize {
            break;
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum VacuumError {
    #[error("vacuuming apalis data: {0}")]
    Apalis(#[from] apalis_redis::Error),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
}

/// apalis keeps every finished task's data and id; PostgreSQL has the record, so drop them.
pub async fn vacuum(redis: &mut ConnectionManager, kind: &str) -> Result<(), VacuumError> {
    use apalis_core::backend::Vacuum;
    let config = queue::apalis_config(kind);
    let done = config.done_jobs_set();
    let mut storage =
        apalis_redis::RedisStorage::<prepq_jobs::Dispatch>::new(redis.clone()).with_config(config);
    storage.vacuum().await?;
    let _: () = redis.del(done).await?;
    Ok(())
}

//! Keeps every queue's Redis window full from PostgreSQL and repairs what Redis lost.
//! One process in the fleet acts at a time: the holder of the `dispatcher` leadership, a
//! lease in PostgreSQL renewed every cycle. A holder that stops renewing (dead, paused,
//! cut off) loses it when the lease runs out, and a holder that could not renew stops
//! acting before its lease can have run out (see `Leadership`).

use std::{collections::HashMap, sync::Arc, time::Duration};

use prepq_jobs::{
    KINDS,
    queue::{self, Held},
};
use prepq_schema::{DbPool, StoreError, jobs, leaderships, queue_controls, worker_processes};
use redis::aio::ConnectionManager;
use tokio::{sync::watch, time::Instant};
use uuid::Uuid;

use crate::{config::WorkerConfig, housekeeping, notices};

const ROLE: &str = "dispatcher";
/// The share of the lease a holder acts in after a renewal: the rest is the margin for
/// clocks and for a cycle under way when it ends.
const ACTING_SHARE: f64 = 0.8;
/// Most jobs moved per queue per cycle.
const BATCH: usize = 500;
/// A window slot this old is checked against PostgreSQL for a leak.
const SLOT_AUDIT_AFTER_MS: i64 = 30_000;
/// Cycles between housekeeping passes (slot audit, apalis vacuum, pruning finished jobs).
const HOUSEKEEPING_EVERY: u64 = 25;
/// Cycles between repairs: expired leases recovered, lost pushes pushed again, what dead
/// workers had fetched handed back (a second at the default interval; leases, the redispatch
/// delay and `queue::PROCESS_ALIVE` are seconds). Each repair scans an index that every job
/// passes through, so running them every cycle cost more than the filling itself.
const REPAIRS_EVERY: u64 = 5;
/// Cycles between purges of expired sessions and tokens (minutes at the default interval):
/// tokens live for hours to days, and the purge reads every session.
const PURGE_EVERY: u64 = 3_000;

#[derive(Debug, thiserror::Error)]
enum DispatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] queue::QueueError),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Vacuum(#[from] housekeeping::VacuumError),
}

/// Until when this process may act as the dispatcher, if at all.
#[derive(Default)]
struct Leadership {
    until: Option<Instant>,
}

impl Leadership {
    fn acting(&self) -> bool {
        self.until.is_some_and(|until| Instant::now() < until)
    }
}

/// The slower passes a dispatch cycle also makes.
#[derive(Debug, Clone, Copy)]
struct Chores {
    repairs: bool,
    housekeeping: bool,
    purge: bool,
    /// Every push checked against Redis: the last cycle failed, and may have marked jobs
    /// dispatched (its commit landed, the answer was lost) without pushing them.
    check_pushes: bool,
}

pub struct Dispatcher {
    pub db: DbPool,
    pub redis: ConnectionManager,
    pub config: Arc<WorkerConfig>,
    /// This process's marker in Redis; see `redis_was_wiped`.
    pub epoch: String,
}

impl Dispatcher {
    /// Runs until `stop` turns true: competes for the lock, and while holding it, dispatches.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let interval = Duration::from_millis(self.config.dispatch_interval_ms);
        let mut leadership = Leadership::default();
        let mut pruner = housekeeping::Pruner::default();
        let mut cycle: u64 = 0;
        let mut failed = false;
        while !*stop.borrow() {
            if self.renew(&mut leadership).await {
                cycle += 1;
                let chores = Chores {
                    repairs: cycle % REPAIRS_EVERY == 1,
                    housekeeping: cycle % HOUSEKEEPING_EVERY == 1,
                    purge: cycle % PURGE_EVERY == 1,
                    check_pushes: failed,
                };
                let started = Instant::now();
                let outcome = self.cycle(chores, &mut pruner).await;
                metrics::histogram!("prepq_dispatch_cycle_seconds")
                    .record(started.elapsed().as_secs_f64());
                failed = match outcome {
                    Ok(()) => false,
                    Err(e) => {
                        tracing::warn!(error = %e, "dispatch cycle failed; retrying next tick");
                        true
                    }
                };
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// Renews (or takes) the leadership; whether this process may act now. A renewal
    /// that fails leaves the process acting only until its last lease's acting share ends.
    async fn renew(&self, leadership: &mut Leadership) -> bool {
        let lease = self.config.leader_lease_secs;
        let asked = Instant::now();
        let held = match self.db.get().await {
            Ok(mut conn) => leaderships::hold(&mut conn, ROLE, &self.epoch, lease).await,
            Err(e) => Err(e.into()),
        };
        let was_acting = leadership.acting();
        match held {
            Ok(true) => {
                if !was_acting {
                    tracing::info!("this process is now the dispatcher");
                }
                leadership.until = Some(asked + Duration::from_secs_f64(lease * ACTING_SHARE));
            }
            Ok(false) => {
                if leadership.until.take().is_some() {
                    tracing::warn!("another process is the dispatcher now; stepping down");
                }
            }
            Err(e) => tracing::warn!(error = %e, "renewing the dispatcher's lease failed"),
        }
        let acting = leadership.acting();
        if was_acting && !acting {
            tracing::warn!("lost the dispatcher lease");
        }
        acting
    }

    async fn cycle(
        &self,
        chores: Chores,
        pruner: &mut housekeeping::Pruner,
    ) -> Result<(), DispatchError> {
        let Chores {
            repairs,
            housekeeping,
            purge,
            check_pushes,
        } = chores;
        let mut redis = self.redis.clone();
        let mut conn = self.db.get().await.map_err(StoreError::from)?;
        let wiped = self.redis_was_wiped(&mut redis).await?;
        if repairs || wiped {
            // Before any admission of this cycle: a wiped Redis forgot the pauses too.
            let paused = queue_controls::paused(&mut conn).await?;
            queue::mirror_paused(&mut redis, &paused).await?;
        }
        if repairs {
            for row in jobs::recover_expired_leases(&mut conn).await? {
                tracing::warn!(job_id = %row.id, status = %row.status, "lease expired; job recovered");
                let _ = queue::publish(&mut redis, &row.event()).await;
            }
        }
        // After a wipe or a failed cycle every push is checked at once; else only those
        // waiting a while.
        if wiped || check_pushes {
            self.repush_lost(&mut conn, &mut redis, 0.0).await?;
        } else if repairs {
            self.repush_lost(&mut conn, &mut redis, self.config.redispatch_after_secs)
                .await?;
        }
        // On the repair cycles (a second apart by default), before the queues fill: the mail
        // and deliveries it makes go out in this cycle. Its failure is its own: dispatching
        // goes on, and the notices wait for the next time.
        if repairs
            && let Err(e) = notices::fan_out(&mut conn, &self.redis, &self.config.notify).await
        {
            tracing::warn!(error = %e, "telling notices failed; trying again next time");
        }
        for kind in KINDS {
            if repairs {
                let handed = queue::hand_back_orphans(&mut redis, kind).await?;
                if handed > 0 {
                    tracing::warn!(kind, handed, "handed back what dead workers had fetched");
                }
            }
            self.fill(&mut conn, &mut redis, kind).await?;
            if housekeeping {
                self.audit_slots(&mut conn, &mut redis, kind).await?;
                housekeeping::vacuum(&mut redis, kind).await?;
            }
        }
        if housekeeping {
            gauge_queues(&mut conn).await?;
            let retention = Duration::from_secs(self.config.job_retention_secs);
            pruner.prune(&mut conn, retention).await?;
            housekeeping::prune_notices(&mut conn, retention).await?;
        }
        if purge {
            housekeeping::purge_expired(&mut conn).await?;
        }
        Ok(())
    }

    /// Whether Redis lost its data (FLUSHALL, a new server) since the last cycle: our
    /// marker key is gone. The first cycle ever also says yes, which costs one check.
    async fn redis_was_wiped(&self, redis: &mut ConnectionManager) -> Result<bool, DispatchError> {
        let set: Option<String> = redis::cmd("SET")
            .arg(queue::EPOCH_KEY)
            .arg(&self.epoch)
            .arg("NX")
            .query_async(redis)
            .await?;
        if set.is_some() {
            tracing::info!("checking every pushed job against Redis");
        }
        Ok(set.is_some())
    }

    /// Tops up a queue's window with its oldest due jobs.
    async fn fill(
        &self,
        conn: &mut prepq_schema::PooledConn,
        redis: &mut ConnectionManager,
        kind: &str,
    ) -> Result<(), DispatchError> {
        let taken = queue::window_len(redis, kind).await?;
        let room = self.config.queue_window.saturating_sub(taken).min(BATCH);
        if room == 0 {
            return Ok(());
        }
        let due = jobs::undispatched(conn, kind, room as i64).await?;
        self.dispatch(conn, redis, kind, &due).await
    }

    /// Takes window slots for these queued jobs and pushes the admitted ones. A job that
    /// already holds a slot (a lost push) keeps it, so lost jobs can't starve the window.
    async fn dispatch(
        &self,
        conn: &mut prepq_schema::PooledConn,
        redis: &mut ConnectionManager,
        kind: &str,
        ids: &[Uuid],
    ) -> Result<(), DispatchError> {
        let admitted = queue::admit(redis, kind, self.config.queue_window, ids).await?;
        if admitted.is_empty() {
            return Ok(());
        }
        let pushes: Vec<(Uuid, String)> = admitted
            .iter()
            .map(|id| (*id, queue::new_dispatch_id()))
            .collect();
        // Recorded before the push: a crash in between leaves rows marked but not in Redis,
        // which `repush_lost` repairs, rather than unrecorded pushes that would be doubled.
        jobs::mark_dispatched(conn, &pushes).await?;
        if let Err(e) = queue::push(redis, kind, &pushes).await {
            jobs::reset_dispatch(conn, &admitted).await?;
            queue::release_many(redis, kind, &admitted).await?;
            return Err(e.into());
        }
        metrics::counter!("prepq_dispatched_total", "kind" => kind.to_owned())
            .increment(pushes.len() as u64);
        Ok(())
    }

    /// Queued jobs pushed long ago: gone from Redis means lost, and they are pushed again
    /// (keeping their window slots). Waiting to be fetched is fine; fetched but never
    /// taken while the queue takes nothing else is a stall, pushed again too.
    async fn repush_lost(
        &self,
        conn: &mut prepq_schema::PooledConn,
        redis: &mut ConnectionManager,
        older_than_secs: f64,
    ) -> Result<(), DispatchError> {
        let mut after = None;
        loop {
            let page = jobs::long_dispatched(conn, older_than_secs, after, BATCH as i64).await?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some(last.id);
            let full_page = page.len() == BATCH;
            let mut by_kind: HashMap<String, Vec<jobs::DispatchedJob>> = HashMap::new();
            for job in page {
                by_kind.entry(job.kind.clone()).or_default().push(job);
            }
            for (kind, group) in by_kind {
                let ids: Vec<String> = group.iter().map(|j| j.dispatch_id.clone()).collect();
                let alive = queue::apalis_config(&kind).orphaned_duration().as_secs();
                let held = queue::still_held(redis, &kind, &ids, alive).await?;
                let stalled = older_than_secs > 0.0
                    && !jobs::taken_recently(conn, &kind, older_than_secs).await?;
                if stalled {
                    // Which of the two stalls happens says where apalis loses the wake-up.
                    let waiting = held.iter().filter(|h| **h == Held::Waiting).count();
                    let fetched = held.iter().filter(|h| **h == Held::Fetched).count();
                    tracing::warn!(
                        kind,
                        waiting,
                        fetched,
                        "queue took nothing while jobs wait in Redis"
                    );
                }
                let mut lost = Vec::new();
                let mut present = Vec::new();
                for (job, held) in group.iter().zip(held) {
                    match held {
                        Held::Lost => lost.push(job.id),
                        // Fetched long ago by a live worker that never took it, while the
                        // queue took nothing else: pushed again. A duplicate delivery is
                        // skipped by the claim; a task that never comes out is not.
                        Held::Fetched if stalled => lost.push(job.id),
                        Held::Waiting | Held::Fetched => present.push(job.id),
                    }
                }
                jobs::touch_dispatched(conn, &present).await?;
                if !lost.is_empty() {
                    tracing::warn!(kind, lost = lost.len(), "pushing jobs again");
                    // Those not admitted now wait for `fill` like any undispatched job.
                    jobs::reset_dispatch(conn, &lost).await?;
                    self.dispatch(conn, redis, &kind, &lost).await?;
                }
            }
            if !full_page {
                return Ok(());
            }
        }
    }

    /// Frees slots whose job was taken without the slot given back (a worker died between
    /// fetching and claiming, a release failed) or whose job was never inserted.
    async fn audit_slots(
        &self,
        conn: &mut prepq_schema::PooledConn,
        redis: &mut ConnectionManager,
        kind: &str,
    ) -> Result<(), DispatchError> {
        let old = queue::old_slots(redis, kind, SLOT_AUDIT_AFTER_MS, BATCH as isize).await?;
        if old.is_empty() {
            return Ok(());
        }
        let queued = jobs::still_queued(conn, &old).await?;
        let leaked: Vec<Uuid> = old.into_iter().filter(|id| !queued.contains(id)).collect();
        if !leaked.is_empty() {
            tracing::info!(kind, leaked = leaked.len(), "freeing leaked window slots");
            queue::release_many(redis, kind, &leaked).await?;
        }
        Ok(())
    }
}

/// A worker process counts as alive while its registration was renewed this recently (it
/// renews every second).
const ALIVE_WITHIN_SECS: f64 = 5.0;

/// What each queue holds, as gauges for dashboards and autoscalers: jobs by state, how long
/// the oldest due one has waited, and the processes serving it. A kind with nothing reads 0.
async fn gauge_queues(conn: &mut prepq_schema::PooledConn) -> Result<(), StoreError> {
    let tallies = queue_controls::tallies(conn, KINDS, 0.0).await?;
    for kind in KINDS {
        let tally = tallies
            .iter()
            .find(|t| t.kind == *kind)
            .cloned()
            .unwrap_or_default();
        for (state, count) in [
            ("due", tally.due),
            ("scheduled", tally.scheduled),
            ("running", tally.running),
        ] {
            metrics::gauge!("prepq_queue_depth", "kind" => *kind, "state" => state)
                .set(count as f64);
        }
        metrics::gauge!("prepq_queue_oldest_due_seconds", "kind" => *kind)
            .set(tally.oldest_due_secs.unwrap_or(0.0));
    }
    let serving = worker_processes::alive_per_queue(conn, ALIVE_WITHIN_SECS).await?;
    for kind in KINDS {
        let alive = serving
            .iter()
            .find(|s| s.kind == *kind)
            .map_or(0, |s| s.alive);
        metrics::gauge!("prepq_workers_alive", "kind" => *kind).set(alive as f64);
    }
    Ok(())
}

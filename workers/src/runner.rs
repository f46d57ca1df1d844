//! One apalis worker per queue. Redis only says "job X may be due"; the claim in PostgreSQL
//! decides whether this delivery runs it, and the attempt number fences every later write,
//! so duplicates, stale deliveries and redeliveries after a crash change nothing.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use apalis::prelude::{BackendExt, BoxDynError, Data, Monitor, WorkerBuilder, WorkerBuilderExt};
use apalis_redis::RedisStorage;
use prepq_jobs::{Dispatch, queue};
use prepq_schema::{
    StoreError,
    jobs::{self, Progress, Setback},
};
use redis::aio::ConnectionManager;
use tokio::sync::watch;
use tracing::Instrument;
use uuid::Uuid;

use crate::{
    config::WorkerConfig,
    context::JobContext,
    error::JobError,
    kinds::{self, Outcome, Record},
    poll::ArmedInterval,
    services::Services,
    store::{Success, Unreachable, Written},
};

/// How long, in leases, a write the store cannot take is tried again.
const WRITE_RETRY_LEASES: f64 = 2.0;

/// The share of a lease after its last renewal was asked at which an attempt that could
/// not renew stops its body. Renewals come every third of a lease, so two are missed first.
const FENCE_SHARE: f64 = 0.8;

/// Progress is written to PostgreSQL at most this often: pages of OCR take seconds, so
/// every change is still seen, while a chatty job cannot flood the database.
const PROGRESS_SPACING: Duration = Duration::from_millis(250);

/// Everything one queue's handler needs.
pub struct QueueWorker {
    pub kind: &'static str,
    pub worker: Arc<str>,
    pub services: Services,
    pub redis: ConnectionManager,
    pub config: Arc<WorkerConfig>,
}

/// Registers a worker for each of the configured queues. Names are unique per process and
/// per restart: apalis-redis refuses a name that was alive within a heartbeat.
pub fn register(
    mut monitor: Monitor,
    config: &Arc<WorkerConfig>,
    services: &Services,
    redis: &ConnectionManager,
    process: &str,
) -> Monitor {
    let concurrency = config.concurrency.max(1);
    for kind in config.queues() {
        let config = config.clone();
        let services = services.clone();
        let redis = redis.clone();
        let process = process.to_owned();
        monitor = monitor.register(move |restart| {
            let name = queue::worker_name(&process, kind, restart);
            let queue_worker = Arc::new(QueueWorker {
                kind,
                worker: Arc::from(name.as_str()),
                services: services.clone(),
                redis: redis.clone(),
                config: config.clone(),
            });
            let apalis_config = queue::apalis_config(kind)
                .batch_size(concurrency)
                // PostgreSQL leases guard each job; apalis' per-task locks cost O(n) each.
                .lock_tasks(false);
            let backend = RedisStorage::<Dispatch>::new(redis.clone())
                .with_config(apalis_config)
                .poll_with_strategy(ArmedInterval::new(Duration::from_millis(config.poll_ms)));
            WorkerBuilder::new(name)
                .backend(backend)
                .concurrency(concurrency)
                .data(queue_worker)
                .build(handle)
        });
    }
    monitor
}

async fn handle(dispatch: Dispatch, worker: Data<Arc<QueueWorker>>) -> Result<(), BoxDynError> {
    let worker = Arc::clone(&worker);
    // Spawned so that jobs of one queue use every core, not only the worker's task.
    tokio::spawn(async move { worker.process(dispatch.job_id).await })
        .await
        .map_err(|e| format!("job task failed: {e}"))?;
    // Always acknowledged: retries are PostgreSQL's to decide, never apalis'.
    Ok(())
}

impl QueueWorker {
    async fn process(&self, job_id: Uuid) {
        let mut redis = self.redis.clone();
        if let Err(e) = queue::release(&mut redis, self.kind, job_id).await {
            tracing::warn!(%job_id, error = %e, "releasing the window slot failed; the dispatcher will repair it");
        }
        let Some(_running) = self.services.store.enter(job_id) else {
            tracing::debug!(%job_id, "delivery skipped: this process is already at work on the job");
            return;
        };
        // A store that cannot be asked is not a reason to drop the delivery: it is asked
        // again shortly, so a blip of PostgreSQL costs its length, not a redispatch.
        // The lease is counted from before the first claim was asked: PostgreSQL started
        // it no earlier (a retried claim may be given the lease an earlier one won, its
        // answer lost), so this process's count never outlasts the real one.
        let claimed = Instant::now();
        let claim = || async {
            let claimed = self.services.store.claims.run(job_id).await;
            claimed.unwrap_or(Ok(None))
        };
        let Some(job) = self.until_written(claim).await.flatten() else {
            tracing::debug!(%job_id, "delivery skipped: the job is taken, finished or not due");
            metrics::counter!("prepq_deliveries_skipped_total", "kind" => self.kind).increment(1);
            return;
        };
        self.publish(&job).await;
        let attempt = job.attempt;
        let started = Instant::now();
        let (progress, reports) = watch::channel(Progress {
            percent: job.progress,
            steps: None,
        });
        let (fence, lease) = watch::channel(claimed + self.fence_after());
        let ctx = JobContext::new(
            job_id,
            attempt,
            self.worker.clone(),
            job.owner_id,
            progress,
            lease.clone(),
        );
        let last_steps = reports.clone();
        // Every line the engines log while the body runs names its job.
        // With tracing on, each attempt is a span of the trace the job was made in.
        let span = tracing::info_span!(
            "job",
            %job_id,
            kind = self.kind,
            attempt,
            otel.name = %format_args!("run {}", self.kind),
            otel.status_code = tracing::field::Empty,
            error = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        );
        prepq_telemetry::follow(&span, job.trace_parent.as_deref());
        let body = async {
            let _trace = BodyTrace::start(job_id, attempt);
            kinds::execute(&job.kind, job.payload, &ctx, &self.services).await
        }
        .instrument(span.clone());
        // Biased: a process that wakes from a pause past its fence stops the body before
        // the body can take another step.
        let result = tokio::select! {
            biased;
            () = lapse(lease) => {
                tracing::warn!(%job_id, attempt, "lease not renewed in time; stopping the attempt before it can expire");
                return;
            }
            () = self.keep_lease(job_id, attempt, reports, &fence) => {
                tracing::warn!(%job_id, attempt, "attempt lost its lease; abandoning it");
                return;
            }
            result = body => result,
        };
        if let Err(error) = &result {
            span.record("otel.status_code", "ERROR");
            span.record("error", tracing::field::display(error));
        }
        // Progress is written at most every PROGRESS_SPACING, so the last steps of a job
        // that ends right after them may not be: the finished job shows all it did.
        let progress = *last_steps.borrow();
        if progress.steps.is_some()
            && let Err(e) = self.heartbeat(job_id, attempt, progress).await
        {
            tracing::warn!(%job_id, error = %e, "writing the last progress failed");
        }
        let setback = match result {
            Ok(Outcome::Done { output, record }) => {
                match self.succeed(job_id, attempt, output, record).await {
                    Err(e) if !e.is_transient() => {
                        // Such as a foreign key: the resume was deleted under the job.
                        Setback::Failed(format!("the result could not be stored: {e}"))
                    }
                    done => return self.finished(job_id, attempt, started, done).await,
                }
            }
            Ok(Outcome::Continue(next)) => Setback::HandOff(next),
            Err(error) => {
                if let Some(source) = std::error::Error::source(&error) {
                    tracing::warn!(%job_id, attempt, error = %error, source = %source, "attempt failed");
                }
                match error {
                    JobError::Permanent { reason, .. } => Setback::Failed(reason),
                    JobError::Transient { reason, after, .. } => Setback::Retry {
                        reason,
                        backoff_secs: after
                            .unwrap_or_else(|| self.config.backoff(attempt))
                            .as_secs_f64(),
                    },
                }
            }
        };
        let finish = || async {
            let mut conn = self.connection().await?;
            let finished = jobs::finish(&mut conn, job_id, attempt, &setback).await;
            finished.or_else(|e| {
                if e.is_transient() {
                    tracing::warn!(%job_id, error = %e, "recording the outcome failed; trying again");
                    Err(Unreachable)
                } else {
                    // Asking again would get the same answer.
                    tracing::error!(%job_id, error = %e, "recording the outcome failed");
                    Ok(None)
                }
            })
        };
        let finished = self.until_written(finish).await.flatten();
        self.finished(job_id, attempt, started, Ok(finished)).await;
    }

    /// A connection from the pool, or word that the store cannot be reached now.
    async fn connection(&self) -> Written<prepq_schema::PooledConn> {
        self.services.db.get().await.map_err(|e| {
            tracing::warn!(error = %e, "the store is unreachable");
            Unreachable
        })
    }

    /// Runs `write` until the store takes it, with a backoff from 50 ms to 1 s, for at most
    /// `WRITE_RETRY_LEASES` leases (by then another attempt may own the job, and the
    /// statements' guards would refuse it anyway); `None` if it never did.
    async fn until_written<T, F, Fut>(&self, mut write: F) -> Option<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Written<T>>,
    {
        let give_up =
            Instant::now() + Duration::from_secs_f64(self.config.lease_secs * WRITE_RETRY_LEASES);
        let mut pause = Duration::from_millis(50);
        loop {
            if let Ok(written) = write().await {
                return Some(written);
            }
            if Instant::now() + pause > give_up {
                return None;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    /// Counts and publishes how the attempt's outcome was recorded.
    async fn finished(
        &self,
        job_id: Uuid,
        attempt: i32,
        started: Instant,
        finished: Result<Option<jobs::JobRow>, StoreError>,
    ) {
        match finished {
            Ok(Some(row)) => {
                metrics::counter!("prepq_jobs_finished_total", "kind" => self.kind, "status" => row.status.as_str())
                    .increment(1);
                metrics::histogram!("prepq_job_run_seconds", "kind" => self.kind, "status" => row.status.as_str())
                    .record(started.elapsed().as_secs_f64());
                self.publish(&row).await;
            }
            Ok(None) => {
                tracing::warn!(%job_id, attempt, "outcome not recorded: the attempt no longer owns the job, or the store failed")
            }
            Err(e) => {
                tracing::error!(%job_id, attempt, error = %e, "recording the outcome failed; the lease will expire and the job run again")
            }
        }
    }

    /// Records a success and its rows of record, if any, shared with the process's other
    /// successes of the moment. A result is kept trying until it is written or another
    /// attempt owns the job (running the body again would repeat what it did): a write
    /// that met a lost connection is tried again (it either committed, and the guard
    /// refuses the repeat, or it did not); one the store refuses for good is answered at
    /// once.
    async fn succeed(
        &self,
        job_id: Uuid,
        attempt: i32,
        result: serde_json::Value,
        record: Option<Record>,
    ) -> Result<Option<jobs::JobRow>, StoreError> {
        let write = || async {
            let success = Success {
                job: job_id,
                attempt,
                result: result.clone(),
                record: record.clone(),
            };
            let written = self.services.store.successes.run(success);
            written.await.unwrap_or(Ok(Ok(None)))
        };
        self.until_written(write).await.unwrap_or(Ok(None))
    }

    /// How long after a renewal was asked the attempt may go on without another: the
    /// lease's last `1 - FENCE_SHARE` is the margin in which it has certainly stopped
    /// before any other attempt can claim the job.
    fn fence_after(&self) -> Duration {
        Duration::from_secs_f64(self.config.lease_secs * FENCE_SHARE)
    }

    /// Renews the lease until the attempt loses the job; returns only then. Each renewal
    /// moves the `fence`; progress is written and published as it changes, at most every
    /// `PROGRESS_SPACING` and not before the first has passed. A failed renewal is tried
    /// again within a second.
    async fn keep_lease(
        &self,
        job_id: Uuid,
        attempt: i32,
        mut reports: watch::Receiver<Progress>,
        fence: &watch::Sender<Instant>,
    ) {
        let every = Duration::from_secs_f64((self.config.lease_secs / 3.0).max(0.1));
        // A job done within the first spacing never writes its progress: most jobs take
        // milliseconds, and their success says 100 anyway.
        tokio::time::sleep(PROGRESS_SPACING.min(every)).await;
        let mut pause = every.saturating_sub(PROGRESS_SPACING.min(every));
        let mut reporting = true;
        loop {
            let reported = tokio::select! {
                () = tokio::time::sleep(pause) => false,
                changed = reports.changed(), if reporting => {
                    // The job's context is gone only as the job ends; renew on the clock then.
                    reporting = changed.is_ok();
                    reporting
                }
            };
            let progress = *reports.borrow_and_update();
            let asked = Instant::now();
            pause = every;
            match self.heartbeat(job_id, attempt, progress).await {
                Ok(Some(row)) => {
                    fence.send_replace(asked + self.fence_after());
                    if reported {
                        self.publish(&row).await;
                        tokio::time::sleep(PROGRESS_SPACING).await;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(%job_id, error = %e, "lease renewal failed; will try again");
                    pause = every.min(Duration::from_secs(1));
                }
            }
        }
    }

    /// Renews the attempt's lease and writes its progress; `None` once it lost the job.
    async fn heartbeat(
        &self,
        job_id: Uuid,
        attempt: i32,
        progress: Progress,
    ) -> Result<Option<jobs::JobRow>, StoreError> {
        let mut conn = self.services.db.get().await?;
        jobs::heartbeat(&mut conn, job_id, attempt, self.config.lease_secs, progress).await
    }

    async fn publish(&self, job: &jobs::JobRow) {
        let mut redis = self.redis.clone();
        if let Err(e) = queue::publish(&mut redis, &job.event()).await {
            tracing::warn!(job_id = %job.id, error = %e, "publishing the job event failed");
        }
    }
}

/// Returns when the fence passes without having moved: the attempt must stop.
async fn lapse(mut fence: watch::Receiver<Instant>) {
    loop {
        let at = *fence.borrow_and_update();
        tokio::select! {
            () = tokio::time::sleep_until(at.into()) => return,
            moved = fence.changed() => {
                if moved.is_err() {
                    // Nothing renews any more: the fence stands where it is.
                    tokio::time::sleep_until(at.into()).await;
                    return;
                }
            }
        }
    }
}

/// Logs when a job's body starts and when it stops, however it stops (finished, failed,
/// or dropped at its fence): the record that shows attempts never overlap. At debug level
/// under its own target (`RUST_LOG=prepq::attempts=debug`): two lines a job cost ~5% of
/// the throughput of no-op jobs.
struct BodyTrace {
    job_id: Uuid,
    attempt: i32,
}

impl BodyTrace {
    fn start(job_id: Uuid, attempt: i32) -> Self {
        tracing::debug!(target: "prepq::attempts", %job_id, attempt, "job body started");
        Self { job_id, attempt }
    }
}

impl Drop for BodyTrace {
    fn drop(&mut self) {
        tracing::debug!(target: "prepq::attempts", job_id = %self.job_id, attempt = self.attempt, "job body stopped");
    }
}

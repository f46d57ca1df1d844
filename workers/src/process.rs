//! One worker process: its services, the dispatcher and the scheduler beside the apalis
//! workers of its queues, health endpoints, and a graceful drain on SIGTERM.

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use apalis::prelude::Monitor;
use prepq_jobs::queue;
use prepq_schema::BlobStore;
use tokio::sync::watch;

use crate::{
    config::{EngineChoice, WorkerConfig},
    dispatcher::Dispatcher,
    engines::{Engine, email::Mailer, llm::Llm, reading::ChildSlots, webhook::WebhookSender},
    health,
    registry::Registration,
    runner, scheduler,
    services::Services,
    store,
};

/// Runs a worker process until SIGTERM or Ctrl-C, then drains.
pub async fn run(config: WorkerConfig) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let applied = prepq_schema::migrate(&config.database_url)
        .await
        .context("migrating the database")?;
    tracing::info!(applied, "migrations checked");
    let db = prepq_schema::connect(&config.database_url, config.db_pool)?;
    let redis = redis::Client::open(config.redis_url.as_str())?
        .get_connection_manager()
        .await
        .context("connecting to Redis")?;
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?;
    let health = tokio::spawn(health::serve(
        config.health_addr,
        db.clone(),
        redis.clone(),
        metrics,
    ));

    let process = format!(
        "{}-{}-{}",
        hostname(),
        std::process::id(),
        &uuid::Uuid::now_v7().simple().to_string()[24..]
    );
    let (stop, stopped) = watch::channel(false);
    // Before any worker fetches: a process without its mark is taken for dead.
    queue::mark_alive(&mut redis.clone(), &process)
        .await
        .context("marking the process alive in Redis")?;
    let alive = tokio::spawn(keep_alive(redis.clone(), process.clone(), stop.subscribe()));
    let dispatcher = config.dispatcher.then(|| {
        tokio::spawn(
            Dispatcher {
                db: db.clone(),
                redis: redis.clone(),
                config: config.clone(),
                epoch: process.clone(),
            }
            .run(stopped),
        )
    });
    let reconcile_schedule = config
        .reconcile_schedule()
        .context("reading PREPQ_RECONCILE_SCHEDULE")?;
    let scheduler = config.crawl.scheduler.then(|| {
        tokio::spawn(
            scheduler::Scheduler {
                db: db.clone(),
                interval: Duration::from_millis(config.crawl.scheduler_interval_ms),
                reconcile: reconcile_schedule.clone(),
            }
            .run(stop.subscribe()),
        )
    });
    let services = Services {
        db: db.clone(),
        blobs: BlobStore::new(&config.blob_dir),
        limits: config.extract.clone(),
        children: ChildSlots::new(
            config.extract.children_max,
            config.extract.children_per_user,
        ),
        mailer: Arc::new(Mailer::from_config(&config.mail).await?),
        engine: match config.llm.engine() {
            EngineChoice::Builtin => Engine::Builtin,
            EngineChoice::Llm => Engine::Llm(Arc::new(
                Llm::new(&config.llm).context("building the model client")?,
            )),
        },
        crawl: config.crawl.clone(),
        outbound: config.outbound.clone(),
        webhook_sender: Arc::new(
            WebhookSender::new(
                &config.outbound,
                Duration::from_millis(config.webhooks.webhook_timeout_ms),
            )
            .context("building the webhook client")?,
        ),
        webhooks: config.webhooks.clone(),
        notify: config.notify.clone(),
        redis: redis.clone(),
        payments: config
            .payments
            .provider()
            .context("reading the payment configuration")?
            .map(Arc::new),
        store: Arc::new(store::JobStore::spawn(
            db.clone(),
            process.clone(),
            config.lease_secs,
        )),
        readings: Arc::new(prepq_schema::resume_parses::readings(db.clone())),
    };
    let (quiet, quieted) = watch::channel(false);
    let registration = tokio::spawn(
        Registration {
            db: db.clone(),
            id: process.clone(),
            host: hostname(),
            queues: config.queues(),
            concurrency: config.concurrency,
            store: services.store.clone(),
        }
        .keep(quiet, stop.subscribe()),
    );
    let monitor = Monitor::new()
        .shutdown_timeout(Duration::from_secs(config.shutdown_grace_secs))
        .should_restart(|_, error| {
            tracing::warn!(%error, "worker stopped; restarting it under a new name");
            true
        });
    let monitor = runner::register(monitor, &config, &services, &redis, &process);
    tracing::info!(queues = ?config.queues(), concurrency = config.concurrency, %process, "workers started");
    let outcome = monitor.run_with_signal(shutdown_signal(quieted)).await;
    let _ = stop.send(true);
    for task in [dispatcher, scheduler, Some(alive), Some(registration)]
        .into_iter()
        .flatten()
    {
        let _ = task.await;
    }
    health.abort();
    outcome.context("running the workers")?;
    tracing::info!("workers drained; bye");
    Ok(())
}

/// Renews the process's alive mark every worker heartbeat until `stop` turns true; the
/// dispatcher hands back what a process without one had fetched.
async fn keep_alive(
    mut redis: redis::aio::ConnectionManager,
    process: String,
    mut stop: watch::Receiver<bool>,
) {
    while !*stop.borrow() {
        if let Err(e) = queue::mark_alive(&mut redis, &process).await {
            tracing::warn!(error = %e, "renewing the alive mark failed");
        }
        tokio::select! {
            () = tokio::time::sleep(queue::WORKER_HEARTBEAT) => {}
            _ = stop.changed() => {}
        }
    }
}

/// SIGTERM, Ctrl-C or an administrator's quiet: stop taking jobs and drain.
async fn shutdown_signal(mut quiet: watch::Receiver<bool>) -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        res = tokio::signal::ctrl_c() => res?,
        _ = quiet.wait_for(|quiet| *quiet) => {}
    }
    tracing::info!("shutdown requested; finishing in-flight jobs");
    Ok(())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".into())
}

//! The `workers` binary: apalis workers for the chosen queues, the dispatcher, and the
//! isolated extractors they start for untrusted files.

mod batcher;
mod config;
mod context;
mod dispatcher;
mod engines;
mod health;
mod kinds;
mod poll;
mod runner;
mod scheduler;
mod store;

use std::{path::PathBuf, process::ExitCode, sync::Arc, time::Duration};

use anyhow::Context as _;
use apalis::prelude::Monitor;
use clap::{Parser, Subcommand};
use tokio::sync::watch;

use crate::{
    config::{EngineChoice, WorkerConfig},
    context::Services,
    dispatcher::Dispatcher,
    engines::analysis::{Engine, llm::Llm},
};

#[derive(Debug, Parser)]
#[command(
    name = "workers",
    about = "PrepQ job workers",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: WorkerConfig,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Internal: extract one untrusted file's text and print a JSON report (run under limits).
    #[command(hide = true)]
    Extract {
        #[arg(long)]
        media_type: String,
        #[arg(long)]
        max_pages: u32,
        path: PathBuf,
    },
    /// Internal: read one untrusted image or scanned PDF by OCR, printing progress and a
    /// JSON report (run under limits).
    #[command(hide = true)]
    Ocr {
        #[arg(long)]
        media_type: String,
        #[arg(long)]
        pages: u32,
        #[arg(long)]
        max_pixels: u64,
        #[arg(long)]
        page_timeout_ms: u64,
        path: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Extract {
            media_type,
            max_pages,
            path,
        }) => return engines::reading::extract_command(&path, &media_type, max_pages),
        Some(Command::Ocr {
            media_type,
            pages,
            max_pixels,
            page_timeout_ms,
            path,
        }) => {
            let page_time = Duration::from_millis(page_timeout_ms);
            return engines::reading::ocr_command(&path, &media_type, pages, max_pixels, page_time);
        }
        None => {}
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,apalis=warn,apalis_core=warn,apalis_redis=warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("workers stopped: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: WorkerConfig) -> anyhow::Result<()> {
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
        blob_dir: config.blob_dir.clone(),
        limits: config.extract.clone(),
        mailer: Arc::new(engines::email::Mailer::from_config(&config.mail).await?),
        analysis: match config.llm.engine() {
            EngineChoice::Builtin => Engine::Builtin,
            EngineChoice::Llm => Engine::Llm(Arc::new(
                Llm::new(&config.llm).context("building the model client")?,
            )),
        },
        crawl: config.crawl.clone(),
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
    };
    let monitor = Monitor::new()
        .shutdown_timeout(Duration::from_secs(config.shutdown_grace_secs))
        .should_restart(|_, error| {
            tracing::warn!(%error, "worker stopped; restarting it under a new name");
            true
        });
    let monitor = runner::register(monitor, &config, &services, &redis, &process);
    tracing::info!(queues = ?config.queues(), concurrency = config.concurrency, %process, "workers started");
    let outcome = monitor.run_with_signal(shutdown_signal()).await;
    let _ = stop.send(true);
    for task in [dispatcher, scheduler].into_iter().flatten() {
        let _ = task.await;
    }
    health.abort();
    outcome.context("running the workers")?;
    tracing::info!("workers drained; bye");
    Ok(())
}

/// SIGTERM or Ctrl-C: stop taking jobs and drain.
async fn shutdown_signal() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        res = tokio::signal::ctrl_c() => res?,
    }
    tracing::info!("shutdown requested; finishing in-flight jobs");
    Ok(())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".into())
}

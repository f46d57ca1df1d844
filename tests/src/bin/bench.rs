//! PrepQ's throughput, latency and memory on this machine, through the real HTTP API:
//! no-op (echo) jobs from acceptance to `succeeded` as read back from PostgreSQL, with one
//! and with two worker processes; enqueue latency at a fixed request rate; resident memory
//! of each process idle and at its peak. Run by `scripts/bench`; prints figures, asserts nothing.

use std::time::{Duration, Instant};

use clap::Parser;
use prepq_schema::jobs;
use prepq_tests::{Memory, TestApp, wait_until};

#[derive(Parser)]
struct Args {
    /// Jobs per throughput run.
    #[arg(long, default_value_t = 20_000)]
    jobs: usize,
    /// Concurrent HTTP clients enqueueing.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Jobs each worker process runs at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Request rate of the latency run.
    #[arg(long, default_value_t = 300)]
    rate: u64,
    #[arg(long, default_value_t = 10)]
    latency_secs: u64,
    /// Extra worker settings, `KEY=VALUE`, for experiments.
    #[arg(long = "worker-env", value_parser = parse_setting)]
    worker_env: Vec<(String, String)>,
    /// Only this many worker processes (default: runs with 1 and with 2).
    #[arg(long)]
    workers: Option<usize>,
}

fn parse_setting(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("`{s}` is not KEY=VALUE"))
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    println!(
        "PrepQ bench: {} no-op jobs per run, {} clients, worker concurrency {}",
        args.jobs, args.clients, args.concurrency
    );
    let runs = args.workers.map_or(vec![1, 2], |n| vec![n]);
    for workers in runs {
        throughput(&args, workers).await;
    }
    latency(&args).await;
    idle_pickup(&args).await;
}

async fn platform(args: &Args) -> TestApp {
    let mut builder = TestApp::builder()
        .worker_env("PREPQ_CONCURRENCY", &args.concurrency.to_string())
        .worker_env("PREPQ_LEASE_SECS", "30")
        .worker_env("PREPQ_REDISPATCH_AFTER_SECS", "60");
    for (key, value) in &args.worker_env {
        builder = builder.worker_env(key, value);
    }
    builder.start().await
}

async fn throughput(args: &Args, workers: usize) {
    let mut app = platform(args).await;
    app.start_workers(workers, &[]).await;
    let idle = memory(&app, |m| m.rss_kib);
    let user = app.user().await;
    let db = app.db();

    let started = Instant::now();
    user.echo_many(args.jobs, 0, args.clients).await;
    let enqueued = started.elapsed();
    wait_until(
        "every job to succeed",
        Duration::from_secs(1800),
        || async {
            let mut conn = db.get().await.ok()?;
            let counts = jobs::count_by_status(&mut conn, "platform.echo")
                .await
                .ok()?;
            let succeeded = counts
                .iter()
                .find(|(s, _)| s == "succeeded")
                .map_or(0, |(_, n)| *n);
            (succeeded == args.jobs as i64).then_some(())
        },
    )
    .await;
    let total = started.elapsed();
    let peak = memory(&app, |m| m.peak_kib);
    println!(
        "{workers} worker process(es): {} jobs accepted in {:.2} s ({:.0}/s), all succeeded after {:.2} s: {:.0} jobs/s end to end",
        args.jobs,
        enqueued.as_secs_f64(),
        args.jobs as f64 / enqueued.as_secs_f64(),
        total.as_secs_f64(),
        args.jobs as f64 / total.as_secs_f64()
    );
    println!("  idle RSS: {idle}");
    println!("  peak RSS: {peak}");
}

/// One figure of every process, in MiB: `api 14 MiB, workers-0 10 MiB`.
fn memory(app: &TestApp, kib: impl Fn(Memory) -> u64) -> String {
    std::iter::once(&app.api)
        .chain(&app.workers)
        .filter_map(|p| {
            p.memory()
                .map(|m| format!("{} {} MiB", p.name, kib(m) / 1024))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn latency(args: &Args) {
    let mut app = platform(args).await;
    app.start_workers(2, &[]).await;
    let user = app.user().await;
    let total = (args.rate * args.latency_secs) as usize;
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate as f64));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut requests = Vec::with_capacity(total);
    for n in 0..total {
        ticker.tick().await;
        let user = user.clone();
        requests.push(tokio::spawn(async move {
            let sent = Instant::now();
            user.echo(&format!("latency {n}"), 0).await;
            sent.elapsed()
        }));
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(total);
    for request in requests {
        latencies.push(request.await.expect("request task"));
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "enqueue latency at {} req/s for {} s ({} requests, 2 workers running): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        args.rate,
        args.latency_secs,
        total,
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3
    );
}

/// One job at a time to idle workers: how long from acceptance to `succeeded`, seen on the
/// event stream. Bounded by how soon an idle worker looks.
async fn idle_pickup(args: &Args) {
    let mut app = platform(args).await;
    app.start_workers(1, &[]).await;
    let user = app.user().await;
    let mut events = user.events("/api/v1/events").await;
    let mut took = Vec::new();
    for n in 0..20 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sent = Instant::now();
        let job = user.echo(&format!("idle {n}"), 0).await;
        events.states_of(job.id, Duration::from_secs(30)).await;
        took.push(sent.elapsed());
    }
    took.sort();
    println!(
        "idle pickup, 20 single jobs 300 ms apart: p50 {:.1} ms, max {:.1} ms",
        took[took.len() / 2].as_secs_f64() * 1e3,
        took[took.len() - 1].as_secs_f64() * 1e3
    );
}

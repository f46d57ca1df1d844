//! PrepQ's throughput, latency and memory on this machine, through the real HTTP API:
//! no-op (echo) jobs from acceptance to `succeeded` as read back from PostgreSQL, with one
//! and with two worker processes; enqueue latency at a fixed request rate; resident memory
//! of each process idle and at its peak; sign-ins per second at the configured argon2 cost
//! and the latency of an authenticated read. Run by `scripts/bench`; prints figures,
//! asserts nothing.

use std::time::{Duration, Instant};

use clap::Parser;
use futures::StreamExt;
use prepq_schema::jobs;
use prepq_tests::{Memory, OtlpCollector, TestApp, wait_until};

mod admin;
mod interviews;
mod ocr;

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
    /// Both binaries send their spans to a local OTLP collector in the throughput runs.
    #[arg(long)]
    traces: bool,
    /// Extra worker settings, `KEY=VALUE`, for experiments.
    #[arg(long = "worker-env", value_parser = parse_setting)]
    worker_env: Vec<(String, String)>,
    /// Only this many worker processes (default: runs with 1 and with 2).
    #[arg(long)]
    workers: Option<usize>,
    /// Which parts to run, comma-separated: throughput, latency, pickup, auth, extract, ocr,
    /// analysis, crawl, reconcile, quality, interviews; soak and admin (not run unless named).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "throughput,latency,pickup,auth,extract,ocr,analysis,crawl,reconcile,quality,interviews"
    )]
    phases: Vec<String>,
    /// Resolutions the ocr phase renders scanned pages at.
    #[arg(long, value_delimiter = ',', default_value = "150,200,250,300")]
    ocr_dpi: Vec<u32>,
    /// The labelled corpora the quality phase reads (`labels/` beside `resumes/` and `jd/`):
    /// the shared one and the project's own.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "../shared/corpus,tests/fixtures/corpus"
    )]
    corpus: Vec<std::path::PathBuf>,
    /// Postings on the local site of the crawl run.
    #[arg(long, default_value_t = 1000)]
    postings: usize,
    /// Diagnoses, and as many question predictions, of the analysis run.
    #[arg(long, default_value_t = 400)]
    analyses: usize,
    /// Paid orders of the day the reconcile run audits.
    #[arg(long, default_value_t = 100_000)]
    orders: usize,
    /// Jobs of the soak run, enqueued in tenths while one worker process drains them.
    #[arg(long, default_value_t = 1_000_000)]
    soak_jobs: usize,
    /// Retention window of the soak run's finished jobs.
    #[arg(long, default_value_t = 30)]
    soak_retention_secs: u64,
    /// Users of the admin views' run.
    #[arg(long, default_value_t = 100_000)]
    admin_users: usize,
    /// Jobs of the admin views' run.
    #[arg(long, default_value_t = 1_000_000)]
    admin_jobs: usize,
    /// Live mock-interview sessions at once.
    #[arg(long, default_value_t = 200)]
    sessions: usize,
    /// Sign-ins of the auth run.
    #[arg(long, default_value_t = 100)]
    logins: usize,
    /// Authenticated reads of the auth run.
    #[arg(long, default_value_t = 10_000)]
    reads: usize,
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
    let phase = |name: &str| args.phases.iter().any(|p| p == name);
    if phase("throughput") {
        for workers in args.workers.map_or(vec![1, 2], |n| vec![n]) {
            throughput(&args, workers).await;
        }
    }
    if phase("latency") {
        latency(&args).await;
    }
    if phase("pickup") {
        idle_pickup(&args).await;
    }
    if phase("auth") {
        auth(&args).await;
    }
    if phase("extract") {
        extract();
    }
    if phase("ocr") {
        ocr::accuracy(&args.ocr_dpi, &args.corpus);
    }
    if phase("analysis") {
        analysis(&args).await;
    }
    if phase("crawl") {
        crawl(&args).await;
    }
    if phase("reconcile") {
        reconcile(&args).await;
    }
    if phase("quality") {
        prepq_tests::quality::measure(&args.corpus).await;
    }
    if phase("interviews") {
        interviews::live(&args).await;
    }
    if phase("soak") {
        soak(&args).await;
    }
    if phase("admin") {
        admin::views(&args).await;
    }
}

/// `--soak-jobs` no-op jobs enqueued in ten equal parts while one worker process drains
/// them and prunes what finished more than `--soak-retention-secs` ago: throughput of each
/// tenth (it must not fall as history grows), Redis memory, the jobs table's rows and size,
/// and each process's memory; then the table once pruning has caught up.
async fn soak(args: &Args) {
    let retention = args.soak_retention_secs.to_string();
    let mut app = TestApp::builder()
        // One sign-in for a run longer than an access token lives.
        .api_env("PREPQ_ACCESS_TOKEN_SECS", "86400")
        .worker_env("PREPQ_CONCURRENCY", &args.concurrency.to_string())
        .worker_env("PREPQ_JOB_RETENTION_SECS", &retention)
        .start()
        .await;
    app.start_workers(1, &[]).await;
    let user = app.user().await;
    let finished = || app.worker_counter(0, "prepq_jobs_finished_total");
    let tenth = args.soak_jobs / 10;
    println!(
        "soak: {} jobs in tenths of {tenth}, {} clients, retention {retention} s",
        tenth * 10,
        args.clients
    );
    let started = Instant::now();
    let mut done_before = 0.0;
    for part in 1..=10 {
        let part_started = Instant::now();
        user.echo_many(tenth, 0, args.clients).await;
        let done = finished().await;
        let secs = part_started.elapsed().as_secs_f64();
        println!(
            "  tenth {part:>2}: {:.0} accepted/s, {:.0} finished/s; {}; {}; RSS {}",
            tenth as f64 / secs,
            (done - done_before) / secs,
            redis_memory(&app).await,
            jobs_table(&app).await,
            memory(&app, |m| m.rss_kib),
        );
        done_before = done;
    }
    let total = (tenth * 10) as f64;
    wait_until("every job to finish", Duration::from_secs(3600), || async {
        (finished().await >= total).then_some(())
    })
    .await;
    println!(
        "  all finished after {:.1} s: {:.0} jobs/s; {}",
        started.elapsed().as_secs_f64(),
        total / started.elapsed().as_secs_f64(),
        jobs_table(&app).await
    );
    // Nothing runs now: every row left goes once it is older than the window.
    let drained = Instant::now();
    let give_up = Duration::from_secs(args.soak_retention_secs * 4 + 300);
    while app.sql_figure("SELECT count(*) FROM jobs").await > 0 && drained.elapsed() < give_up {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    app.sql("VACUUM jobs").await;
    println!(
        "  {:.0} s after the last job: {}; {}",
        drained.elapsed().as_secs_f64(),
        jobs_table(&app).await,
        redis_memory(&app).await
    );
}

async fn redis_memory(app: &TestApp) -> String {
    let mut redis = app.redis.connection().await;
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut redis)
        .await
        .unwrap_or_default();
    let used = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    format!("Redis {:.1} MiB", used as f64 / 1_048_576.0)
}

async fn jobs_table(app: &TestApp) -> String {
    let rows = app.sql_figure("SELECT count(*) FROM jobs").await;
    let bytes = app
        .sql_figure("SELECT pg_total_relation_size('jobs')::bigint")
        .await;
    format!(
        "jobs table {rows} rows, {:.0} MiB with indexes",
        bytes as f64 / 1_048_576.0
    )
}

/// The billing audit of one day with `--orders` paid top-ups: the orders and their credits
/// written straight into PostgreSQL, the same transactions in the stand-in provider's bill
/// (ten of them with another amount), then one audit through the admin API and a worker.
async fn reconcile(args: &Args) {
    use prepq_billing::provider::{BillRow, china_time};

    let provider = prepq_tests::PayProvider::start().await;
    let mut app = TestApp::builder()
        .payments(&provider)
        .worker_env("PREPQ_LEASE_SECS", "30")
        .start()
        .await;
    app.start_workers(1, &[]).await;
    let admin = app.admin().await;
    let user = app.user().await;
    let day =
        (chrono::Utc::now().with_timezone(&china_time()) - chrono::Duration::days(1)).date_naive();
    let start = day
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_local_timezone(china_time())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let step_ms = 86_000_000 / args.orders.max(1) as i64;
    let amount = |n: usize| 1000 + (n as i64 % 50) * 100;
    let written = Instant::now();
    app.sql(&format!(
        "INSERT INTO orders (id, owner_id, client_key, out_trade_no, product, amount_fen, points,
                             status, transaction_id, paid_at, expires_at)
         SELECT gen_random_uuid(), u.id, 'bench-' || n, 'PQB' || lpad(n::text, 12, '0'), 'topup',
                1000 + (n % 50) * 100, (1000 + (n % 50) * 100) / 50, 'paid', '42' || n,
                '{start}'::timestamptz + n * interval '{step_ms} milliseconds', now()
         FROM generate_series(0, {last}) n, users u WHERE u.email = '{email}';
         INSERT INTO points_ledger (user_id, entry, amount, balance_after, order_id, note)
         SELECT owner_id, 'credit', points, 0, id, out_trade_no FROM orders;",
        last = args.orders - 1,
        email = user.email,
    ))
    .await;
    let rows = (0..args.orders)
        .map(|n| BillRow {
            time: (start + chrono::Duration::milliseconds(n as i64 * step_ms))
                .with_timezone(&china_time())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            transaction_id: format!("42{n}"),
            out_trade_no: format!("PQB{n:012}"),
            trade_state: "SUCCESS".into(),
            amount_fen: if n % (args.orders / 10).max(1) == 0 {
                amount(n) + 1
            } else {
                amount(n)
            },
        })
        .collect();
    provider.bill_extra(day, rows);
    println!(
        "reconcile: {} paid orders, their credits and bill rows written in {:.1} s",
        args.orders,
        written.elapsed().as_secs_f64()
    );
    let idle = memory(&app, |m| m.rss_kib);
    let started = Instant::now();
    let run: serde_json::Value = admin
        .call(
            reqwest::Method::POST,
            "/api/v1/admin/reconciliations",
            Some(&serde_json::json!({ "from": day, "to": day })),
        )
        .await
        .json()
        .await
        .expect("a run");
    let path = format!(
        "/api/v1/admin/reconciliations/{}",
        run["id"].as_str().expect("an id")
    );
    let report = wait_until("the audit", Duration::from_secs(600), || async {
        let report: serde_json::Value = admin.get(&path).await.json().await.ok()?;
        matches!(
            report["run"]["status"].as_str(),
            Some("succeeded" | "failed")
        )
        .then_some(report)
    })
    .await;
    let summary = &report["run"]["summary"];
    println!(
        "  audit of one day: {:.2} s end to end (the job's own {} ms, bill download included); status {}, orders {}, bill rows {}, credits {}, matched {}, mismatches {}",
        started.elapsed().as_secs_f64(),
        summary["duration_ms"],
        report["run"]["status"],
        summary["orders"],
        summary["statement_rows"],
        summary["credits"],
        summary["matched"],
        summary["mismatches"],
    );
    println!(
        "  RSS before: {idle}; peak: {}",
        memory(&app, |m| m.peak_kib)
    );
}

/// A career page with schema.org JobPosting JSON-LD, and the same posting as plain HTML.
fn posting_pages(n: usize) -> (String, String) {
    let description = "<p>You will design and run the services behind our marketplace.</p>\
        <h3>Requirements</h3><ul><li>Go or Rust in production</li><li>PostgreSQL and Redis</li>\
        <li>Kubernetes</li></ul><h3>Nice to have</h3><ul><li>Kafka</li></ul>"
        .repeat(3);
    let json = serde_json::json!({
        "@context": "https://schema.org", "@type": "JobPosting", "title": format!("Backend Engineer {n}"),
        "identifier": { "@type": "PropertyValue", "value": format!("BE-{n}") },
        "datePosted": "2026-11-10", "employmentType": "FULL_TIME",
        "hiringOrganization": { "@type": "Organization", "name": "Initech" },
        "jobLocation": { "@type": "Place", "address": { "addressLocality": "Berlin", "addressCountry": "DE" } },
        "description": description,
    });
    // Navigation, footers and markup around the posting, as real career pages have (~60 KB).
    let chrome = "<nav class=\"menu\"><ul><li><a href=\"/\">Home</a></li><li><a href=\"/about\">About us</a></li>\
        <li><a href=\"/teams\">Teams</a></li></ul></nav><div class=\"card\"><p>Life at Initech: offices, benefits, \
        learning budget and more.</p></div>"
        .repeat(250);
    let jsonld = format!(
        "<html><head><title>Job</title><script type=\"application/ld+json\">{json}</script></head>\
         <body>{chrome}<h1>Backend Engineer {n}</h1></body></html>"
    );
    let html = format!(
        "<html><body>{chrome}<h1 class=\"title\">Backend Engineer {n}</h1><span class=\"place\">Berlin</span>\
         <div class=\"body\">{description}</div></body></html>"
    );
    (jsonld, html)
}

/// Detail pages read per second on one core (JSON-LD and selector-described HTML), then a
/// full crawl of a local site of `--postings` JSON-LD postings through the platform (no
/// politeness delay: the figure is the crawler's own cost).
async fn crawl(args: &Args) {
    use prepq_crawler::sources::{HtmlFields, html, jsonld};
    let pages: Vec<(String, String)> = (0..500).map(posting_pages).collect();
    let url = url::Url::parse("http://127.0.0.1/jobs/1").expect("a URL");
    let fields = HtmlFields {
        title: "h1.title".into(),
        description: "div.body".into(),
        company: None,
        location: Some(".place".into()),
        posted: None,
        employment_type: None,
        company_name: Some("Initech".into()),
    };
    let started = Instant::now();
    for (page, _) in &pages {
        assert!(jsonld::posting(page, url.as_str()).is_some());
    }
    let jsonld_rate = pages.len() as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    for (_, page) in &pages {
        assert!(
            html::detail(page, &url, &fields)
                .expect("valid selectors")
                .is_some()
        );
    }
    let html_rate = pages.len() as f64 / started.elapsed().as_secs_f64();
    println!(
        "crawl: detail pages read on one core: JSON-LD {jsonld_rate:.0}/s, HTML by selectors {html_rate:.0}/s ({} bytes a page)",
        pages[0].0.len()
    );

    let site = prepq_tests::Site::start().await;
    let links: String = (0..args.postings)
        .map(|n| format!("<a class=\"job\" href=\"/jobs/{n}\">{n}</a>"))
        .collect();
    site.set("/jobs", prepq_tests::Page::html(links));
    for n in 0..args.postings {
        site.set(
            &format!("/jobs/{n}"),
            prepq_tests::Page::html(posting_pages(n).0),
        );
    }
    let mut app = TestApp::builder()
        .worker_env("PREPQ_CRAWL_HOST_DELAY_MS", "0")
        .start()
        .await;
    app.start_workers(1, &[]).await;
    let admin = app.admin().await;
    let spec = serde_json::json!({ "kind": "json_ld", "listing_url": site.url("/jobs"), "link_selector": "a.job" });
    let created: serde_json::Value = admin
        .call(
            reqwest::Method::POST,
            "/api/v1/sources",
            Some(&serde_json::json!({ "name": "bench", "spec": spec, "schedule": "0 0 0 1 1 * 2099" })),
        )
        .await
        .json()
        .await
        .expect("a source");
    let source = created["id"].as_str().expect("an id").to_owned();
    for round in ["first crawl", "second crawl (all 304)"] {
        let started = Instant::now();
        let run: serde_json::Value = admin
            .call(
                reqwest::Method::POST,
                &format!("/api/v1/sources/{source}/crawl"),
                None,
            )
            .await
            .json()
            .await
            .expect("a run");
        let run_id = run["run_id"].as_str().expect("a run id").to_owned();
        let run = wait_until("the crawl", Duration::from_secs(1800), || async {
            let runs: serde_json::Value = admin
                .get(&format!("/api/v1/crawl-runs?source_id={source}"))
                .await
                .json()
                .await
                .ok()?;
            runs["items"]
                .as_array()?
                .iter()
                .find(|r| r["id"] == run_id.as_str() && r["status"] == "succeeded")
                .cloned()
        })
        .await;
        println!(
            "  {round} of a {}-posting local site: {:.2} s end to end (run {} ms): fetched {}, new {}, unchanged {}, errors {}",
            args.postings,
            started.elapsed().as_secs_f64(),
            run["duration_ms"],
            run["fetched"],
            run["new"],
            run["unchanged"],
            run["errors"]
        );
    }
}

/// Builtin diagnoses and question predictions of a 2-page resume (rm_john_doe) against a
/// real job description: the engine's own time per job, as the worker measured it on one
/// core, and analyses per second end to end through the API and one worker process.
async fn analysis(args: &Args) {
    let mut app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "1000000000")
        .worker_env("PREPQ_CONCURRENCY", &args.concurrency.to_string())
        .start()
        .await;
    app.start_workers(1, &[]).await;
    let user = app.verified_user().await;
    let uploaded: serde_json::Value = user
        .upload_to(
            "/api/v1/resumes",
            prepq_tests::fixture("rm_john_doe.pdf"),
            "john.pdf",
        )
        .await
        .json()
        .await
        .expect("the resume");
    let resume = uploaded["id"].as_str().expect("an id").to_owned();
    let job_id = uploaded["job_id"]
        .as_str()
        .expect("a job")
        .parse()
        .expect("a uuid");
    user.finished(job_id, Duration::from_secs(60)).await;
    let description = String::from_utf8(prepq_tests::fixture("rm_e2e_backend-eng.txt"))
        .expect("a UTF-8 job description");
    let target =
        serde_json::json!({ "title": "Senior Backend Engineer", "description": description });
    let requests: Vec<(&str, serde_json::Value)> = (0..args.analyses)
        .flat_map(|_| {
            let body = serde_json::json!({ "resume_id": resume, "target": target });
            [
                ("/api/v1/diagnoses", body.clone()),
                ("/api/v1/question-sets", body),
            ]
        })
        .collect();
    let started = Instant::now();
    futures::stream::iter(requests)
        .map(|(path, body)| {
            let user = user.clone();
            async move {
                let response = user.call(reqwest::Method::POST, path, Some(&body)).await;
                assert_eq!(response.status(), 202, "{path}");
            }
        })
        .buffer_unordered(args.clients)
        .collect::<Vec<()>>()
        .await;
    let accepted = started.elapsed();
    let db = app.db();
    for kind in ["resume.diagnose", "questions.predict"] {
        wait_until(kind, Duration::from_secs(1800), || async {
            let mut conn = db.get().await.ok()?;
            let counts = jobs::count_by_status(&mut conn, kind).await.ok()?;
            let done = counts
                .iter()
                .find(|(s, _)| s == "succeeded")
                .map_or(0, |(_, n)| *n);
            (done == args.analyses as i64).then_some(())
        })
        .await;
    }
    let total = started.elapsed();
    println!(
        "analysis: {} diagnoses + {} question sets (builtin) in {:.2} s: {:.0} analyses/s end to end, 1 worker process",
        args.analyses,
        args.analyses,
        total.as_secs_f64(),
        (2 * args.analyses) as f64 / total.as_secs_f64()
    );
    println!(
        "  accepted in {:.2} s: {:.0} requests/s with {} clients",
        accepted.as_secs_f64(),
        (2 * args.analyses) as f64 / accepted.as_secs_f64(),
        args.clients
    );
    for kind in ["resume.diagnose", "questions.predict"] {
        let mut took: Vec<f64> = app
            .jobs_of_kind(kind)
            .await
            .iter()
            .filter_map(|job| job.result.as_ref()?["engine"]["latency_ms"].as_f64())
            .collect();
        took.sort_by(f64::total_cmp);
        println!(
            "  {kind}: engine time p50 {:.2} ms, p99 {:.2} ms over {} jobs",
            took[took.len() / 2],
            took[took.len() * 99 / 100],
            took.len()
        );
    }
}

/// The sandboxed readers on their own (`workers extract` and `workers ocr`, process start
/// included): a two-page text PDF, a Chinese PDF read through poppler, a DOCX, and OCR of
/// one A4 page at 300 dpi as a photo and as a scanned PDF, each with the child's peak RSS.
fn extract() {
    let zh = prepq_tests::fixture("billryan_resume-zh_CN.pdf");
    let page = prepq_tests::files::render_page(&zh, 1, 300);
    let dir = std::env::temp_dir().join(format!("prepq-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let scan = prepq_tests::files::scanned_pdf(std::slice::from_ref(&page));
    let text = ["extract", "--max-pages", "50"];
    let ocr = ocr::ONE_PAGE;
    let ocr_for_chinese_reader = [&ocr[..], &["--first-model", "chinese"]].concat();
    // (what, file, media type, arguments, runs)
    type Case<'a> = (&'a str, Vec<u8>, &'a str, &'a [&'a str], usize);
    let cases: [Case; 6] = [
        (
            "2-page text PDF (rm_john_doe)",
            prepq_tests::fixture("rm_john_doe.pdf"),
            "application/pdf",
            &text,
            50,
        ),
        (
            "1-page Chinese PDF via poppler",
            zh,
            "application/pdf",
            &text,
            20,
        ),
        (
            "DOCX (scorelia)",
            prepq_tests::fixture("scorelia_sample_resume.docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &text,
            50,
        ),
        (
            "OCR, Chinese A4 photo at 300 dpi",
            page.clone(),
            "image/png",
            &ocr,
            3,
        ),
        (
            "OCR, Chinese A4 photo, its owner reading Chinese",
            page,
            "image/png",
            &ocr_for_chinese_reader,
            3,
        ),
        (
            "OCR, Chinese 1-page scanned PDF",
            scan,
            "application/pdf",
            &ocr,
            3,
        ),
    ];
    for (what, bytes, media_type, command, runs) in cases {
        let path = dir.join("input");
        std::fs::write(&path, bytes).expect("writing the input");
        let mut took = Vec::new();
        let mut peak_kib = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let output = std::process::Command::new(prepq_tests::bin_dir().join("workers"))
                // As the sandbox starts it: one core for tesseract.
                .env("OMP_THREAD_LIMIT", "1")
                .args(command)
                .args(["--media-type", media_type])
                .arg(&path)
                .output()
                .expect("running workers extract");
            took.push(started.elapsed());
            assert!(
                String::from_utf8_lossy(&output.stdout).contains("\"extracted\""),
                "{what}: {}",
                String::from_utf8_lossy(&output.stdout)
            );
            peak_kib = peak_kib.max(children_peak_kib());
        }
        took.sort();
        println!(
            "extract {what}: p50 {:.1} ms over {runs} runs, peak RSS of the children so far {} MiB",
            took[took.len() / 2].as_secs_f64() * 1e3,
            peak_kib / 1024
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The largest resident set of any child waited for so far (tesseract included).
fn children_peak_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init().ru_maxrss
    }
}

async fn platform(args: &Args) -> TestApp {
    platform_traced(args, None).await
}

async fn platform_traced(args: &Args, collector: Option<&OtlpCollector>) -> TestApp {
    let mut builder = TestApp::builder()
        .worker_env("PREPQ_CONCURRENCY", &args.concurrency.to_string())
        .worker_env("PREPQ_LEASE_SECS", "30")
        .worker_env("PREPQ_REDISPATCH_AFTER_SECS", "60");
    for (key, value) in &args.worker_env {
        builder = builder.worker_env(key, value);
    }
    if let Some(collector) = collector {
        builder = builder.traces(collector);
    }
    builder.start().await
}

async fn throughput(args: &Args, workers: usize) {
    let collector = match args.traces {
        true => Some(OtlpCollector::start().await),
        false => None,
    };
    let mut app = platform_traced(args, collector.as_ref()).await;
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
    if let Some(collector) = collector {
        println!("  spans collected: {}", collector.spans().len());
    }
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

/// Sign-ins are argon2-bound: one at a time shows the cost of a hash on one core; with
/// more clients than cores they show the rate the API sustains. Then an authenticated
/// `GET /jobs/{id}`: token check, session lookup and the read, from many clients.
async fn auth(args: &Args) {
    let app = TestApp::builder()
        .api_env("PREPQ_RATE_LOGIN_ACCOUNT", "1000000/1m")
        .start()
        .await;
    let user = app.user().await;
    let mut one_at_a_time = Vec::new();
    for _ in 0..10 {
        let sent = Instant::now();
        app.sign_in(&user.email, prepq_tests::PASSWORD).await;
        one_at_a_time.push(sent.elapsed());
    }
    one_at_a_time.sort();
    let started = Instant::now();
    futures::stream::iter(0..args.logins)
        .for_each_concurrent(8, |_| async {
            app.sign_in(&user.email, prepq_tests::PASSWORD).await;
        })
        .await;
    let elapsed = started.elapsed();
    println!(
        "sign-in: {:.1} ms each one at a time (p50 of 10); {} sign-ins from 8 clients in {:.2} s: {:.1}/s",
        one_at_a_time[5].as_secs_f64() * 1e3,
        args.logins,
        elapsed.as_secs_f64(),
        args.logins as f64 / elapsed.as_secs_f64()
    );

    let job = user.echo("read me", 0).await;
    let path = format!("/api/v1/jobs/{}", job.id);
    let started = Instant::now();
    let mut latencies: Vec<Duration> = futures::stream::iter(0..args.reads)
        .map(|_| {
            let user = user.clone();
            let path = path.clone();
            async move {
                let sent = Instant::now();
                let response = user.get(&path).await;
                assert_eq!(response.status(), 200);
                let _ = response.bytes().await;
                sent.elapsed()
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "authenticated GET /jobs/{{id}}, {} reads from 16 clients: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms",
        args.reads,
        args.reads as f64 / elapsed.as_secs_f64(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    );
}

//! Crawling real source formats from a local site: Greenhouse, Lever, JSON-LD career pages
//! and plain HTML; politeness; bad pages; schedules; search.

use std::time::Duration;

use prepq_tests::{Page, Site, TestApp, User, wait_until};
use reqwest::Method;
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

fn greenhouse(title: &str) -> String {
    json!({ "jobs": [
        {
            "id": 4001, "title": title, "absolute_url": "https://boards.example/acme/jobs/4001",
            "location": { "name": "Berlin" }, "updated_at": "2026-11-02T10:00:00-04:00",
            "content": "&lt;h3&gt;About the role&lt;/h3&gt;&lt;p&gt;You will build our payment platform.&lt;/p&gt;&lt;h3&gt;Requirements&lt;/h3&gt;&lt;ul&gt;&lt;li&gt;Go in production&lt;/li&gt;&lt;li&gt;Kubernetes&lt;/li&gt;&lt;/ul&gt;"
        },
        {
            "id": 4002, "title": "Data Analyst", "absolute_url": "https://boards.example/acme/jobs/4002",
            "location": { "name": "London" }, "updated_at": "2026-11-01T09:00:00Z",
            "content": "&lt;p&gt;SQL and Python for reporting dashboards.&lt;/p&gt;"
        }
    ]})
    .to_string()
}

fn lever() -> String {
    json!([{
        "id": "5ac1e0f2-lever", "text": "Frontend Engineer", "hostedUrl": "https://jobs.example/globex/5ac1e0f2",
        "categories": { "location": "Anywhere", "commitment": "Full-time", "team": "Web" },
        "workplaceType": "remote", "createdAt": 1_762_000_000_000_i64,
        "descriptionPlain": "Build interfaces our customers love, with a quarterly hackathon.",
        "lists": [{ "text": "Requirements", "content": "<li>React and TypeScript</li><li>Accessibility</li>" }],
        "salaryRange": { "min": 90000, "max": 120000, "currency": "USD", "interval": "per-year-salary" }
    }])
    .to_string()
}

fn jsonld_page(id: &str, title: &str) -> String {
    let posting = json!({
        "@context": "https://schema.org", "@type": "JobPosting",
        "title": title, "identifier": { "@type": "PropertyValue", "value": id },
        "datePosted": "2026-11-10", "employmentType": "FULL_TIME",
        "hiringOrganization": { "@type": "Organization", "name": "Initech" },
        "jobLocation": { "@type": "Place", "address": { "@type": "PostalAddress", "addressLocality": "上海", "addressCountry": "CN" } },
        "description": "<p>负责推荐系统的研发。</p><p>任职要求：</p><ul><li>熟悉 Python 和机器学习</li></ul>",
        "baseSalary": { "@type": "MonetaryAmount", "currency": "CNY", "value": { "@type": "QuantitativeValue", "minValue": 30000, "maxValue": 50000, "unitText": "MONTH" } }
    });
    format!(
        "<html><head><script type=\"application/ld+json\">{posting}</script></head><body><h1>{title}</h1></body></html>"
    )
}

fn html_detail(title: &str, body: &str) -> String {
    format!(
        "<html><body><h1 class=\"title\">{title}</h1><span class=\"place\">Remote, EU</span>\
         <div class=\"body\"><p>{body}</p></div></body></html>"
    )
}

/// A site serving one source of each kind.
fn serve_all(site: &Site) {
    site.set("/robots.txt", Page::text("User-agent: *\nDisallow: /private/\n"))
        .set("/v1/boards/acme/jobs?content=true", Page::json(greenhouse("Backend Engineer")))
        .set("/v0/postings/globex?mode=json", Page::json(lever()))
        .set("/careers", Page::html("<a class=\"job\" href=\"/careers/1\">1</a><a class=\"job\" href=\"/careers/2\">2</a><a href=\"/about\">about</a>"))
        .set("/careers/1", Page::html(jsonld_page("INI-1", "算法工程师")))
        .set("/careers/2", Page::html(jsonld_page("INI-2", "数据工程师")))
        .set("/jobs?page=1", Page::html("<a class=\"j\" href=\"/jobs/a\">a</a><a class=\"next\" href=\"/jobs?page=2\">next</a>"))
        .set("/jobs?page=2", Page::html("<a class=\"j\" href=\"/jobs/b\">b</a>"))
        .set("/jobs/a", Page::html(html_detail("Site Reliability Engineer", "Keep Kubernetes clusters healthy and on call.")))
        .set("/jobs/b", Page::html(html_detail("Rust Developer", "Write Rust services for our trading engine.")));
}

fn specs(site: &Site) -> Vec<(&'static str, Value)> {
    vec![
        (
            "greenhouse",
            json!({ "kind": "greenhouse", "api": site.base_url, "board": "acme", "company": "Acme" }),
        ),
        (
            "lever",
            json!({ "kind": "lever", "api": site.base_url, "site": "globex", "company": "Globex" }),
        ),
        (
            "json_ld",
            json!({ "kind": "json_ld", "listing_url": site.url("/careers"), "link_selector": "a.job" }),
        ),
        (
            "html",
            json!({
                "kind": "html", "listing_url": site.url("/jobs?page=1"), "link_selector": "a.j", "next_selector": "a.next",
                "fields": { "title": "h1.title", "description": "div.body", "location": ".place", "company_name": "Hooli" }
            }),
        ),
    ]
}

/// The site of every source kind, and a platform with one worker crawling it at once.
async fn crawling() -> (Site, TestApp) {
    let site = Site::start().await;
    serve_all(&site);
    let app = TestApp::builder()
        .worker_env("PREPQ_CRAWL_HOST_DELAY_MS", "0")
        .workers(1)
        .start()
        .await;
    (site, app)
}

/// Never on its own: the tests start every crawl.
const NEVER: &str = "0 0 0 1 1 * 2099";

async fn add_source(admin: &User, name: &str, spec: &Value, schedule: &str) -> String {
    let created = admin
        .call(
            Method::POST,
            "/api/v1/sources",
            Some(&json!({ "name": name, "spec": spec, "schedule": schedule })),
        )
        .await;
    assert_eq!(created.status(), 201, "{:?}", created.text().await);
    let source: Value = created.json().await.unwrap();
    source["id"].as_str().unwrap().to_owned()
}

/// Starts a crawl of the source now; returns its run's id.
async fn start_crawl(admin: &User, source: &str) -> String {
    let started = admin
        .call(
            Method::POST,
            &format!("/api/v1/sources/{source}/crawl"),
            None,
        )
        .await;
    assert_eq!(started.status(), 202);
    started.json::<Value>().await.unwrap()["run_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Starts a crawl of the source and waits for its run to finish.
async fn crawl(admin: &User, source: &str) -> Value {
    let run_id = start_crawl(admin, source).await;
    wait_until("the crawl to finish", JOB_DEADLINE, || {
        run_with(admin, source, &run_id, "succeeded")
    })
    .await
}

fn counts(run: &Value) -> [i64; 4] {
    ["new", "updated", "unchanged", "closed"].map(|k| run[k].as_i64().unwrap())
}

async fn postings(user: &User, query: &str) -> Vec<Value> {
    let page: Value = user
        .get(&format!("/api/v1/postings?{query}"))
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

fn titles(items: &[Value]) -> Vec<&str> {
    let mut titles: Vec<&str> = items.iter().map(|p| p["title"].as_str().unwrap()).collect();
    titles.sort();
    titles
}

#[tokio::test(flavor = "multi_thread")]
async fn each_source_kind_yields_its_postings_and_only_changes_count_as_updates() {
    let (site, app) = crawling().await;
    let admin = app.admin().await;
    let user = app.user().await;
    assert_eq!(
        user.call(Method::GET, "/api/v1/sources", None)
            .await
            .status(),
        403
    );

    let mut sources = Vec::new();
    for (name, spec) in specs(&site) {
        let id = add_source(&admin, name, &spec, NEVER).await;
        let run = crawl(&admin, &id).await;
        assert_eq!(run["errors"], 0, "{name}: {run}");
        sources.push((name, id, run));
    }
    let expected_new = [2, 1, 2, 2];
    for ((name, _, run), new) in sources.iter().zip(expected_new) {
        assert_eq!(counts(run), [new, 0, 0, 0], "{name}: {run}");
    }

    let all = postings(&user, "limit=100").await;
    assert_eq!(
        titles(&all),
        [
            "Backend Engineer",
            "Data Analyst",
            "Frontend Engineer",
            "Rust Developer",
            "Site Reliability Engineer",
            "数据工程师",
            "算法工程师"
        ]
    );
    let by_title = |title: &str| all.iter().find(|p| p["title"] == title).unwrap().clone();
    let backend = by_title("Backend Engineer");
    assert_eq!(
        (&backend["company"], &backend["location"]),
        (&json!("Acme"), &json!("Berlin"))
    );
    assert_eq!(
        backend["requirements"],
        json!(["Go in production", "Kubernetes"])
    );
    assert_eq!(backend["skills"], json!(["Go", "Kubernetes"]));
    assert!(
        backend["description"]
            .as_str()
            .unwrap()
            .contains("You will build our payment platform.")
    );
    let frontend = by_title("Frontend Engineer");
    assert_eq!(frontend["remote"], true);
    assert_eq!(
        frontend["salary"],
        json!({ "min": 90000.0, "max": 120000.0, "currency": "USD", "period": "per-year-salary" })
    );
    assert_eq!(frontend["employment_type"], "full-time");
    let algo = by_title("算法工程师");
    assert_eq!(
        (&algo["company"], &algo["location"]),
        (&json!("Initech"), &json!("上海, CN"))
    );
    assert_eq!(algo["posted_on"], "2026-11-10");
    assert_eq!(algo["salary"]["currency"], "CNY");
    assert!(
        algo["skills"]
            .as_array()
            .unwrap()
            .contains(&json!("Machine Learning"))
    );
    let sre = by_title("Site Reliability Engineer");
    assert_eq!(
        (&sre["company"], &sre["remote"]),
        (&json!("Hooli"), &json!(true))
    );

    // Search: a word of a description, Chinese text, a filter.
    assert_eq!(
        titles(&postings(&user, "q=hackathon").await),
        ["Frontend Engineer"]
    );
    assert_eq!(
        titles(&postings(&user, "q=推荐系统").await),
        ["数据工程师", "算法工程师"]
    );
    assert_eq!(
        titles(&postings(&user, "remote=true").await),
        [
            "Frontend Engineer",
            "Rust Developer",
            "Site Reliability Engineer"
        ]
    );
    assert_eq!(
        titles(&postings(&user, "skill=Kubernetes").await),
        ["Backend Engineer", "Site Reliability Engineer"]
    );

    // Nothing changed: conditional GETs answer 304, nothing is updated.
    for (name, id, _) in &sources {
        let run = crawl(&admin, id).await;
        let [new, updated, unchanged, closed] = counts(&run);
        assert_eq!((new, updated, closed), (0, 0, 0), "{name}: {run}");
        assert!(unchanged > 0, "{name}: {run}");
    }
    // An edited posting is one update; a posting gone from its listing is closed.
    site.set(
        "/v1/boards/acme/jobs?content=true",
        Page::json(greenhouse("Senior Backend Engineer")),
    );
    assert_eq!(counts(&crawl(&admin, &sources[0].1).await), [0, 1, 1, 0]);
    site.set("/jobs?page=2", Page::html("<p>no more</p>"));
    assert_eq!(counts(&crawl(&admin, &sources[3].1).await), [0, 0, 1, 1]);
    let rust = postings(&user, "q=Rust").await;
    assert!(
        rust.iter().all(|p| p["title"] != "Rust Developer"),
        "closed postings are not listed"
    );

    // A posting is a target for an analysis.
    let verified = app.verified_user().await;
    let resume = prepq_tests::read_resume(
        &verified,
        prepq_tests::PLAIN_RESUME.as_bytes().to_vec(),
        "cv.txt",
    )
    .await;
    let posting_id = by_title("Frontend Engineer")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let view = prepq_tests::analysed(
        &verified,
        "/api/v1/diagnoses",
        json!({ "resume_id": resume, "target": { "posting_id": posting_id } }),
    )
    .await;
    assert_eq!(view["target_title"], "Frontend Engineer — Globex", "{view}");
    assert_eq!(
        view["diagnosis"]["keywords"]["missing_must_have"],
        json!(["React", "TypeScript", "Web Accessibility"])
    );
}

/// A user's first pages of filtered searches are remembered for their dashboard, one entry
/// per distinct search; later pages and unfiltered browsing are not searches.
#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_shows_a_users_recent_posting_searches_and_only_theirs() {
    let (site, app) = crawling().await;
    let admin = app.admin().await;
    for (name, spec) in specs(&site).into_iter().take(2) {
        let id = add_source(&admin, name, &spec, NEVER).await;
        crawl(&admin, &id).await;
    }
    let user = app.user().await;
    assert_eq!(postings(&user, "q=engineer").await.len(), 2);
    assert_eq!(postings(&user, "skill=Go&location=Berlin").await.len(), 1);
    let first: Value = user
        .get("/api/v1/postings?q=%20engineer%20&limit=1")
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"].as_str().expect("a second page");
    assert_eq!(
        postings(&user, &format!("q=engineer&limit=1&cursor={cursor}"))
            .await
            .len(),
        1
    );
    postings(&user, "limit=100").await;

    let dashboard: Value = user.get("/api/v1/dashboard").await.json().await.unwrap();
    let searches = &dashboard["posting_searches"];
    assert_eq!(searches["count"], 2, "{searches}");
    let latest = &searches["latest"];
    assert_eq!(latest[0]["filters"], json!({ "q": "engineer" }));
    assert_eq!(
        (&latest[0]["runs"], &latest[0]["last_results"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(
        latest[1]["filters"],
        json!({ "skill": "Go", "location": "Berlin" })
    );
    assert_eq!(latest[1]["runs"], 1);

    let other = app.user().await;
    let theirs: Value = other.get("/api/v1/dashboard").await.json().await.unwrap();
    assert_eq!(theirs["posting_searches"]["count"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn robots_rules_are_kept_and_bad_pages_are_counted_errors() {
    let site = Site::start().await;
    site.set(
        "/robots.txt",
        Page::text("User-agent: *\nDisallow: /private/\n"),
    )
    .set(
        "/careers",
        Page::html(
            [
                "/careers/ok",
                "/private/secret",
                "/careers/broken",
                "/careers/slow",
                "/careers/huge",
            ]
            .map(|p| format!("<a href=\"{p}\">{p}</a>"))
            .concat(),
        ),
    )
    .set("/careers/ok", Page::html(jsonld_page("OK-1", "后端工程师")))
    .set(
        "/private/secret",
        Page::html(jsonld_page("SECRET", "Secret")),
    )
    .set("/careers/broken", Page::Status(500))
    .set("/careers/slow", Page::Slow(Duration::from_secs(5)))
    .set("/careers/huge", Page::Endless(50 << 20));
    let app = TestApp::builder()
        .worker_env("PREPQ_CRAWL_HOST_DELAY_MS", "0")
        .worker_env("PREPQ_CRAWL_TIMEOUT_MS", "500")
        .worker_env("PREPQ_CRAWL_RETRIES", "1")
        .worker_env("PREPQ_CRAWL_RETRY_BASE_MS", "10")
        .worker_env("PREPQ_CRAWL_MAX_BODY_BYTES", "1000000")
        .workers(1)
        .start()
        .await;
    let admin = app.admin().await;
    let spec = json!({ "kind": "json_ld", "listing_url": site.url("/careers") });
    let source = add_source(&admin, "careers", &spec, NEVER).await;

    let run = crawl(&admin, &source).await;
    assert_eq!(
        (run["new"].as_i64(), run["errors"].as_i64()),
        (Some(1), Some(4)),
        "{run}"
    );
    let reasons: Vec<String> = run["error_samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["url"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches(&site.base_url),
                e["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "/private/secret robots.txt disallows it",
            "/careers/broken HTTP 500",
            "/careers/slow no answer within 500 ms",
            "/careers/huge the body is over the 1000000-byte limit",
        ]
    );
    assert_eq!(site.hits("/private/secret"), 0, "never fetched");
    assert_eq!(site.hits("/careers/broken"), 2, "retried once");
    assert_eq!(site.hits("/robots.txt"), 1, "read once per crawl");
}

#[tokio::test(flavor = "multi_thread")]
async fn three_schedulers_make_one_run_per_tick() {
    let site = Site::start().await;
    site.set(
        "/v1/boards/acme/jobs?content=true",
        Page::json(greenhouse("Backend Engineer")),
    );
    let mut app = TestApp::builder()
        .worker_env("PREPQ_CRAWL_HOST_DELAY_MS", "0")
        .worker_env("PREPQ_SCHEDULER_INTERVAL_MS", "100")
        .start()
        .await;
    app.start_workers(3, &[]).await;
    let admin = app.admin().await;
    let spec =
        json!({ "kind": "greenhouse", "api": site.base_url, "board": "acme", "company": "Acme" });
    let created = chrono::Utc::now();
    let source = add_source(&admin, "every second", &spec, "* * * * * *").await;

    // Ten whole seconds after the source exists, each a tick of the schedule.
    let first = created.timestamp() + 2;
    let window = first..first + 10;
    let runs = wait_until("ten ticks to pass", Duration::from_secs(60), || async {
        let page: Value = admin
            .get(&format!("/api/v1/crawl-runs?source_id={source}&limit=100"))
            .await
            .json()
            .await
            .ok()?;
        let latest = page["items"][0]["tick"].as_str()?;
        let latest = chrono::DateTime::parse_from_rfc3339(latest)
            .ok()?
            .timestamp();
        (latest > window.end).then_some(page["items"].as_array()?.clone())
    })
    .await;
    let in_window: Vec<&Value> = runs
        .iter()
        .filter(|r| {
            r["tick"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .is_some_and(|t| window.contains(&t.timestamp()))
        })
        .collect();
    let mut ticks: Vec<i64> = in_window
        .iter()
        .filter_map(|r| chrono::DateTime::parse_from_rfc3339(r["tick"].as_str()?).ok())
        .map(|t| t.timestamp())
        .collect();
    ticks.sort();
    assert_eq!(
        ticks,
        window.collect::<Vec<_>>(),
        "one run per tick, none twice"
    );
    let jobs = app.jobs_of_kind("postings.crawl").await;
    for run in in_window {
        let of_run = jobs
            .iter()
            .filter(|j| j.payload["run_id"] == run["id"])
            .count();
        assert_eq!(of_run, 1, "one crawl job for run {run}");
    }
}

/// A run has no status of its own to forget: it is its job's, whichever path ends the job.
/// Here the job is ended as the dispatcher ends one whose attempts ran out, with no worker
/// ever running it; a run used to stay `queued` (or `running`) forever.
#[tokio::test(flavor = "multi_thread")]
async fn a_crawl_run_ends_with_its_job_however_the_job_ends() {
    let app = TestApp::builder().start().await;
    let admin = app.admin().await;
    let spec = json!({ "kind": "greenhouse", "api": "http://127.0.0.1:9", "board": "acme", "company": "Acme" });
    let source = add_source(&admin, "unreachable", &spec, NEVER).await;
    let run_id = start_crawl(&admin, &source).await;
    wait_until("the run to be queued", JOB_DEADLINE, || {
        run_with(&admin, &source, &run_id, "queued")
    })
    .await;

    app.sql(
        "UPDATE jobs SET status = 'failed', error = 'gave up after 5 attempts', \
         finished_at = now() WHERE kind = 'postings.crawl'",
    )
    .await;
    let failed = wait_until("the run to fail with its job", JOB_DEADLINE, || {
        run_with(&admin, &source, &run_id, "failed")
    })
    .await;
    assert_eq!(
        failed["error_samples"][0]["reason"],
        "gave up after 5 attempts"
    );
    assert!(failed["finished_at"].is_string(), "{failed}");
}

/// The source's run `run_id`, once it has `status`.
async fn run_with(admin: &User, source: &str, run_id: &str, status: &str) -> Option<Value> {
    let runs: Value = admin
        .get(&format!("/api/v1/crawl-runs?source_id={source}"))
        .await
        .json()
        .await
        .ok()?;
    runs["items"]
        .as_array()?
        .iter()
        .find(|r| r["id"] == run_id && r["status"] == status)
        .cloned()
}

/// The crawler reaches only what the outbound guard allows: here, the board alone. An
/// internal service next to it is never contacted, whether a source names it, a page links
/// to it or a redirect leads there, and the run says why in the same words each time.
#[tokio::test(flavor = "multi_thread")]
async fn the_crawler_never_reaches_an_internal_address_by_link_redirect_or_source() {
    let internal = Site::start().await;
    internal.set(
        "/metrics",
        Page::html(jsonld_page("METRICS", "Internal metrics")),
    );
    let board = Site::start().await;
    board
        .set(
            "/careers",
            Page::html(format!(
                "<a href=\"/careers/ok\">ok</a><a href=\"{}\">metrics</a><a href=\"/careers/moved\">moved</a>",
                internal.url("/metrics")
            )),
        )
        .set("/careers/ok", Page::html(jsonld_page("OK-1", "后端工程师")))
        .set("/careers/moved", Page::Redirect(internal.url("/metrics")));
    let board_target = board.base_url.trim_start_matches("http://").to_owned();
    let app = TestApp::builder()
        .worker_env("PREPQ_OUTBOUND_ALLOW_PRIVATE", "false")
        .worker_env("PREPQ_OUTBOUND_ALLOW", &board_target)
        .worker_env("PREPQ_CRAWL_HOST_DELAY_MS", "0")
        .workers(1)
        .start()
        .await;
    let admin = app.admin().await;

    let spec = json!({ "kind": "json_ld", "listing_url": board.url("/careers") });
    let source = add_source(&admin, "board", &spec, NEVER).await;
    let run = crawl(&admin, &source).await;
    assert_eq!(
        (run["new"].as_i64(), run["errors"].as_i64()),
        (Some(1), Some(2)),
        "{run}"
    );
    for sample in run["error_samples"].as_array().unwrap() {
        let reason = sample["reason"].as_str().unwrap();
        assert!(reason.starts_with("refused: "), "{sample}");
    }

    let spec = json!({ "kind": "json_ld", "listing_url": internal.url("/metrics") });
    let direct = add_source(&admin, "internal", &spec, NEVER).await;
    let run = crawl(&admin, &direct).await;
    assert_eq!(run["errors"].as_i64(), Some(1), "{run}");
    let reason = run["error_samples"][0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("refused: "), "{reason}");

    assert_eq!(internal.hits("/metrics"), 0, "never contacted");
    assert_eq!(internal.hits("/robots.txt"), 0, "not even for robots.txt");
    let user = app.user().await;
    let titles: Vec<String> = postings(&user, "")
        .await
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, ["后端工程师"]);
}

/// The next tick after `now` of a daily schedule at `hour:minute` UTC.
fn next_daily(
    now: chrono::DateTime<chrono::Utc>,
    hour: u32,
    minute: u32,
) -> chrono::DateTime<chrono::Utc> {
    let today = now
        .date_naive()
        .and_hms_opt(hour, minute, 0)
        .unwrap()
        .and_utc();
    if today > now {
        today
    } else {
        today + chrono::Days::new(1)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_schedules_show_a_sources_last_and_next_run_and_an_audit_run_only_when_asked() {
    let (site, app) = crawling().await;
    let admin = app.admin().await;
    let user = app.user().await;
    assert_eq!(user.get("/api/v1/admin/schedules").await.status(), 403);
    let (name, spec) = specs(&site).remove(0);
    let source = add_source(&admin, name, &spec, "0 15 3 * * *").await;
    let schedules = || async {
        let list: Value = admin
            .get("/api/v1/admin/schedules")
            .await
            .json()
            .await
            .unwrap();
        let list = list.as_array().unwrap().clone();
        assert_eq!(list.len(), 2, "{list:?}");
        (list[0].clone(), list[1].clone())
    };
    let before = chrono::Utc::now();
    let (crawl_schedule, audit) = schedules().await;
    let after = chrono::Utc::now();
    assert_eq!(
        (
            &crawl_schedule["kind"],
            &crawl_schedule["source_id"],
            &crawl_schedule["enabled"]
        ),
        (&json!("crawl"), &json!(source), &json!(true))
    );
    assert!(
        crawl_schedule.get("last_run_at").is_none(),
        "{crawl_schedule}"
    );
    let next: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(crawl_schedule["next_run_at"].clone()).unwrap();
    // Either side of the call, in case a tick fell between.
    assert!(
        [next_daily(before, 3, 15), next_daily(after, 3, 15)].contains(&next),
        "{next}"
    );
    // The scenarios run no nightly audit: it runs only when asked.
    assert_eq!(
        (&audit["kind"], &audit["enabled"]),
        (&json!("audit"), &json!(false))
    );
    assert!(
        audit.get("next_run_at").is_none() && audit.get("schedule").is_none(),
        "{audit}"
    );

    let run = crawl(&admin, &source).await;
    let (crawl_schedule, _) = schedules().await;
    assert_eq!(crawl_schedule["last_status"], "succeeded");
    assert_eq!(crawl_schedule["last_run_at"], run["created_at"]);
}

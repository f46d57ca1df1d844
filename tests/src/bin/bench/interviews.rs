//! Mock interviews live: `--sessions` WebSocket sessions at once on one API process and one
//! worker process (builtin engine), each answering every question of its plan: the time
//! from an answer to its feedback on the socket, the API's memory, feedback jobs per second.

use std::time::{Duration, Instant};

use futures::StreamExt;
use prepq_tests::{GO_AND_KUBERNETES, LiveClient, PLAIN_RESUME, TestApp, User, read_resume};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{Args, memory};

/// Sessions per user, within `PREPQ_STREAMS_PER_USER`: users are registered (argon2) one
/// by one.
const SESSIONS_PER_USER: usize = 5;
const QUESTIONS: u32 = 3;
const ANSWER: &str = "At the time our Go checkout service took 3000 requests per second; I was responsible for its reliability on Kubernetes, so I set timeouts and retries, added Prometheus alerts and tuned PostgreSQL queries. As a result errors fell by 40%.";
const DEADLINE: Duration = Duration::from_secs(600);

pub async fn live(args: &Args) {
    let mut app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "1000000")
        .api_env("PREPQ_RATE_ANSWER_USER", "100000/1m")
        .api_env("PREPQ_RATE_ENQUEUE_USER", "100000/1m")
        .api_env("PREPQ_RATE_REGISTER_IP", "100000/1h")
        .api_env("PREPQ_RATE_LOGIN_IP", "100000/1h")
        .worker_env("PREPQ_CONCURRENCY", &args.concurrency.to_string())
        .start()
        .await;
    app.start_workers(1, &[]).await;
    let users = args.sessions.div_ceil(SESSIONS_PER_USER);
    let mut owners = Vec::new();
    for _ in 0..users {
        let user = app.verified_user().await;
        let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
        owners.push((user, resume));
    }
    let sessions: Vec<(User, String)> =
        futures::stream::iter((0..args.sessions).map(|n| owners[n % users].clone()))
            .map(|(user, resume)| async move {
                let id = start(&user, &resume).await;
                (user, id)
            })
            .buffer_unordered(args.clients)
            .collect()
            .await;
    let feedback_before = app.worker_counter(0, "prepq_jobs_finished_total").await;
    let idle = memory(&app, |m| m.rss_kib);

    let started = Instant::now();
    let runs: Vec<Vec<Duration>> = futures::future::join_all(
        sessions
            .iter()
            .map(|(user, id)| answer_every_question(user, id)),
    )
    .await;
    let took = started.elapsed();
    let feedback_jobs = app.worker_counter(0, "prepq_jobs_finished_total").await - feedback_before;

    let mut latencies: Vec<f64> = runs
        .iter()
        .flatten()
        .map(|d| d.as_secs_f64() * 1e3)
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |share: f64| latencies[((latencies.len() - 1) as f64 * share) as usize];
    println!(
        "interviews: {} live sessions × {QUESTIONS} questions in {:.1} s, 1 API and 1 worker process (builtin engine)",
        sessions.len(),
        took.as_secs_f64()
    );
    println!(
        "  answer → feedback on the socket: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms over {} answers",
        at(0.5),
        at(0.99),
        at(1.0),
        latencies.len()
    );
    println!(
        "  {feedback_jobs:.0} feedback and report jobs finished: {:.0}/s",
        feedback_jobs / took.as_secs_f64()
    );
    println!(
        "  RSS before the sockets: {idle}; peak {}",
        memory(&app, |m| m.peak_kib)
    );
}

/// Starts a practice session; its id once its plan is ready.
async fn start(user: &User, resume: &str) -> String {
    let request = json!({
        "resume_id": resume,
        "target": { "title": "Backend Engineer", "description": GO_AND_KUBERNETES },
        "count": QUESTIONS,
        "mode": "practice",
    });
    let created = user
        .call(Method::POST, "/api/v1/interviews", Some(&request))
        .await;
    assert_eq!(created.status(), 201, "{:?}", created.text().await);
    let session: Value = created.json().await.expect("a session");
    session["id"].as_str().expect("an id").to_owned()
}

/// Answers each question as it comes, follow-ups included, and ends after the last one's
/// feedback; the time each answer waited for its feedback.
async fn answer_every_question(user: &User, id: &str) -> Vec<Duration> {
    let mut live = LiveClient::open(user, id).await;
    let mut waits = Vec::new();
    loop {
        let asked = live.next_of_any(&["question", "follow_up"], DEADLINE).await;
        let sent = Instant::now();
        live.send(json!({ "type": "answer", "text": ANSWER })).await;
        let feedback = live.next_of("feedback", DEADLINE).await;
        waits.push(sent.elapsed());
        if feedback["question_index"] == asked["question_index"]
            && asked["question_index"].as_u64() == Some(u64::from(QUESTIONS))
        {
            break;
        }
    }
    live.send(json!({ "type": "end" })).await;
    live.next_of("report_ready", DEADLINE).await;
    waits
}

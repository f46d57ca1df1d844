//! Priorities: with a backlog waiting for room in its queue's window, an administrator's
//! "run now" and a paying member's analysis go first, whatever their age.

use prepq_tests::{GO_AND_KUBERNETES, PLAIN_RESUME, TestApp, User, read_resume, wait_until};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::JOB_DEADLINE;

/// One worker and one job at a time in Redis, so the dispatcher's order is the order the
/// jobs start in.
async fn one_at_a_time() -> TestApp {
    TestApp::builder()
        .workers(1)
        .env("PREPQ_QUEUE_WINDOW", "1")
        .start()
        .await
}

async fn switch_queue(admin: &User, kind: &str, action: &str) {
    let path = format!("/api/v1/admin/queues/{kind}/{action}");
    let answer = admin.call(Method::POST, &path, None).await;
    assert_eq!(answer.status(), 200, "{action} {kind}");
}

/// The job of `kind` that started first, once all of them have succeeded.
async fn first_to_start(app: &TestApp, kind: &str, count: usize) -> Uuid {
    let jobs = wait_until("every job to succeed", JOB_DEADLINE, || async {
        let jobs = app.jobs_of_kind(kind).await;
        let done = jobs.iter().filter(|j| j.status == "succeeded").count();
        (done == count).then_some(jobs)
    })
    .await;
    jobs.iter()
        .min_by_key(|j| j.started_at)
        .map(|j| j.id)
        .expect("jobs")
}

async fn priority(admin: &User, id: Uuid) -> Value {
    let detail: Value = admin
        .get(&format!("/api/v1/admin/jobs/{id}"))
        .await
        .json()
        .await
        .unwrap();
    detail["priority"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrators_run_now_starts_the_youngest_job_of_a_backlog_first() {
    let app = one_at_a_time().await;
    let admin = app.admin().await;
    let user = app.user().await;
    switch_queue(&admin, "platform.echo", "pause").await;
    let ids = user.echo_many(6, 0, 1).await;
    let youngest = *ids.iter().max().unwrap();
    assert_eq!(priority(&admin, youngest).await, 0);

    let run_now = format!("/api/v1/admin/jobs/{youngest}/run-now");
    assert_eq!(user.call(Method::POST, &run_now, None).await.status(), 403);
    let answer = admin.call(Method::POST, &run_now, None).await;
    assert_eq!(answer.status(), 200);
    let view: Value = answer.json().await.unwrap();
    assert_eq!(view["status"], "queued", "{view}");
    assert_eq!(priority(&admin, youngest).await, 100);

    switch_queue(&admin, "platform.echo", "resume").await;
    assert_eq!(
        first_to_start(&app, "platform.echo", ids.len()).await,
        youngest
    );
    let finished = admin.call(Method::POST, &run_now, None).await;
    assert_eq!(finished.status(), 409, "a finished job does not run again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paying_members_diagnosis_goes_ahead_of_older_ones_in_a_backlog() {
    let app = one_at_a_time().await;
    let admin = app.admin().await;
    let (everyone, member) = (app.verified_user().await, app.verified_user().await);
    app.sql(&format!(
        "INSERT INTO memberships (user_id, paid_fen) SELECT id, 1000 FROM users WHERE email = '{}'",
        member.email
    ))
    .await;
    let mut requests = Vec::new();
    for user in [&everyone, &member] {
        let resume = read_resume(user, PLAIN_RESUME.as_bytes().to_vec(), "jane.txt").await;
        let target = json!({ "title": "Backend Engineer", "description": GO_AND_KUBERNETES });
        requests.push(json!({ "resume_id": resume, "target": target }));
    }
    switch_queue(&admin, "resume.diagnose", "pause").await;
    let diagnose = async |user: &User, request: &Value| -> Uuid {
        let accepted = user
            .call(Method::POST, "/api/v1/diagnoses", Some(request))
            .await;
        assert_eq!(accepted.status(), 202);
        let view: Value = accepted.json().await.unwrap();
        view["id"].as_str().unwrap().parse().unwrap()
    };
    for _ in 0..3 {
        diagnose(&everyone, &requests[0]).await;
    }
    let members = diagnose(&member, &requests[1]).await;
    assert_eq!(priority(&admin, members).await, 10);

    switch_queue(&admin, "resume.diagnose", "resume").await;
    assert_eq!(first_to_start(&app, "resume.diagnose", 4).await, members);
}

//! Operating the queues: a paused queue holds its jobs in PostgreSQL, across restarts of
//! every process and a Redis that lost its data, and drains once resumed; its depth shows
//! on the dispatcher's metrics.

use prepq_tests::{TestApp, wait_until};
use reqwest::Method;
use serde_json::Value;

use crate::JOB_DEADLINE;

const DUE_ECHOES: &str = r#"prepq_queue_depth{kind="platform.echo",state="due"}"#;

/// Waits for `cycles` more dispatch cycles of the worker at `index`.
async fn dispatch_cycles(app: &TestApp, index: usize, cycles: f64) {
    let name = "prepq_dispatch_cycle_seconds_count";
    let from = app.worker_counter(index, name).await;
    wait_until("more dispatch cycles", JOB_DEADLINE, || async {
        (app.worker_counter(index, name).await >= from + cycles).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_queue_holds_its_jobs_across_restarts_and_drains_once_resumed() {
    let mut app = TestApp::builder().workers(1).start().await;
    let admin = app.admin().await;
    let user = app.user().await;
    let paused: Value = admin
        .call(
            Method::POST,
            "/api/v1/admin/queues/platform.echo/pause",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paused["paused"], true, "{paused}");

    let ids = user.echo_many(20, 0, 4).await;
    wait_until(
        "the depth gauge to count the waiting jobs",
        JOB_DEADLINE,
        || async { (app.worker_counter(0, DUE_ECHOES).await == 20.0).then_some(()) },
    )
    .await;
    dispatch_cycles(&app, 0, 10.0).await;
    let held = |jobs: Vec<prepq_schema::jobs::JobRow>| {
        jobs.iter().all(|j| j.status == "queued" && j.attempt == 0)
    };
    assert!(held(app.jobs_of_kind("platform.echo").await));
    let queue = admin.queue("platform.echo").await;
    assert_eq!(
        (&queue["due"], &queue["window"]),
        (&20.into(), &0.into()),
        "{queue}"
    );

    // Every process restarts, and Redis comes back empty: the pause is PostgreSQL's.
    app.workers[0].kill_hard();
    app.redis.restart().await;
    app.restart_api().await;
    let worker = app.start_worker(&[]).await;
    dispatch_cycles(&app, worker, 10.0).await;
    assert!(held(app.jobs_of_kind("platform.echo").await));
    assert_eq!(admin.queue("platform.echo").await["paused"], true);
    let normal = user
        .call(
            Method::POST,
            "/api/v1/admin/queues/platform.echo/resume",
            None,
        )
        .await;
    assert_eq!(normal.status(), 403);

    let resumed = admin
        .call(
            Method::POST,
            "/api/v1/admin/queues/platform.echo/resume",
            None,
        )
        .await;
    assert_eq!(resumed.status(), 200);
    wait_until("every held job to succeed", JOB_DEADLINE, || async {
        let jobs = app.jobs_of_kind("platform.echo").await;
        let done = jobs.iter().filter(|j| j.status == "succeeded").count();
        (done == ids.len()).then_some(())
    })
    .await;
    wait_until("the depth gauge to fall back", JOB_DEADLINE, || async {
        (app.worker_counter(worker, DUE_ECHOES).await == 0.0).then_some(())
    })
    .await;
    let unknown = admin
        .call(
            Method::POST,
            "/api/v1/admin/queues/no.such.kind/pause",
            None,
        )
        .await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_cancels_one_queued_job_then_a_queues_whole_backlog() {
    let app = TestApp::builder().workers(1).start().await;
    let admin = app.admin().await;
    let user = app.user().await;
    let pause = "/api/v1/admin/queues/platform.echo/pause";
    assert_eq!(admin.call(Method::POST, pause, None).await.status(), 200);
    let ids = user.echo_many(30, 0, 4).await;

    let one = format!("/api/v1/admin/jobs/{}/cancel", ids[0]);
    assert_eq!(user.call(Method::POST, &one, None).await.status(), 403);
    let cancelled: Value = admin
        .call(Method::POST, &one, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    assert_eq!(admin.call(Method::POST, &one, None).await.status(), 409);

    let all = "/api/v1/admin/jobs/cancel?kind=platform.echo";
    assert_eq!(user.call(Method::POST, all, None).await.status(), 403);
    let other: Value = admin
        .call(
            Method::POST,
            "/api/v1/admin/jobs/cancel?kind=resume.extract",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other["matched"], 0);
    let bulk: Value = admin
        .call(Method::POST, all, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        bulk,
        serde_json::json!({"matched": 29, "cancelled": 29, "more": false})
    );
    let jobs = app.jobs_of_kind("platform.echo").await;
    assert!(
        jobs.iter()
            .all(|j| j.status == "cancelled" && j.attempt == 0)
    );
    assert_eq!(jobs.len(), ids.len());
}

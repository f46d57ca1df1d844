use std::time::Duration;

use prepq_tests::{TestApp, wait_until};
use serde_json::Value;

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn transient_failures_are_retried_with_backoff_then_given_up_readably() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let recovers = user.echo_failing("third time", 2).await;
    let hopeless = user.echo_failing("never", 10).await;

    let recovered = user.finished(recovers.id, JOB_DEADLINE).await;
    assert_eq!(
        (recovered.status.as_str(), recovered.attempt),
        ("succeeded", 3)
    );
    assert_eq!(recovered.result.unwrap()["message"], "third time");

    let failed = user.finished(hopeless.id, JOB_DEADLINE).await;
    assert_eq!((failed.status.as_str(), failed.attempt), ("failed", 5));
    assert_eq!(
        failed.error.as_deref(),
        Some(
            "gave up after 5 attempts: echo asked to fail its first 10 attempts (this was attempt 5)"
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_job_never_runs() {
    let mut app = TestApp::builder().start().await;
    let user = app.user().await;
    let doomed = user.echo("cancel me", 0).await;
    let cancel = user
        .post_json(
            &format!("/api/v1/jobs/{}/cancel", doomed.id),
            &Value::Null,
            None,
        )
        .await;
    assert_eq!(cancel.status(), 200);
    let again = user
        .post_json(
            &format!("/api/v1/jobs/{}/cancel", doomed.id),
            &Value::Null,
            None,
        )
        .await;
    assert_eq!(again.status(), 409);

    // Pushed after the cancelled one, so done after the worker has seen it too.
    let later = user.echo("after", 0).await;
    app.start_worker(&[]).await;
    assert_eq!(
        user.finished(later.id, JOB_DEADLINE).await.status,
        "succeeded"
    );
    let doomed = user.job(doomed.id).await;
    assert_eq!((doomed.status.as_str(), doomed.attempt), ("cancelled", 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_the_running_job_finish_then_exits_cleanly() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let job = user.echo("draining", 1500).await;
    wait_until("the job to run", JOB_DEADLINE, || async {
        (user.job(job.id).await.status == "running").then_some(())
    })
    .await;

    let mut app = app;
    let worker = &mut app.workers[0];
    worker.terminate();
    let status = worker.wait_exit(Duration::from_secs(30)).await;
    assert!(status.success(), "worker exited with {status}");
    let job = user.job(job.id).await;
    assert_eq!((job.status.as_str(), job.attempt), ("succeeded", 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn job_list_pages_with_a_cursor_and_filters() {
    let app = TestApp::builder().start().await;
    let user = app.user().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(user.echo(&format!("job {n}"), 0).await.id);
    }
    let cancelled = ids[1];
    user.post_json(
        &format!("/api/v1/jobs/{cancelled}/cancel"),
        &Value::Null,
        None,
    )
    .await;

    let mut seen = Vec::new();
    let mut path = "/api/v1/jobs?limit=2".to_owned();
    loop {
        let page: Value = user.get(&path).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|j| j["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/jobs?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let newest_first: Vec<String> = ids.iter().rev().map(ToString::to_string).collect();
    assert_eq!(seen, newest_first);

    let filtered: Value = user
        .get("/api/v1/jobs?status=cancelled&kind=platform.echo")
        .await
        .json()
        .await
        .unwrap();
    let filtered: Vec<&str> = filtered["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(filtered, [cancelled.to_string()]);
    assert_eq!(user.get("/api/v1/jobs?status=done").await.status(), 400);
}

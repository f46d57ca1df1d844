//! An administrator sees each attempt of a job: the worker that ran it, how it ended, why.

use std::time::Duration;

use prepq_tests::{TestApp, User, wait_until};
use serde_json::Value;
use uuid::Uuid;

use crate::JOB_DEADLINE;

async fn detail(admin: &User, job: Uuid) -> Value {
    let response = admin.get(&format!("/api/v1/admin/jobs/{job}")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn field<'a>(detail: &'a Value, name: &str) -> Vec<&'a str> {
    detail["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a[name].as_str().unwrap_or(""))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_attempt_shows_its_worker_and_outcome_and_a_killed_workers_shows_its_lease_expiry() {
    let mut app = TestApp::builder().workers(1).start().await;
    let admin = app.admin().await;
    let user = app.user().await;
    let first_pid = app.workers[0].pid();

    let recovers = user.echo_failing("third time", 2).await;
    user.finished(recovers.id, JOB_DEADLINE).await;
    let retried = detail(&admin, recovers.id).await;
    assert_eq!(retried["job"]["status"], "succeeded");
    assert_eq!(
        field(&retried, "outcome"),
        ["retried", "retried", "succeeded"]
    );
    assert_eq!(
        field(&retried, "error"),
        [
            "echo asked to fail its first 2 attempts (this was attempt 1)",
            "echo asked to fail its first 2 attempts (this was attempt 2)",
            ""
        ]
    );
    for worker in field(&retried, "worker") {
        assert!(worker.contains(&format!("-{first_pid}-")), "{worker}");
    }
    assert!(retried["attempts"][2]["duration_ms"].as_i64().unwrap() >= 0);

    // Killed mid-attempt: that attempt ends when its lease does, the next one succeeds.
    let survives = user.echo("survive", 3000).await;
    wait_until("the job to run", JOB_DEADLINE, || async {
        (user.job(survives.id).await.status == "running").then_some(())
    })
    .await;
    let running = detail(&admin, survives.id).await;
    assert_eq!(running["attempts"][0]["outcome"], Value::Null);
    app.workers[0].kill_hard();
    app.start_worker(&[]).await;
    let done = user.finished(survives.id, Duration::from_secs(45)).await;
    assert_eq!(done.status, "succeeded");
    let recovered = detail(&admin, survives.id).await;
    assert_eq!(field(&recovered, "outcome"), ["lease_expired", "succeeded"]);
    assert!(
        field(&recovered, "error")[0].contains("stopped responding during attempt 1"),
        "{recovered}"
    );

    assert_eq!(
        user.get(&format!("/api/v1/admin/jobs/{}", survives.id))
            .await
            .status(),
        403
    );
    let unknown = admin
        .get(&format!("/api/v1/admin/jobs/{}", Uuid::nil()))
        .await;
    assert_eq!(unknown.status(), 404);
}

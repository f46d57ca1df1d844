use prepq_tests::{JobView, TestApp};
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn same_idempotency_key_returns_the_same_job_which_runs_once() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let body = json!({"message": "once"});

    let first = user
        .post_json("/api/v1/jobs/echo", &body, Some("order-42"))
        .await;
    let second = user
        .post_json("/api/v1/jobs/echo", &body, Some("order-42"))
        .await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (202, 202)
    );
    let first: JobView = first.json().await.unwrap();
    let second: JobView = second.json().await.unwrap();
    assert_eq!(first.id, second.id);

    let job = user.finished(first.id, JOB_DEADLINE).await;
    assert_eq!((job.status.as_str(), job.attempt), ("succeeded", 1));
    let listed: Value = user.get("/api/v1/jobs").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    let reused = user
        .post_json(
            "/api/v1/jobs/echo",
            &json!({"message": "something else"}),
            Some("order-42"),
        )
        .await;
    assert_eq!(reused.status(), 409);
    let error: Value = reused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "idempotency_key_reused");
}

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

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_upload_with_its_key_is_the_same_job_and_stores_one_file() {
    let app = TestApp::builder().start().await;
    let user = app.user().await;
    let pdf = prepq_tests::fixture("rm_john_doe.pdf");
    for path in ["/api/v1/resumes", "/api/v1/jobs/resume-extract"] {
        let key = format!("upload:{path}");
        let upload = |bytes: Vec<u8>| user.upload_keyed(path, bytes, "cv.pdf", Some(&key));
        let first = upload(pdf.clone()).await;
        assert_eq!(first.status(), 202, "{path}");
        let first: Value = first.json().await.unwrap();
        let retried = upload(pdf.clone()).await;
        assert_eq!(retried.status(), 202, "{path}: the retry");
        let retried: Value = retried.json().await.unwrap();
        assert_eq!(retried["id"], first["id"], "{path}: the same resume or job");

        let other = upload(prepq_tests::fixture("scorelia_sample_resume.docx")).await;
        assert_eq!(other.status(), 409, "{path}: other bytes under the key");
        let error: Value = other.json().await.unwrap();
        assert_eq!(error["error"]["code"], "idempotency_key_reused");
    }
    let files: Value = user.get("/api/v1/files").await.json().await.unwrap();
    assert_eq!(
        files["items"].as_array().unwrap().len(),
        2,
        "one file per first upload, none for the retries or the refusals: {files}"
    );
}

/// Concurrent retries of one request, which the API may insert in one batch, are one job.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_requests_under_one_key_are_one_job() {
    let app = TestApp::builder().start().await;
    let user = app.user().await;
    let body = json!({"message": "at once"});
    let answers = futures::future::join_all(
        (0..16).map(|_| user.post_json("/api/v1/jobs/echo", &body, Some("burst"))),
    )
    .await;
    let mut ids = std::collections::HashSet::new();
    for answer in answers {
        assert_eq!(answer.status(), 202);
        ids.insert(answer.json::<JobView>().await.unwrap().id);
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    let listed: Value = user.get("/api/v1/jobs").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

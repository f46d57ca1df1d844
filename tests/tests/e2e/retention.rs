//! Finished jobs whose record lives elsewhere are pruned after the retention window; the
//! jobs that are the product's record (analyses, resume readings) stay.

use prepq_tests::{GO_AND_KUBERNETES, PLAIN_RESUME, TestApp, analysed, read_resume, wait_until};
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn finished_echo_jobs_past_the_window_go_and_analyses_stay() {
    let mut app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "30")
        .worker_env("PREPQ_JOB_RETENTION_SECS", "1")
        .start()
        .await;
    app.start_worker(&[]).await;
    let user = app.verified_user().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    let target = json!({ "title": "Backend", "description": GO_AND_KUBERNETES });
    let diagnosis = analysed(
        &user,
        "/api/v1/diagnoses",
        json!({ "resume_id": resume, "target": target }),
    )
    .await;
    assert_eq!(diagnosis["status"], "succeeded", "{diagnosis}");
    let echo = user.echo("prune me", 0).await;
    let done = user.finished(echo.id, JOB_DEADLINE).await;
    assert_eq!(done.status, "succeeded");

    wait_until(
        "the finished echo job to be pruned",
        JOB_DEADLINE,
        || async {
            app.jobs_of_kind("platform.echo")
                .await
                .is_empty()
                .then_some(())
        },
    )
    .await;
    let gone = user.get(&format!("/api/v1/jobs/{}", echo.id)).await;
    assert_eq!(gone.status(), 404);
    // Counted once the pass is over, which can be after the rows are seen gone.
    wait_until("the pruning to be counted", JOB_DEADLINE, || async {
        (app.worker_counter(0, "prepq_jobs_pruned_total").await >= 1.0).then_some(())
    })
    .await;

    let listed: Value = user.get("/api/v1/diagnoses").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["id"], diagnosis["id"], "{listed}");
    assert_eq!(listed["items"][0]["status"], "succeeded");
    let resume: Value = user
        .get(&format!("/api/v1/resumes/{resume}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resume["status"], "succeeded", "{resume}");
    assert_eq!(app.jobs_of_kind("resume.extract").await.len(), 1);
}

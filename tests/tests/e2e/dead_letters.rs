//! Dead letters: the jobs that failed for good, found by their error and retried in bulk.

use futures::StreamExt;
use prepq_tests::{JobView, TestApp, User, wait_until};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::JOB_DEADLINE;

/// Echo jobs that fail their first `fails` attempts: with five attempts, those asking for
/// five or more failures end failed.
async fn failing(user: &User, count: usize, fails: u32) -> Vec<Uuid> {
    futures::stream::iter(0..count)
        .map(|n| async move { user.echo_failing(&format!("doomed {n}"), fails).await.id })
        .buffer_unordered(16)
        .collect()
        .await
}

async fn all_in(user: &User, jobs: &[Uuid], status: &str) -> Vec<JobView> {
    wait_until(&format!("every job {status}"), JOB_DEADLINE * 2, || async {
        let mut views = Vec::new();
        for id in jobs {
            let job = user.job(*id).await;
            if job.status != status {
                return None;
            }
            views.push(job);
        }
        Some(views)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_retry_of_300_failed_jobs_matching_an_error_runs_each_once() {
    let app = TestApp::builder().workers(1).start().await;
    let admin = app.admin().await;
    let user = app.user().await;
    let matching = failing(&user, 300, 5).await;
    let others = failing(&user, 20, 6).await;
    all_in(&user, &matching, "failed").await;
    all_in(&user, &others, "failed").await;

    let listed: Value = admin
        .get("/api/v1/admin/dead-letters?kind=platform.echo&error=FIRST%205%20ATTEMPTS&limit=100")
        .await
        .json()
        .await
        .unwrap();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 100);
    assert!(
        items
            .iter()
            .all(|j| matching.contains(&j["id"].as_str().unwrap().parse().unwrap()))
    );

    let retry = "/api/v1/admin/dead-letters/retry?kind=platform.echo&error=first%205%20attempts";
    let retried = admin.call(Method::POST, retry, None).await;
    assert_eq!(retried.status(), 200);
    let retried: Value = retried.json().await.unwrap();
    assert_eq!(
        retried,
        json!({"matched": 300, "retried": 300, "unaffordable": 0, "more": false})
    );

    // Each ran once more: its sixth attempt, past the five it was asked to fail.
    for job in all_in(&user, &matching, "succeeded").await {
        assert_eq!(job.attempt, 6, "{}", job.id);
    }
    for id in &others {
        assert_eq!(user.job(*id).await.status, "failed");
    }
    let again: Value = admin
        .call(Method::POST, retry, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["matched"], 0);
    assert_eq!(user.call(Method::POST, retry, None).await.status(), 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_delete_takes_the_matching_failed_jobs_and_keeps_a_resumes_reading() {
    let app = TestApp::builder().workers(1).start().await;
    let admin = app.admin().await;
    let user = app.user().await;
    let matching = failing(&user, 30, 5).await;
    let others = failing(&user, 4, 6).await;
    let resume: Value = user
        .upload_to(
            "/api/v1/resumes",
            prepq_tests::files::blank_pdf(500),
            "long.pdf",
        )
        .await
        .json()
        .await
        .unwrap();
    let reading: Uuid = resume["job_id"].as_str().unwrap().parse().unwrap();
    all_in(&user, &matching, "failed").await;
    all_in(&user, &others, "failed").await;
    all_in(&user, &[reading], "failed").await;

    let delete = "/api/v1/admin/dead-letters/delete?kind=platform.echo&error=first%205%20attempts";
    assert_eq!(user.call(Method::POST, delete, None).await.status(), 403);
    let deleted: Value = admin
        .call(Method::POST, delete, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        deleted,
        json!({"matched": 30, "deleted": 30, "kept": 0, "more": false})
    );
    for id in &matching {
        let gone = user.get(&format!("/api/v1/jobs/{id}")).await;
        assert_eq!(gone.status(), 404, "{id}");
    }
    for id in &others {
        assert_eq!(user.job(*id).await.status, "failed");
    }

    let one = format!("/api/v1/admin/dead-letters/{}", others[0]);
    assert_eq!(admin.call(Method::DELETE, &one, None).await.status(), 204);
    assert_eq!(admin.call(Method::DELETE, &one, None).await.status(), 404);
    let in_use = format!("/api/v1/admin/dead-letters/{reading}");
    let refused = admin.call(Method::DELETE, &in_use, None).await;
    assert_eq!(refused.status(), 409);

    // Everything else that failed: three echoes, and the reading stays with its resume.
    let rest: Value = admin
        .call(Method::POST, "/api/v1/admin/dead-letters/delete", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        rest,
        json!({"matched": 4, "deleted": 3, "kept": 1, "more": false})
    );
    assert_eq!(user.job(reading).await.status, "failed");
}

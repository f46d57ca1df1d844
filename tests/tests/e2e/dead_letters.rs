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

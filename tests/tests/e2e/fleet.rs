//! The worker fleet as operators see it: each process listed with what it serves; a killed
//! one shown gone; a quieted one draining as on SIGTERM, then stopped.

use std::time::Duration;

use prepq_tests::{TestApp, User, wait_until};
use reqwest::Method;
use serde_json::Value;

use crate::JOB_DEADLINE;

const ALIVE_ECHO: &str = r#"prepq_workers_alive{kind="platform.echo"}"#;

async fn fleet(admin: &User) -> Vec<Value> {
    let listed: Value = admin
        .get("/api/v1/admin/workers")
        .await
        .json()
        .await
        .unwrap();
    listed.as_array().unwrap().clone()
}

/// The fleet's entry of the process with `pid`, once it is in `state`.
async fn in_state(admin: &User, pid: i32, state: &str) -> Value {
    wait_until(
        &format!("worker {pid} to be {state}"),
        JOB_DEADLINE,
        || async {
            fleet(admin)
                .await
                .into_iter()
                .find(|w| w["pid"] == pid && w["state"] == state)
        },
    )
    .await
}

/// Waits until the acting dispatcher, whichever of the `live` workers it is, counts
/// `expected` processes serving the echo queue.
async fn serving(app: &TestApp, live: std::ops::Range<usize>, expected: f64) {
    wait_until("the workers-alive gauge", JOB_DEADLINE, || async {
        let mut alive = 0.0;
        for index in live.clone() {
            alive += app.worker_counter(index, ALIVE_ECHO).await;
        }
        (alive == expected).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_worker_shows_gone_and_a_quieted_one_drains_and_stops() {
    let mut app = TestApp::builder()
        .api_env("PREPQ_WORKER_GONE_SECS", "3")
        .workers(2)
        .start()
        .await;
    let admin = app.admin().await;
    let (doomed, quieted) = (app.workers[0].pid(), app.workers[1].pid());
    let alive = in_state(&admin, quieted, "alive").await;
    in_state(&admin, doomed, "alive").await;
    assert!(
        alive["queues"]
            .as_array()
            .unwrap()
            .contains(&"platform.echo".into()),
        "{alive}"
    );
    assert!(
        alive["id"]
            .as_str()
            .unwrap()
            .contains(&format!("-{quieted}-"))
    );

    serving(&app, 0..2, 2.0).await;

    app.workers[0].kill_hard();
    in_state(&admin, doomed, "gone").await;
    serving(&app, 1..2, 1.0).await;

    // Quieted while it runs a job: the job finishes, then the process ends.
    let user = app.user().await;
    let job = user.echo("finish me", 1500).await;
    wait_until("the job to run", JOB_DEADLINE, || async {
        (user.job(job.id).await.status == "running").then_some(())
    })
    .await;
    let id = alive["id"].as_str().unwrap();
    let asked = admin
        .call(
            Method::POST,
            &format!("/api/v1/admin/workers/{id}/quiet"),
            None,
        )
        .await;
    assert_eq!(asked.status(), 200);
    let status = app.workers[1].wait_exit(Duration::from_secs(60)).await;
    assert!(status.success(), "{status}");
    assert_eq!(user.job(job.id).await.status, "succeeded");
    let stopped = in_state(&admin, quieted, "stopped").await;
    assert!(!stopped["quiet_requested_at"].is_null(), "{stopped}");

    let again = admin
        .call(
            Method::POST,
            &format!("/api/v1/admin/workers/{id}/quiet"),
            None,
        )
        .await;
    assert_eq!(again.status(), 409);
    let unknown = admin
        .call(Method::POST, "/api/v1/admin/workers/nobody/quiet", None)
        .await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(user.get("/api/v1/admin/workers").await.status(), 403);
}

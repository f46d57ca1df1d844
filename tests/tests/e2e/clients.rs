//! The OpenAPI document is the contract: a Python client generated from it by
//! openapi-python-client runs the main flow against a live platform with no hand-written
//! request (`tests/client/flow.py`).

use std::{path::Path, time::Duration};

use prepq_tests::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn a_client_generated_from_the_spec_runs_the_main_flow() {
    let python = std::env::var("PREPQ_CLIENT_PYTHON").expect(
        "PREPQ_CLIENT_PYTHON names the virtualenv's python with the generated client: run through scripts/test",
    );
    let app = TestApp::builder().workers(1).start().await;
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = tokio::process::Command::new(python)
        .arg(here.join("client/flow.py"))
        .arg("--api")
        .arg(format!("{}/api/v1", app.base_url))
        .arg("--outbox")
        .arg(app.outbox())
        .arg("--resume")
        .arg(here.join("fixtures/rm_john_doe.pdf"))
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("the flow ends within five minutes")
        .expect("running the flow");
    assert!(
        output.status.success(),
        "the generated client's flow failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

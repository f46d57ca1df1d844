//! Every answer validates against the OpenAPI document: schemathesis generates requests
//! from it (valid and invalid, a bounded number per operation), signed in as a user and as
//! an administrator, and finds no server error, no answer off its schema and no status the
//! document does not list.

use std::{path::Path, time::Duration};

use prepq_tests::{PayProvider, TestApp, User};

/// Checks of the contract; the others (e.g. what a server should accept) are opinions.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

async fn schemathesis(app: &TestApp, caller: &User, name: &str) {
    let python = std::env::var("PREPQ_CLIENT_PYTHON").expect(
        "PREPQ_CLIENT_PYTHON names the virtualenv's python with schemathesis: run through scripts/test",
    );
    let bin = Path::new(&python).with_file_name("schemathesis");
    let report = app.run_dir().join(format!("schemathesis-{name}"));
    let run = tokio::process::Command::new(bin)
        .arg("run")
        .arg(format!("{}/openapi.json", app.base_url))
        .args(["--url", &format!("{}/api/v1", app.base_url)])
        .args(["--checks", CHECKS])
        .args(["--max-examples", "8", "--seed", "1", "--no-color"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--generation-deterministic"])
        .args([
            "--header",
            &format!("Authorization: Bearer {}", caller.token),
        ])
        // Streams never end on their own (the live socket is checked message by message
        // in its scenarios); deleting the account would end the session.
        .args(["--exclude-path-regex", "(events|live)$"])
        .args([
            "--exclude-path",
            "/auth/account",
            "--exclude-path",
            "/auth/logout",
        ])
        .args(["--exclude-path", "/auth/password"])
        .arg("--report-dir")
        .arg(&report)
        .env("SCHEMATHESIS_HOOKS", "")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(600), run)
        .await
        .expect("schemathesis ends within ten minutes")
        .expect("running schemathesis");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis as {name} found answers off the contract:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A run that tested nothing would pass too: it must have covered the operations.
    let tested = operations_passed(&stdout);
    eprintln!("schemathesis as {name}: {tested} operations kept the contract");
    assert!(
        tested >= 40,
        "schemathesis as {name} tested {tested} operations:\n{stdout}"
    );
}

/// The first `N passed` figure of schemathesis's summary: operations that passed.
fn operations_passed(summary: &str) -> usize {
    summary
        .lines()
        .find_map(|line| {
            let (before, _) = line.split_once(" passed")?;
            before.split_whitespace().last()?.parse().ok()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_to_generated_requests_keeps_the_contract() {
    let provider = PayProvider::start().await;
    let app = TestApp::builder()
        .payments(&provider)
        .api_env("PREPQ_RATE_ENQUEUE_USER", "100000/1m")
        .api_env("PREPQ_RATE_ORDER_USER", "100000/1m")
        .api_env("PREPQ_RATE_RESET_IP", "100000/1m")
        .api_env("PREPQ_RATE_RESET_CONFIRM_IP", "100000/1m")
        .api_env("PREPQ_RATE_MAIL_ACCOUNT", "100000/1m")
        .api_env("PREPQ_RATE_LOGIN_ACCOUNT", "100000/1m")
        .workers(1)
        .start()
        .await;
    let user = app.verified_user().await;
    schemathesis(&app, &user, "user").await;
    let admin = app.admin().await;
    schemathesis(&app, &admin, "admin").await;
}

//! The administrators' console in a real headless Chromium: an administrator signs in,
//! retries a dead letter and pauses a queue from the page; a normal user gets no console.
//! Each page's screenshot is kept under the scenario's run folder.

use std::path::{Path, PathBuf};

use prepq_tests::{Browser, PASSWORD, TestApp, User, wait_until};

use crate::JOB_DEADLINE;

async fn sign_in(browser: &mut Browser, email: &str) {
    let ready = "document.body?.dataset.ready === 'true'";
    browser.wait_for("the console's script", ready).await;
    browser.fill("#sign-in input[name=email]", email).await;
    browser
        .fill("#sign-in input[name=password]", PASSWORD)
        .await;
    browser.click("#sign-in button[type=submit]").await;
}

/// Follows a link of the console's menu and waits for its page.
async fn visit(browser: &mut Browser, page: &str) {
    browser.click(&format!("nav a[href='#/{page}']")).await;
    shown(browser, page).await;
}

async fn shown(browser: &mut Browser, page: &str) {
    let expression = format!("document.getElementById('page').dataset.page === '{page}'");
    browser
        .wait_for(&format!("the {page} page"), &expression)
        .await;
}

/// Photographs the page as `name`.png and checks a picture was written.
async fn keep(browser: &mut Browser, shots: &Path, name: &str) {
    let path = shots.join(format!("{name}.png"));
    browser.screenshot(&path).await;
    let png = std::fs::read(&path).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 4_000,
        "{name}.png"
    );
}

async fn job_status(user: &User, id: uuid::Uuid, status: &str) {
    wait_until(&format!("the job to be {status}"), JOB_DEADLINE, || async {
        (user.job(id).await.status == status).then_some(())
    })
    .await;
}

fn screenshots(app: &TestApp) -> PathBuf {
    let shots = app.run_dir().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_retries_a_dead_letter_and_pauses_a_queue_from_the_console() {
    let app = TestApp::builder().workers(1).start().await;
    let admin = app.admin().await;
    let user = app.user().await;
    let doomed = user
        .echo_failing("doomed until the console retries it", 5)
        .await
        .id;
    job_status(&user, doomed, "failed").await;
    let shots = screenshots(&app);

    let page = reqwest::get(admin.url("/console")).await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("script-src 'self'") && !policy.contains("unsafe"),
        "{policy}"
    );

    let mut browser = Browser::launch(&app.run_dir()).await;
    browser.open(&admin.url("/console")).await;
    sign_in(&mut browser, &admin.email).await;
    shown(&mut browser, "overview").await;
    keep(&mut browser, &shots, "overview").await;

    visit(&mut browser, "dead-letters").await;
    let row = format!("tr[data-job='{doomed}']");
    assert_eq!(browser.text_of(&format!("{row} .badge")).await, "failed");
    keep(&mut browser, &shots, "dead-letters").await;
    browser
        .click(&format!("{row} button[data-action=retry]"))
        .await;
    assert_eq!(browser.text_of("#notice").await, "queued again");
    job_status(&user, doomed, "succeeded").await;

    browser
        .eval(&format!("location.hash = '#/job/{doomed}'"))
        .await;
    shown(&mut browser, "job").await;
    assert_eq!(browser.text_of("#page p .badge").await, "succeeded");
    let attempts = browser
        .eval("document.querySelectorAll('tr[data-attempt]').length")
        .await;
    assert_eq!(
        attempts, 6,
        "five failed attempts and the one after the retry"
    );
    keep(&mut browser, &shots, "job").await;

    visit(&mut browser, "queues").await;
    let echo = "tr[data-kind='platform.echo']";
    assert_eq!(browser.text_of(&format!("{echo} .badge")).await, "active");
    browser
        .click(&format!("{echo} button[data-action=pause]"))
        .await;
    let paused = format!("document.querySelector(\"{echo} .badge\")?.textContent === 'paused'");
    browser.wait_for("the paused badge", &paused).await;
    keep(&mut browser, &shots, "queues").await;
    assert_eq!(admin.queue("platform.echo").await["paused"], true);

    visit(&mut browser, "workers").await;
    let alive = browser
        .eval("document.querySelectorAll('tr[data-worker] .badge.alive').length")
        .await;
    assert_eq!(alive, 1, "the scenario's one worker");
    keep(&mut browser, &shots, "workers").await;
    for page in ["jobs", "schedules", "stats"] {
        visit(&mut browser, page).await;
        keep(&mut browser, &shots, page).await;
    }

    browser.click("#sign-out").await;
    sign_in(&mut browser, &user.email).await;
    let refused = browser.text_of("#notice.error").await;
    assert!(refused.contains("not an administrator"), "{refused}");
    let menu = browser.eval("document.getElementById('nav').hidden").await;
    assert_eq!(menu, true);
    keep(&mut browser, &shots, "refused").await;
}

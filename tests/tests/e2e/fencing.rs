//! A job's body never runs on two attempts at once: an attempt that cannot renew its lease
//! stops its body before the lease can run out, and a process that wakes from a pause past
//! its fence stops before taking another step.

use std::time::Duration;

use prepq_tests::{ATTEMPT_LOGS, BodyRun, SmtpServer, SmtpStage, TestApp, body_runs, wait_until};

use crate::JOB_DEADLINE;

/// Every body that started has stopped, and each started after the one before stopped.
fn assert_one_at_a_time(runs: &[BodyRun]) {
    for pair in runs.windows(2) {
        let stopped = pair[0].stopped.expect("an earlier body that stopped");
        assert!(
            pair[1].started >= stopped,
            "attempt {} started at {} while attempt {} ran until {stopped}",
            pair[1].attempt,
            pair[1].started,
            pair[0].attempt
        );
    }
}

/// PostgreSQL out of reach for longer than a lease while a 30 s job runs: the attempt
/// that cannot renew stops its body at its fence, and the attempt that takes over after
/// the outage starts only after that.
#[tokio::test(flavor = "multi_thread")]
async fn an_outage_longer_than_the_lease_never_runs_the_body_on_two_attempts_at_once() {
    let mut app = TestApp::builder()
        .workers_db_via_proxy()
        .worker_env("RUST_LOG", ATTEMPT_LOGS)
        .worker_env("PREPQ_LEASE_SECS", "4")
        .worker_env("PREPQ_LEADER_LEASE_SECS", "2")
        .start()
        .await;
    app.start_workers(2, &[]).await;
    let user = app.user().await;
    let job = user.echo("long", 30_000).await;
    wait_until("the job to run", JOB_DEADLINE, || async {
        (user.job(job.id).await.status == "running").then_some(())
    })
    .await;

    let proxy = app.db_proxy.as_ref().expect("the workers' database proxy");
    proxy.break_links();
    // The outage itself: longer than the lease, so the attempt must stop.
    tokio::time::sleep(Duration::from_secs(10)).await;
    proxy.heal();

    let done = user.finished(job.id, Duration::from_secs(120)).await;
    assert_eq!((done.status.as_str(), done.attempt), ("succeeded", 2));
    let runs = body_runs(&app.workers, job.id);
    assert_eq!(
        runs.iter().map(|r| r.attempt).collect::<Vec<_>>(),
        [1, 2],
        "{runs:?}"
    );
    assert!(runs.iter().all(|r| r.stopped.is_some()), "{runs:?}");
    assert_one_at_a_time(&runs);
    let first = &app.workers[runs[0].worker];
    assert!(
        first.log_text().contains("lease not renewed in time"),
        "the first attempt stopped at its fence"
    );
}

/// A worker paused mid-mail for longer than its lease: another worker sends the mail and
/// finishes the job; the paused one, woken, stops at its fence, so it sends nothing and
/// writes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_worker_paused_past_its_lease_neither_mails_nor_writes_when_it_wakes() {
    let smtp = SmtpServer::start().await;
    smtp.hold(SmtpStage::Greeting);
    let mut app = TestApp::builder()
        .smtp(&smtp)
        .worker_env("RUST_LOG", ATTEMPT_LOGS)
        .worker_env("PREPQ_LEASE_SECS", "3")
        .worker_env("PREPQ_LEADER_LEASE_SECS", "2")
        .start()
        .await;
    app.start_worker(&[]).await;
    let user = app.user().await;
    // The verification mail's worker has connected and waits for the greeting.
    smtp.held(1, JOB_DEADLINE).await;
    app.workers[0].pause();
    app.start_worker(&[]).await;
    smtp.release();

    let mail = smtp.nth_mail_to(&user.email, 1, JOB_DEADLINE).await;
    let sent = wait_until("the mail job to succeed", JOB_DEADLINE, || async {
        let job = app.jobs_of_kind("email.send").await.pop()?;
        (job.status == "succeeded").then_some(job)
    })
    .await;
    assert_eq!(sent.attempt, 2);
    let message_id = mail.message_id().unwrap_or_default();
    assert!(message_id.starts_with(&sent.id.to_string()), "{message_id}");

    let ended_before = smtp.sessions_ended();
    app.workers[0].resume();
    wait_until("the woken attempt to stop", JOB_DEADLINE, || async {
        let runs = body_runs(&app.workers[..1], sent.id);
        runs.first()?.stopped.map(|_| ())
    })
    .await;
    wait_until(
        "the woken worker's session to end",
        JOB_DEADLINE,
        || async { (smtp.sessions_ended() > ended_before).then_some(()) },
    )
    .await;
    let woken = app.workers[0].log_text();
    assert!(woken.contains("lease not renewed in time"), "{woken}");
    assert!(!woken.contains("outcome not recorded"), "{woken}");
    assert_eq!(smtp.inbox().len(), 1, "one mail, sent by the second worker");
    let after = app
        .jobs_of_kind("email.send")
        .await
        .pop()
        .expect("the mail job");
    assert_eq!((after.status.as_str(), after.attempt), ("succeeded", 2));
    assert_eq!(after.finished_at, sent.finished_at, "nothing written since");
}

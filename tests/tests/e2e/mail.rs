use prepq_tests::{ReceivedMail, SmtpServer, SmtpStage, TestApp, wait_until};

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn mail_waits_out_an_smtp_outage_and_is_delivered_once() {
    let mut smtp = SmtpServer::down();
    let app = TestApp::builder().smtp(&smtp).workers(1).start().await;
    let user = app.user().await;

    let failing = wait_until(
        "the mail job to have failed three attempts",
        JOB_DEADLINE,
        || async {
            let job = app.jobs_of_kind("email.send").await.pop()?;
            (job.attempt >= 3 && job.status == "queued").then_some(job)
        },
    )
    .await;
    let reason = failing.error.unwrap_or_default();
    assert!(reason.contains("could not take the message"), "{reason}");

    smtp.up().await;
    let mail = smtp.nth_mail_to(&user.email, 1, JOB_DEADLINE).await;
    assert!(mail.text().contains("/api/v1/auth/verify-email?token="));
    let sent = wait_until("the mail job to succeed", JOB_DEADLINE, || async {
        let job = app.jobs_of_kind("email.send").await.pop()?;
        (job.status == "succeeded").then_some(job)
    })
    .await;
    assert!(sent.attempt >= 4);
    assert_eq!(smtp.inbox().len(), 1, "delivered exactly once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_recipient_fails_the_mail_job_with_the_servers_reason() {
    let smtp = SmtpServer::start().await;
    smtp.refuse("bounce@example.com");
    let app = TestApp::builder().smtp(&smtp).workers(1).start().await;
    assert_eq!(
        app.register("bounce@example.com", prepq_tests::PASSWORD)
            .await
            .status(),
        201
    );

    let failed = wait_until("the mail job to fail", JOB_DEADLINE, || async {
        let job = app.jobs_of_kind("email.send").await.pop()?;
        (job.status == "failed").then_some(job)
    })
    .await;
    assert_eq!(failed.attempt, 1, "a permanent refusal is not retried");
    let reason = failed.error.unwrap_or_default();
    assert!(
        reason.contains("refused") && reason.contains("no such mailbox"),
        "{reason}"
    );
    assert!(smtp.inbox().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_smtp_host_mail_lands_in_the_outbox() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let outbox = app.outbox();
    let written = wait_until("a mail in the outbox", JOB_DEADLINE, || async {
        let entries = std::fs::read_dir(&outbox).ok()?;
        entries
            .filter_map(Result::ok)
            .map(|e| ReceivedMail {
                from: String::new(),
                to: Vec::new(),
                data: std::fs::read(e.path()).unwrap_or_default(),
            })
            .find(|mail| String::from_utf8_lossy(&mail.data).contains(&user.email))
    })
    .await;
    assert_eq!(written.subject(), "请验证您的 PrepQ 邮箱地址");
    assert!(written.text().contains("/api/v1/auth/verify-email?token="));
    let job = wait_until("the mail job to succeed", JOB_DEADLINE, || async {
        let job = app.jobs_of_kind("email.send").await.pop()?;
        (job.status == "succeeded").then_some(job)
    })
    .await;
    assert_eq!(job.result.unwrap()["via"], "outbox");
}

/// A mail's Message-ID is its job's: an attempt repeated after a send whose outcome was
/// lost sends the same message again, not a second one.
#[tokio::test(flavor = "multi_thread")]
async fn every_attempt_of_a_mail_job_sends_the_message_id_of_its_job() {
    let mut smtp = SmtpServer::down();
    let app = TestApp::builder().smtp(&smtp).workers(1).start().await;
    let user = app.user().await;
    wait_until(
        "the mail job to have failed an attempt",
        JOB_DEADLINE,
        || async {
            let job = app.jobs_of_kind("email.send").await.pop()?;
            (job.attempt >= 2).then_some(())
        },
    )
    .await;
    smtp.up().await;
    let mail = smtp.nth_mail_to(&user.email, 1, JOB_DEADLINE).await;
    let job = app
        .jobs_of_kind("email.send")
        .await
        .pop()
        .expect("the mail job");
    let id = mail.message_id().expect("a Message-ID");
    assert!(
        id.starts_with(&job.id.to_string()),
        "{id} is not job {}",
        job.id
    );
    assert!(
        job.attempt >= 2,
        "sent on a later attempt, with the job's id all the same"
    );
}

/// The mail is accepted, and then the write of the job's success fails: the result is
/// written when PostgreSQL is back instead of the mail being sent again.
#[tokio::test(flavor = "multi_thread")]
async fn a_mail_whose_outcome_write_fails_once_is_sent_once() {
    let smtp = SmtpServer::start().await;
    smtp.hold(SmtpStage::DataReply);
    let app = TestApp::builder()
        .smtp(&smtp)
        .workers_db_via_proxy()
        .workers(1)
        .start()
        .await;
    let user = app.user().await;
    // The message is kept; the worker waits for the server's 250.
    smtp.held(1, JOB_DEADLINE).await;
    let proxy = app.db_proxy.as_ref().expect("the workers' database proxy");
    proxy.break_links();
    smtp.release();
    wait_until("the success write to fail", JOB_DEADLINE, || async {
        let log = app.workers[0].log_text();
        log.contains("recording results failed; trying again")
            .then_some(())
    })
    .await;
    proxy.heal();

    let sent = wait_until("the mail job to succeed", JOB_DEADLINE, || async {
        let job = app.jobs_of_kind("email.send").await.pop()?;
        (job.status == "succeeded").then_some(job)
    })
    .await;
    assert_eq!(sent.attempt, 1, "the body did not run again");
    let inbox = smtp.mail_to(&user.email);
    assert_eq!(inbox.len(), 1, "sent once");
    let id = inbox[0].message_id().unwrap_or_default();
    assert!(id.starts_with(&sent.id.to_string()), "{id}");
}

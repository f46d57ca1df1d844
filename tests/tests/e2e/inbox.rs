//! Telling a user that a long job finished: once in the inbox, once by mail, once by
//! webhook and on their event stream, as their preferences say.

use prepq_tests::{SmtpServer, TestApp, User, WebhookReceiver, verify, wait_until};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    JOB_DEADLINE,
    webhooks::{add_endpoint, finish_a_job},
};

/// In Chinese, new users' language.
const FINISHED_SUBJECT: &str = "您的 PrepQ 任务已完成";

async fn messages(user: &User) -> Vec<Value> {
    let page: Value = user.get("/api/v1/messages").await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn unread(user: &User) -> i64 {
    let count: Value = user
        .get("/api/v1/messages/unread-count")
        .await
        .json()
        .await
        .unwrap();
    count["unread"].as_i64().unwrap()
}

/// Waits until every notice is told and every mail job has ended.
pub async fn all_told(app: &TestApp) {
    wait_until(
        "every notice to be told and mailed",
        JOB_DEADLINE,
        || async {
            let pending = app
                .sql_figure("SELECT count(*) FROM notices WHERE fanned_at IS NULL")
                .await;
            let told = app.sql_figure("SELECT count(*) FROM notices").await;
            let mailing = app.jobs_of_kind("email.send").await;
            let delivering = app.jobs_of_kind("webhook.deliver").await;
            let idle = mailing
                .iter()
                .chain(&delivering)
                .all(|j| j.finished_at.is_some());
            (told > 0 && pending == 0 && idle).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_job_is_told_once_in_the_inbox_by_mail_by_webhook_and_on_the_stream() {
    let smtp = SmtpServer::start().await;
    let receiver = WebhookReceiver::start().await;
    let app = TestApp::builder()
        .smtp(&smtp)
        // Every job is a long one here.
        .worker_env("PREPQ_NOTIFY_AFTER_SECS", "0")
        .workers(1)
        .start()
        .await;
    let user = app.verified_user().await;
    let (_, secret) = add_endpoint(&user, &receiver.url("/hook"), &["job.succeeded"]).await;
    let mut stream = user.events("/api/v1/events").await;

    let job_id = finish_a_job(&user).await;
    let pushed = loop {
        let (kind, event) = stream
            .next_typed(JOB_DEADLINE)
            .await
            .expect("the stream is open");
        if kind == "inbox" {
            break event["message"].clone();
        }
        assert!(
            event["job_id"].is_string(),
            "a job event otherwise: {event}"
        );
    };
    assert_eq!(pushed["kind"], "job_finished");
    assert_eq!(pushed["title"], FINISHED_SUBJECT);
    assert!(
        pushed["link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/jobs/{job_id}"))
    );

    let hook = &receiver.wait_for(1, JOB_DEADLINE).await[0];
    assert!(verify(&secret, hook), "{hook:?}");
    assert_eq!(hook.json()["data"]["job_id"], job_id);
    let mail = wait_until("the job's mail", JOB_DEADLINE, || async {
        smtp.mail_to(&user.email)
            .into_iter()
            .find(|m| m.subject() == FINISHED_SUBJECT)
    })
    .await;
    assert!(
        mail.text().contains(&format!("/jobs/{job_id}")),
        "{}",
        mail.text()
    );

    all_told(&app).await;
    let inbox = messages(&user).await;
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0]["id"], pushed["id"]);
    let mails = smtp.mail_to(&user.email);
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.subject() == FINISHED_SUBJECT)
            .count(),
        1
    );
    assert_eq!(receiver.received().len(), 1);

    assert_eq!(unread(&user).await, 1);
    let id = inbox[0]["id"].as_str().unwrap();
    let read = user
        .call(Method::POST, &format!("/api/v1/messages/{id}/read"), None)
        .await;
    assert_eq!(read.status(), 200);
    let read: Value = read.json().await.unwrap();
    assert!(read["read_at"].is_string());
    assert_eq!(unread(&user).await, 0);
    let unread_page: Value = user
        .get("/api/v1/messages?unread=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unread_page["items"], json!([]));
    let deleted = user
        .call(Method::DELETE, &format!("/api/v1/messages/{id}"), None)
        .await;
    assert_eq!(deleted.status(), 204);
    assert!(messages(&user).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_watched_to_its_end_is_news_to_webhooks_only_and_preferences_choose_the_channel() {
    let smtp = SmtpServer::start().await;
    let receiver = WebhookReceiver::start().await;
    let quick = TestApp::builder().smtp(&smtp).workers(1).start().await;
    let user = quick.verified_user().await;
    add_endpoint(&user, &receiver.url("/hook"), &["job.succeeded"]).await;
    finish_a_job(&user).await;
    receiver.wait_for(1, JOB_DEADLINE).await;
    all_told(&quick).await;
    assert!(
        messages(&user).await.is_empty(),
        "a job done in moments is no news"
    );
    assert!(
        smtp.mail_to(&user.email)
            .iter()
            .all(|m| m.subject() != FINISHED_SUBJECT)
    );

    let long = TestApp::builder()
        .smtp(&smtp)
        .worker_env("PREPQ_NOTIFY_AFTER_SECS", "0")
        .workers(1)
        .start()
        .await;
    let user = long.verified_user().await;
    let defaults: Value = user
        .get("/api/v1/notification-preferences")
        .await
        .json()
        .await
        .unwrap();
    let channel_of = |prefs: &Value, topic: &str| {
        prefs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["topic"] == topic)
            .map(|p| p["channel"].clone())
            .unwrap()
    };
    assert_eq!(channel_of(&defaults, "job_finished"), "both");
    let changed = user
        .call(
            Method::PUT,
            "/api/v1/notification-preferences",
            Some(&json!({ "items": [
                { "topic": "job_finished", "channel": "none" },
                { "topic": "job_finished", "channel": "mail" },
            ] })),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(
        channel_of(&changed, "job_finished"),
        "mail",
        "the last choice holds"
    );
    assert_eq!(channel_of(&changed, "announcement"), "inbox");
    let refused = user
        .call(
            Method::PUT,
            "/api/v1/notification-preferences",
            Some(&json!({ "items": [{ "topic": "job_finished", "channel": "pigeon" }] })),
        )
        .await;
    assert_eq!(refused.status(), 400);

    finish_a_job(&user).await;
    wait_until("the job's mail", JOB_DEADLINE, || async {
        smtp.mail_to(&user.email)
            .into_iter()
            .find(|m| m.subject() == FINISHED_SUBJECT)
    })
    .await;
    all_told(&long).await;
    assert!(messages(&user).await.is_empty(), "mail only, as chosen");
}

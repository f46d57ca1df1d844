//! Announcements: delivered to every user of their audience exactly once, however the
//! delivery is interrupted.

use prepq_tests::{TestApp, User, wait_until};
use reqwest::Method;
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

const SEEDED: i64 = 100_000;
/// Of the seeded users: these turned announcements off, these take them by mail, these
/// write in English, and these paid into the gold level.
const OPTED_OUT: i64 = 1_000;
const BY_MAIL: i64 = 50;
const ENGLISH: i64 = 300;
const GOLD: i64 = 7;

async fn publish(admin: &User, request: Value) -> String {
    let created = admin
        .post_json("/api/v1/admin/announcements", &request, None)
        .await;
    assert_eq!(created.status(), 201, "{request}");
    let created: Value = created.json().await.unwrap();
    created["id"].as_str().unwrap().to_owned()
}

async fn announcement(admin: &User, id: &str) -> Value {
    admin
        .get(&format!("/api/v1/admin/announcements/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn delivered(admin: &User, id: &str) -> Value {
    wait_until(
        "the announcement to be delivered",
        JOB_DEADLINE * 3,
        || async {
            let shown = announcement(admin, id).await;
            shown["finished_at"].is_string().then_some(shown)
        },
    )
    .await
}

/// Inbox messages of announcement `id`, and the users holding them.
async fn reach(app: &TestApp, id: &str) -> (i64, i64) {
    let key = format!("'announcement:{id}'");
    (
        app.sql_figure(&format!(
            "SELECT count(*) FROM messages WHERE dedupe_key = {key}"
        ))
        .await,
        app.sql_figure(&format!(
            "SELECT count(DISTINCT owner_id) FROM messages WHERE dedupe_key = {key}"
        ))
        .await,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_announcement_reaches_each_of_100000_users_once_though_its_worker_is_killed() {
    let mut app = TestApp::builder()
        .worker_env("PREPQ_ANNOUNCEMENT_BATCH", "1000")
        .workers(1)
        .start()
        .await;
    let admin = app.admin().await;
    let reader = app.user().await;
    let english_reader = reader
        .call(
            Method::PUT,
            "/api/v1/auth/profile",
            Some(&json!({ "language": "en" })),
        )
        .await;
    assert_eq!(english_reader.status(), 200);
    // Each group a separate range of the seeded users in id order.
    app.sql(&format!(
        "INSERT INTO users (id, email, email_key, password_hash)
         SELECT uuid_v7(), 'seeded-' || n || '@example.com', 'seeded-' || n || '@example.com',
                'not a hash'
         FROM generate_series(1, {SEEDED}) AS n;
         CREATE TEMP TABLE seeded AS SELECT id, row_number() OVER (ORDER BY id) AS n
         FROM users WHERE email LIKE 'seeded-%';
         INSERT INTO memberships (user_id, paid_fen) SELECT id, 20000 FROM seeded WHERE n <= {GOLD};
         UPDATE users SET email_verified_at = now()
         WHERE id IN (SELECT id FROM seeded WHERE n BETWEEN 101 AND {mail_to});
         INSERT INTO notification_preferences (owner_id, topic, channel)
         SELECT id, 'announcement', 'mail' FROM seeded WHERE n BETWEEN 101 AND {mail_to};
         UPDATE users SET language = 'en'
         WHERE id IN (SELECT id FROM seeded WHERE n BETWEEN 1001 AND {english_to});
         INSERT INTO notification_preferences (owner_id, topic, channel)
         SELECT id, 'announcement', 'none' FROM seeded WHERE n > {SEEDED} - {OPTED_OUT};",
        mail_to = 100 + BY_MAIL,
        english_to = 1000 + ENGLISH,
    ))
    .await;
    let everyone = app.sql_figure("SELECT count(*) FROM users").await;
    let mut stream = reader.events("/api/v1/events").await;

    let id = publish(
        &admin,
        json!({ "title": "维护通知", "body": "今晚 23:00 至 23:30 系统维护。" }),
    )
    .await;
    let partway = wait_until("the delivery to be part way", JOB_DEADLINE, || async {
        let shown = announcement(&admin, &id).await;
        let delivered = shown["delivered"].as_i64()?;
        (delivered > 0 && shown["finished_at"].is_null()).then_some(delivered)
    })
    .await;
    app.workers[0].kill_hard();
    app.start_worker(&[]).await;
    let done = delivered(&admin, &id).await;
    assert!(
        partway < done["delivered"].as_i64().unwrap(),
        "killed part way: {partway}"
    );
    let expected = everyone - OPTED_OUT - BY_MAIL;
    assert_eq!(done["delivered"], expected);
    assert_eq!(reach(&app, &id).await, (expected, expected), "once each");
    let mails = app
        .sql_figure(
            "SELECT count(DISTINCT payload->>'to') + count(*) FROM jobs
             WHERE kind = 'email.send' AND payload->'message'->>'template' = 'announcement'",
        )
        .await;
    assert_eq!(mails, 2 * BY_MAIL, "one mail each to those who chose mail");

    // The English announcement reaches the reader, told on their stream as it happens (the
    // first one may or may not have been: its worker was killed).
    let english = publish(
        &admin,
        json!({ "title": "Maintenance", "body": "Tonight.", "language": "en" }),
    )
    .await;
    assert_eq!(delivered(&admin, &english).await["delivered"], ENGLISH + 1);
    let told = loop {
        let (kind, event) = stream
            .next_typed(JOB_DEADLINE)
            .await
            .expect("the stream is open");
        if kind == "inbox" && event["message"]["title"] == "Maintenance" {
            break event["message"].clone();
        }
    };
    assert_eq!(told["kind"], "announcement");
    assert_eq!(told["body"], "Tonight.");
    let gold = publish(
        &admin,
        json!({ "title": "金卡专享", "body": "…", "min_level": "gold" }),
    )
    .await;
    assert_eq!(delivered(&admin, &gold).await["delivered"], GOLD);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_or_unaddressed_announcement_is_refused_and_only_admins_publish() {
    let app = TestApp::builder().workers(0).start().await;
    let admin = app.admin().await;
    let user = app.user().await;
    for body in [
        json!({ "title": "Big", "body": "x".repeat(5001) }),
        json!({ "title": "", "body": "empty title" }),
        json!({ "title": "Somewhere", "body": "b", "language": "fr" }),
        json!({ "title": "Someone", "body": "b", "min_level": "platinum" }),
    ] {
        let refused = admin
            .post_json("/api/v1/admin/announcements", &body, None)
            .await;
        assert_eq!(refused.status(), 400, "{body}");
    }
    let forbidden = user
        .post_json(
            "/api/v1/admin/announcements",
            &json!({ "title": "Hi", "body": "b" }),
            None,
        )
        .await;
    assert_eq!(forbidden.status(), 403);
    assert_eq!(
        app.sql_figure("SELECT count(*) FROM announcements").await,
        0
    );
    assert_eq!(app.jobs_of_kind("announcement.deliver").await.len(), 0);
}

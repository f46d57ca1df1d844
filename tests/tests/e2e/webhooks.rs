//! Webhooks as Standard Webhooks specifies them, against a receiver the test controls: the
//! retry schedule, 410, the outbound guard, redirects, rotation, and bad input.

use std::time::Duration;

use prepq_tests::{
    Answer, PLAIN_RESUME, PayProvider, TestApp, User, WebhookReceiver, read_resume, verify,
    wait_until,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

/// An endpoint of `user`'s for `types`; its id and secret.
pub async fn add_endpoint(user: &User, url: &str, types: &[&str]) -> (String, String) {
    let created = user
        .post_json(
            "/api/v1/webhooks",
            &json!({ "url": url, "event_types": types }),
            None,
        )
        .await;
    assert_eq!(created.status(), 201, "adding {url}");
    let created: Value = created.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (created["id"].as_str().unwrap().to_owned(), secret)
}

/// Reads a resume, a job whose end is told to the user's endpoints; its job id.
pub async fn finish_a_job(user: &User) -> String {
    let id = read_resume(user, PLAIN_RESUME.as_bytes().to_vec(), "jane.txt").await;
    let resume: Value = user
        .get(&format!("/api/v1/resumes/{id}"))
        .await
        .json()
        .await
        .unwrap();
    resume["job_id"].as_str().unwrap().to_owned()
}

/// The endpoint's deliveries, newest first.
async fn deliveries(user: &User, endpoint: &str) -> Vec<Value> {
    let page: Value = user
        .get(&format!("/api/v1/webhooks/{endpoint}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

/// Waits until every delivery job is finished; returns them.
async fn deliveries_finished(app: &TestApp, count: usize) -> Vec<prepq_schema::jobs::JobRow> {
    wait_until("the deliveries to finish", JOB_DEADLINE, || async {
        let jobs = app.jobs_of_kind("webhook.deliver").await;
        (jobs.len() >= count && jobs.iter().all(|j| j.finished_at.is_some())).then_some(jobs)
    })
    .await
}

/// A platform whose workers may reach local addresses (the receiver's) or not.
async fn app_with(local_targets: bool, schedule_scale: &str) -> TestApp {
    TestApp::builder()
        .worker_env("PREPQ_WEBHOOK_SCHEDULE_SCALE", schedule_scale)
        .worker_env("PREPQ_OUTBOUND_ALLOW_PRIVATE", &local_targets.to_string())
        .workers(1)
        .start()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn answered_500_twice_a_delivery_arrives_on_the_third_attempt_on_schedule() {
    let receiver = WebhookReceiver::start().await;
    receiver.answer(&[Answer::Status(500), Answer::Status(500)]);
    // 5 s and 5 min, a hundredth as long.
    let app = app_with(true, "0.01").await;
    let user = app.user().await;
    let (endpoint, secret) = add_endpoint(&user, &receiver.url("/hook"), &["job.succeeded"]).await;

    let job_id = finish_a_job(&user).await;
    let received = receiver.wait_for(3, JOB_DEADLINE).await;
    let delivery = &deliveries_finished(&app, 1).await[0];
    assert_eq!(delivery.status, "succeeded", "{:?}", delivery.error);
    assert_eq!(delivery.attempt, 3);
    assert_eq!(received.len(), 3);
    assert!(received[1].at - received[0].at >= Duration::from_millis(50));
    assert!(received[2].at - received[1].at >= Duration::from_secs(3));
    for request in &received {
        assert_eq!(
            request.id, received[0].id,
            "one webhook-id for every attempt"
        );
        assert!(request.id.starts_with("msg_"));
        assert!(verify(&secret, request), "{request:?}");
        let body = request.json();
        assert_eq!(body["type"], "job.succeeded");
        assert_eq!(body["data"]["job_id"], job_id);
        assert_eq!(body["data"]["kind"], "resume.extract");
    }

    let log = deliveries(&user, &endpoint).await;
    assert_eq!(log.len(), 1);
    let statuses: Vec<i64> = log[0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 500, 200]);
    assert_eq!(log[0]["attempts"][0]["response"], "answered 500 on purpose");
    assert_eq!(log[0]["webhook_id"], received[0].id.as_str());

    // Sent again by hand: the same id and body, in a job of its own.
    let delivery_id = log[0]["id"].as_str().unwrap();
    let again = user
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{endpoint}/deliveries/{delivery_id}/redeliver"),
            None,
        )
        .await;
    assert_eq!(again.status(), 202);
    let received = receiver.wait_for(4, JOB_DEADLINE).await;
    assert_eq!(received[3].id, received[0].id);
    assert_eq!(received[3].body, received[0].body);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_answers_410_is_turned_off_and_its_owner_told() {
    let receiver = WebhookReceiver::start().await;
    receiver.answer(&[Answer::Status(410)]);
    let app = app_with(true, "0.01").await;
    let user = app.user().await;
    let (endpoint, _) = add_endpoint(&user, &receiver.url("/hook"), &["job.succeeded"]).await;

    finish_a_job(&user).await;
    let delivery = &deliveries_finished(&app, 1).await[0];
    assert_eq!(delivery.status, "failed");
    assert_eq!(delivery.attempt, 1, "410 is not tried again");
    let shown: Value = user
        .get(&format!("/api/v1/webhooks/{endpoint}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["enabled"], false);
    assert!(
        shown["disabled_reason"].as_str().unwrap().contains("410"),
        "{shown}"
    );
    let told = wait_until("the owner to be told", JOB_DEADLINE, || async {
        let page: Value = user.get("/api/v1/messages").await.json().await.ok()?;
        page["items"].as_array()?.first().cloned()
    })
    .await;
    assert_eq!(told["kind"], "webhook_disabled");
    assert!(
        told["body"]
            .as_str()
            .unwrap()
            .contains(&receiver.url("/hook")),
        "{told}"
    );

    // Nothing more is sent to it.
    finish_a_job(&user).await;
    // Its notice was written with its success: once every notice is told, it was too.
    crate::inbox::all_told(&app).await;
    assert_eq!(receiver.received().len(), 1);

    // Another user sees neither the message nor the endpoint.
    let other = app.user().await;
    let message = told["id"].as_str().unwrap();
    for (method, path) in [
        (Method::POST, format!("/api/v1/messages/{message}/read")),
        (Method::DELETE, format!("/api/v1/messages/{message}")),
        (Method::GET, format!("/api/v1/webhooks/{endpoint}")),
        (Method::DELETE, format!("/api/v1/webhooks/{endpoint}")),
        (
            Method::GET,
            format!("/api/v1/webhooks/{endpoint}/deliveries"),
        ),
        (
            Method::POST,
            format!("/api/v1/webhooks/{endpoint}/rotate-secret"),
        ),
    ] {
        let answer = other.call(method.clone(), &path, None).await;
        assert_eq!(answer.status(), 404, "{method} {path}");
    }
    let put = other
        .call(
            Method::PUT,
            &format!("/api/v1/webhooks/{endpoint}"),
            Some(&json!({"enabled": true})),
        )
        .await;
    assert_eq!(put.status(), 404);
    let still: Value = user
        .get(&format!("/api/v1/webhooks/{endpoint}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["enabled"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn loopback_and_metadata_addresses_are_refused_and_redirects_not_followed() {
    let receiver = WebhookReceiver::start().await;
    receiver.answer(&[Answer::Redirect("/hook")]);
    let guarded = app_with(false, "0.01").await;
    let user = guarded.user().await;
    let (loopback, _) = add_endpoint(&user, "http://localhost/hook", &["job.succeeded"]).await;
    let (metadata, _) = add_endpoint(
        &user,
        "http://169.254.169.254/latest/meta-data",
        &["job.succeeded"],
    )
    .await;
    finish_a_job(&user).await;
    for delivery in deliveries_finished(&guarded, 2).await {
        assert_eq!(delivery.status, "failed");
        assert_eq!(delivery.attempt, 1, "a refusal is not tried again");
        let reason = delivery.error.unwrap_or_default();
        assert!(reason.contains("is not a public address"), "{reason}");
    }
    for endpoint in [loopback, metadata] {
        let log = deliveries(&user, &endpoint).await;
        let attempt = &log[0]["attempts"][0];
        assert!(attempt["status_code"].is_null(), "{attempt}");
        assert!(
            attempt["response"].as_str().unwrap().starts_with("refused"),
            "{attempt}"
        );
    }

    let open = app_with(true, "0.01").await;
    let user = open.user().await;
    add_endpoint(&user, &receiver.url("/moved"), &["job.succeeded"]).await;
    finish_a_job(&user).await;
    let delivery = &deliveries_finished(&open, 1).await[0];
    assert_eq!(delivery.status, "failed");
    let reason = delivery.error.clone().unwrap_or_default();
    assert!(reason.contains("redirects are not followed"), "{reason}");
    let paths: Vec<String> = receiver.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/moved"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_rotated_between_attempts_signs_the_retry_with_both() {
    let receiver = WebhookReceiver::start().await;
    receiver.answer(&[Answer::Status(503)]);
    // The real schedule: 5 s to the second attempt, time enough to rotate.
    let app = app_with(true, "1").await;
    let user = app.user().await;
    let (endpoint, old) = add_endpoint(&user, &receiver.url("/hook"), &["job.succeeded"]).await;

    finish_a_job(&user).await;
    receiver.wait_for(1, JOB_DEADLINE).await;
    let rotated = user
        .call(
            Method::POST,
            &format!("/api/v1/webhooks/{endpoint}/rotate-secret"),
            None,
        )
        .await;
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap();
    assert_ne!(new, old);
    assert!(rotated["previous_secret_until"].is_string());

    let received = receiver.wait_for(2, JOB_DEADLINE).await;
    assert!(verify(&old, &received[0]) && !verify(new, &received[0]));
    assert!(verify(new, &received[1]), "the new secret signs the retry");
    assert!(verify(&old, &received[1]), "and the old one still does");
    assert!(received[1].at - received[0].at >= Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_endpoints_are_refused_and_nothing_is_stored() {
    let app = TestApp::builder().workers(0).start().await;
    let user = app.user().await;
    for (body, expected) in [
        (
            json!({ "url": "ftp://files.example/in", "event_types": ["job.succeeded"] }),
            "http or https",
        ),
        (
            json!({ "url": "not a url", "event_types": ["job.succeeded"] }),
            "not valid",
        ),
        (
            json!({ "url": "https://hooks.example/in", "event_types": ["job.started"] }),
            "unknown event type",
        ),
    ] {
        let refused = user.post_json("/api/v1/webhooks", &body, None).await;
        assert_eq!(refused.status(), 400, "{body}");
        let error: Value = refused.json().await.unwrap();
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }
    let empty = user
        .post_json(
            "/api/v1/webhooks",
            &json!({ "url": "https://hooks.example/in", "event_types": [] }),
            None,
        )
        .await;
    assert_eq!(empty.status(), 400);
    let listed: Value = user.get("/api/v1/webhooks").await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));
    assert_eq!(
        app.sql_figure("SELECT count(*) FROM webhook_endpoints")
            .await,
        0
    );

    for _ in 0..10 {
        add_endpoint(&user, "https://hooks.example/in", &["order.paid"]).await;
    }
    let eleventh = user
        .post_json(
            "/api/v1/webhooks",
            &json!({ "url": "https://hooks.example/in", "event_types": ["order.paid"] }),
            None,
        )
        .await;
    assert_eq!(eleventh.status(), 409);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paid_order_and_the_level_it_reaches_are_told_once_and_to_an_order_paid_endpoint() {
    let provider = PayProvider::start().await;
    let receiver = WebhookReceiver::start().await;
    let app = TestApp::builder()
        .payments(&provider)
        .workers(1)
        .start()
        .await;
    let user = app.user().await;
    let (_, secret) = add_endpoint(&user, &receiver.url("/hook"), &["order.paid"]).await;
    let order: Value = user
        .post_json(
            "/api/v1/orders",
            &json!({ "client_order_key": "k1", "amount_fen": 1000 }),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let trade_no = order["out_trade_no"].as_str().unwrap();
    // Notified twice, as providers do: paid once, told once.
    for _ in 0..2 {
        assert_eq!(
            provider.pay(trade_no).await,
            reqwest::StatusCode::NO_CONTENT
        );
    }
    let hook = &receiver.wait_for(1, JOB_DEADLINE).await[0];
    assert!(verify(&secret, hook));
    let body = hook.json();
    assert_eq!(body["type"], "order.paid");
    assert_eq!(body["data"]["order_id"], order["id"]);
    assert_eq!(body["data"]["amount_fen"], 1000);
    assert_eq!(body["data"]["points"], 20);
    deliveries_finished(&app, 1).await;
    // 10 yuan lift a normal member to bronze: that is news of its own.
    let inbox: Value = user.get("/api/v1/messages").await.json().await.unwrap();
    let items = inbox["items"].as_array().unwrap();
    let of_kind = |kind: &str| {
        items
            .iter()
            .filter(|m| m["kind"] == kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(items.len(), 2, "{items:?}");
    let (paid, lifted) = (of_kind("order_paid"), of_kind("membership_changed"));
    assert_eq!((paid.len(), lifted.len()), (1, 1), "{items:?}");
    assert!(
        paid[0]["body"].as_str().unwrap().contains("¥10.00"),
        "{}",
        paid[0]
    );
    assert!(
        lifted[0]["title"].as_str().unwrap().contains("青铜会员"),
        "{}",
        lifted[0]
    );
    assert_eq!(receiver.received().len(), 1);
}

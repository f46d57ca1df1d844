//! Recharge and membership: an order paid by scanning its QR code at the (stand-in) payment
//! provider, the signed and encrypted notification that credits it once, packages, levels,
//! and the audit that compares our orders, the provider's bill and the points ledger.

use chrono::{DateTime, Utc};
use futures::future::join_all;
use prepq_billing::provider::{BillRow, Notification, SignedHeaders, SigningKey, china_time};
use prepq_tests::{PayProvider, TestApp, User, fixture, wait_until};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use prepq_tests::{GO_AND_KUBERNETES, analysed, ledger, read_resume};

use crate::JOB_DEADLINE;

/// `POST /orders`, whatever it answers.
async fn order_request(user: &User, body: Value) -> reqwest::Response {
    user.call(Method::POST, "/api/v1/orders", Some(&body)).await
}

/// A new order.
async fn place(user: &User, body: Value) -> Value {
    let response = order_request(user, body).await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    response.json().await.unwrap()
}

async fn view(user: &User, path: &str) -> Value {
    let response = user.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

/// Places an order and has the provider pay it; returns the paid order.
async fn buy(user: &User, provider: &PayProvider, body: Value) -> Value {
    let order = place(user, body).await;
    let paid = provider.pay(order["out_trade_no"].as_str().unwrap()).await;
    assert_eq!(
        paid,
        StatusCode::NO_CONTENT,
        "the notification was not taken"
    );
    let order = view(
        user,
        &format!("/api/v1/orders/{}", order["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(order["status"], "paid");
    order
}

/// A platform taking payments through a fresh stand-in provider, and one of its users.
async fn shop() -> (PayProvider, TestApp, User) {
    let provider = PayProvider::start().await;
    let app = TestApp::builder().payments(&provider).start().await;
    let user = app.user().await;
    (provider, app, user)
}

/// An order of `amount_fen` that the provider took payment for without telling us; its
/// trade number.
async fn paid_unnotified(provider: &PayProvider, user: &User, amount_fen: i64) -> String {
    let order = place(
        user,
        json!({ "client_order_key": "k", "amount_fen": amount_fen }),
    )
    .await;
    let trade_no = order["out_trade_no"].as_str().unwrap().to_owned();
    provider.pay_without_notifying(&trade_no).await;
    trade_no
}

async fn credits(user: &User) -> usize {
    ledger(user)
        .await
        .into_iter()
        .filter(|(entry, _)| entry == "credit")
        .count()
}

async fn points(user: &User) -> (i64, String) {
    let points = view(user, "/api/v1/points").await;
    (
        points["balance"].as_i64().unwrap(),
        points["level"].as_str().unwrap().to_owned(),
    )
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

/// What a QR code image says.
fn decode_qr(png: &[u8]) -> String {
    let image = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

async fn send_notification(
    app: &TestApp,
    headers: Option<&SignedHeaders>,
    body: &str,
) -> StatusCode {
    let mut request = app
        .http
        .post(format!("{}/api/v1/payments/wechat/notify", app.base_url))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers.map(|h| h.pairs()).into_iter().flatten() {
        request = request.header(name, value);
    }
    request.send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_paid_by_scanning_its_qr_code_credits_points_and_level_once() {
    let (provider, app, user) = shop().await;
    let (before, level) = points(&user).await;
    assert_eq!(level, "normal");

    let order = place(
        &user,
        json!({ "client_order_key": "topup-1", "amount_fen": 1000 }),
    )
    .await;
    assert_eq!(order["status"], "pending");
    assert_eq!(order["points"], 20);
    let code_url = order["code_url"].as_str().unwrap().to_owned();
    assert!(
        code_url.starts_with("weixin://wxpay/bizpayurl?pr="),
        "{code_url}"
    );
    let id = order["id"].as_str().unwrap().to_owned();

    // The same key is the same order; another purchase under it is refused.
    let again = order_request(
        &user,
        json!({ "client_order_key": "topup-1", "amount_fen": 1000 }),
    )
    .await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], id.as_str());
    let reused = order_request(
        &user,
        json!({ "client_order_key": "topup-1", "amount_fen": 2000 }),
    )
    .await;
    assert_eq!(reused.status(), 409);
    for bad in [
        json!({ "client_order_key": "k", "amount_fen": 999 }),
        json!({ "client_order_key": "k", "amount_fen": 1050 }),
        json!({ "client_order_key": "k", "amount_fen": 1000, "package": "month" }),
        json!({ "client_order_key": "k" }),
    ] {
        let refused = order_request(&user, bad.clone()).await;
        assert_eq!(refused.status(), 422, "{bad}");
    }

    // The QR code the user scans says the provider's code_url.
    let qr = user.get(&format!("/api/v1/orders/{id}/qr.png")).await;
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/png");
    assert_eq!(decode_qr(&qr.bytes().await.unwrap()), code_url);
    let stranger = app.user().await;
    assert_eq!(
        stranger.get(&format!("/api/v1/orders/{id}")).await.status(),
        404
    );
    assert_eq!(
        stranger
            .get(&format!("/api/v1/orders/{id}/qr.png"))
            .await
            .status(),
        404
    );

    let trade_no = order["out_trade_no"].as_str().unwrap();
    assert_eq!(provider.pay(trade_no).await, StatusCode::NO_CONTENT);
    let order = view(&user, &format!("/api/v1/orders/{id}")).await;
    assert_eq!(order["status"], "paid");
    assert!(order["paid_at"].is_string());
    assert_eq!(points(&user).await, (before + 20, "bronze".to_owned()));
    let history = view(&user, "/api/v1/points/history").await;
    let credit = &history["items"][0];
    assert_eq!(
        (credit["entry"].as_str(), credit["amount"].as_i64()),
        (Some("credit"), Some(20))
    );
    assert_eq!(credit["order_id"], id.as_str());
    let membership = view(&user, "/api/v1/membership").await;
    assert_eq!(membership["paid_fen"], 1000);
    assert_eq!(membership["next_level"], "silver");
    assert_eq!(membership["fen_to_next_level"], 5000);
    assert!(
        membership["entitlements"]
            .as_array()
            .unwrap()
            .contains(&json!("report_download"))
    );

    // The provider sends the notification again: acknowledged, not credited again.
    assert_eq!(provider.pay(trade_no).await, StatusCode::NO_CONTENT);
    assert_eq!(points(&user).await.0, before + 20);
    let orders = view(&user, "/api/v1/orders").await;
    assert_eq!(orders["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_stale_or_tampered_notifications_change_nothing_and_twenty_copies_credit_once() {
    let (provider, app, user) = shop().await;
    let (before, _) = points(&user).await;
    let trade_no = &paid_unnotified(&provider, &user, 5000).await;
    let now = Utc::now().timestamp();
    let (signed, body) = provider.notification(trade_no, now);

    let forged = SignedHeaders::sign(&SigningKey::generate().unwrap(), &signed.serial, &body, now);
    assert_eq!(
        send_notification(&app, Some(&forged), &body).await,
        401,
        "forged signature"
    );
    assert_eq!(
        send_notification(&app, None, &body).await,
        401,
        "no signature"
    );
    let huge = format!("{{\"padding\":\"{}\"}}", "x".repeat(100 * 1024));
    assert_eq!(
        send_notification(&app, Some(&signed), &huge).await,
        413,
        "over 64 KB"
    );
    let (stale, stale_body) = provider.notification(trade_no, now - 600);
    assert_eq!(
        send_notification(&app, Some(&stale), &stale_body).await,
        401,
        "stale timestamp"
    );
    let mut envelope: Notification = serde_json::from_str(&body).unwrap();
    let flipped = if envelope.resource.ciphertext.starts_with('A') {
        "B"
    } else {
        "A"
    };
    envelope.resource.ciphertext.replace_range(0..1, flipped);
    let tampered = serde_json::to_string(&envelope).unwrap();
    assert_eq!(
        send_notification(&app, Some(&signed), &tampered).await,
        401,
        "body changed after signing"
    );
    let resigned = provider.sign(&tampered, now);
    assert_eq!(
        send_notification(&app, Some(&resigned), &tampered).await,
        400,
        "ciphertext that does not decrypt"
    );
    assert_eq!(points(&user).await.0, before);
    // (The list, unlike the order itself, does not ask the provider.)
    let listed = view(&user, "/api/v1/orders").await;
    assert_eq!(listed["items"][0]["status"], "pending");

    let copies = join_all((0..20).map(|_| send_notification(&app, Some(&signed), &body))).await;
    assert!(
        copies.iter().all(|s| *s == StatusCode::NO_CONTENT),
        "{copies:?}"
    );
    assert_eq!(points(&user).await, (before + 100, "bronze".to_owned()));
    assert_eq!(credits(&user).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_notification_is_made_good_when_the_order_is_polled() {
    let (provider, _app, user) = shop().await;
    let (before, _) = points(&user).await;
    let order = place(
        &user,
        json!({ "client_order_key": "k", "amount_fen": 2000 }),
    )
    .await;
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    assert_eq!(
        view(&user, &path).await["status"],
        "pending",
        "not paid yet"
    );
    provider
        .pay_without_notifying(order["out_trade_no"].as_str().unwrap())
        .await;
    let polled = view(&user, &path).await;
    assert_eq!(polled["status"], "paid");
    assert_eq!(view(&user, &path).await["paid_at"], polled["paid_at"]);
    assert_eq!(points(&user).await, (before + 40, "bronze".to_owned()));
    // The notification arriving late changes nothing.
    assert_eq!(
        provider.pay(order["out_trade_no"].as_str().unwrap()).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(credits(&user).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_flags_every_mismatch_heals_only_the_uncredited_top_up_and_a_rerun_adds_nothing()
{
    let provider = PayProvider::start().await;
    let app = TestApp::builder()
        .workers(1)
        .payments(&provider)
        .start()
        .await;
    let admin = app.admin().await;
    let user = app.user().await;
    let mut trade_nos = Vec::new();
    for key in ["good", "missing", "refunded", "cheap", "twice"] {
        let order = buy(
            &user,
            &provider,
            json!({ "client_order_key": key, "amount_fen": 1000 }),
        )
        .await;
        trade_nos.push(order["out_trade_no"].as_str().unwrap().to_owned());
    }
    let [_, missing, refunded, cheap, twice] = &trade_nos[..] else {
        unreachable!()
    };
    provider.bill_drop(missing);
    provider.bill_state(refunded, "REFUND");
    provider.bill_amount(cheap, 1);
    // Paid at the provider; the notification never came.
    let unrecorded = place(
        &user,
        json!({ "client_order_key": "unrecorded", "amount_fen": 1000 }),
    )
    .await;
    provider
        .pay_without_notifying(unrecorded["out_trade_no"].as_str().unwrap())
        .await;
    // Marked paid here by hand, its credit lost.
    let uncredited = place(
        &user,
        json!({ "client_order_key": "uncredited", "amount_fen": 3000 }),
    )
    .await;
    provider
        .pay_without_notifying(uncredited["out_trade_no"].as_str().unwrap())
        .await;
    let today = Utc::now().with_timezone(&china_time()).date_naive();
    let stranger = format!("PQ-STRANGER-{}", uuid::Uuid::now_v7().simple());
    provider.bill_extra(
        today,
        vec![BillRow {
            time: format!("{today} 12:00:00"),
            transaction_id: "4200000000000000000000000001".into(),
            out_trade_no: stranger.clone(),
            trade_state: "SUCCESS".into(),
            amount_fen: 8800,
        }],
    );
    app.sql(&format!(
        "UPDATE orders SET status = 'paid', paid_at = now(), transaction_id = 'manual' WHERE id = '{uncredited}';
         INSERT INTO points_ledger (user_id, entry, amount, balance_after, order_id, note)
             SELECT owner_id, 'credit', 20, 0, id, 'a second credit' FROM orders WHERE out_trade_no = '{twice}';
         INSERT INTO points_ledger (user_id, entry, amount, balance_after, order_id, note)
             SELECT owner_id, 'credit', 50, 0, gen_random_uuid(), 'no such order' FROM orders WHERE out_trade_no = '{twice}';",
        uncredited = uncredited["id"].as_str().unwrap(),
    ))
    .await;
    let (before_heal, _) = points(&user).await;

    let range = json!({ "from": today.pred_opt().unwrap(), "to": today });
    let first = audited(&admin, &range).await;
    let summary = &first["run"]["summary"];
    let found: Vec<(String, String, bool)> = first["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().to_owned(),
                m["action"].as_str().unwrap().to_owned(),
                m["first_seen"].as_bool().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("paid_not_recorded", "flagged"),
        ("paid_not_recorded", "flagged"),
        ("missing_at_provider", "flagged"),
        ("status_differs", "flagged"),
        ("amount_differs", "flagged"),
        ("never_credited", "healed"),
        ("credited_twice", "flagged"),
        ("credit_without_order", "flagged"),
    ];
    assert_eq!(
        found,
        expected
            .iter()
            .map(|(k, a)| (k.to_string(), a.to_string(), true))
            .collect::<Vec<_>>(),
        "{first:#}"
    );
    let references: Vec<&str> = first["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["reference"].as_str().unwrap())
        .collect();
    assert!(
        references.contains(&stranger.as_str())
            && references.contains(&unrecorded["out_trade_no"].as_str().unwrap())
    );
    assert_eq!(summary["healed"], 1);
    assert_eq!(
        summary["matched"], 1,
        "only the good order agrees everywhere"
    );
    assert_eq!(
        points(&user).await.0,
        before_heal + 60,
        "the uncredited top-up is credited"
    );

    // The admins hear of it once.
    let alert_mails = || async {
        app.jobs_of_kind("email.send")
            .await
            .into_iter()
            .filter(|job| job.payload["message"]["template"] == "admin_alert")
            .count()
    };
    assert_eq!(alert_mails().await, 1);
    let alert = app
        .jobs_of_kind("email.send")
        .await
        .into_iter()
        .find(|job| job.payload["message"]["template"] == "admin_alert")
        .unwrap();
    assert_eq!(alert.payload["to"], admin.email.as_str());
    let run_id = first["run"]["id"].as_str().unwrap();
    assert!(
        alert.payload["message"]["subject"]
            .as_str()
            .unwrap()
            .contains('8'),
        "{alert:?}"
    );
    assert!(
        alert.payload["message"]["body"]
            .as_str()
            .unwrap()
            .contains(run_id)
    );

    let second = audited(&admin, &range).await;
    let summary = &second["run"]["summary"];
    assert_eq!(summary["healed"], 0);
    assert_eq!(summary["new_mismatches"], 0);
    assert_eq!(
        summary["mismatches"], 7,
        "everything but the healed one is still there"
    );
    assert!(
        second["mismatches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["action"] == "flagged" && m["first_seen"] == false)
    );
    assert_eq!(points(&user).await.0, before_heal + 60, "healed once only");
    assert_eq!(alert_mails().await, 1, "a re-run alerts nobody again");

    let runs = view(&admin, "/api/v1/admin/reconciliations").await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        user.get("/api/v1/admin/reconciliations").await.status(),
        403
    );
}

/// Starts an audit of `range` as `admin` and returns its succeeded report.
async fn audited(admin: &User, range: &Value) -> Value {
    let report = audit_ended(admin, range).await;
    assert_eq!(report["run"]["status"], "succeeded", "{report:#}");
    report
}

/// Starts an audit of `range` as `admin` and returns its report once it has ended.
async fn audit_ended(admin: &User, range: &Value) -> Value {
    let started = admin
        .call(Method::POST, "/api/v1/admin/reconciliations", Some(range))
        .await;
    assert_eq!(started.status(), 202, "{:?}", started.text().await);
    let run: Value = started.json().await.unwrap();
    let path = format!(
        "/api/v1/admin/reconciliations/{}",
        run["id"].as_str().unwrap()
    );
    wait_until("the audit to end", JOB_DEADLINE, || async {
        let report: Value = admin.get(&path).await.json().await.ok()?;
        matches!(
            report["run"]["status"].as_str(),
            Some("succeeded" | "failed")
        )
        .then_some(report)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bill_over_the_size_limit_fails_the_audit_with_the_reason_and_bad_ranges_are_refused() {
    let provider = PayProvider::start().await;
    let app = TestApp::builder()
        .workers(1)
        .payments(&provider)
        .worker_env("PREPQ_PAY_MAX_BILL_BYTES", "1000")
        .start()
        .await;
    let admin = app.admin().await;
    let user = app.user().await;
    for n in 0..5 {
        buy(
            &user,
            &provider,
            json!({ "client_order_key": format!("k{n}"), "amount_fen": 1000 }),
        )
        .await;
    }
    let today = Utc::now().with_timezone(&china_time()).date_naive();
    let report = audit_ended(&admin, &json!({ "from": today, "to": today })).await;
    assert_eq!(report["run"]["status"], "failed");
    let error = report["run"]["error"].as_str().unwrap();
    assert!(
        error.contains("the bill is over the 1000-byte limit"),
        "{error}"
    );
    assert!(report["mismatches"].as_array().unwrap().is_empty());

    for (from, to) in [
        (today, today.pred_opt().unwrap()),
        (today - chrono::Days::new(31), today),
    ] {
        let refused = admin
            .call(
                Method::POST,
                "/api/v1/admin/reconciliations",
                Some(&json!({ "from": from, "to": to })),
            )
            .await;
        assert_eq!(refused.status(), 422, "{from}..{to}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_month_packages_run_two_months_and_levels_change_at_10_60_and_200_yuan() {
    let provider = PayProvider::start().await;
    let app = TestApp::builder()
        .workers(1)
        .payments(&provider)
        .start()
        .await;

    let member = app.user().await;
    let first = buy(
        &member,
        &provider,
        json!({ "client_order_key": "m1", "package": "month" }),
    )
    .await;
    assert_eq!(
        (first["amount_fen"].as_i64(), first["points"].as_i64()),
        (Some(4990), Some(0))
    );
    buy(
        &member,
        &provider,
        json!({ "client_order_key": "m2", "package": "month" }),
    )
    .await;
    let membership = view(&member, "/api/v1/membership").await;
    let until = time(&membership["package_until"]);
    let expected = time(&first["paid_at"]) + chrono::Duration::days(60);
    assert!(
        (until - expected).num_seconds().abs() <= 2,
        "{until} vs {expected}"
    );
    assert_eq!(
        (
            membership["level"].as_str(),
            membership["paid_level"].as_str()
        ),
        (Some("silver"), Some("normal"))
    );

    // Levels by cumulative top-ups, exactly at the thresholds.
    let user = app.verified_user().await;
    let resume = read_resume(&user, fixture("rm_e2e_backend-eng.txt"), "resume.txt").await;
    let diagnosis = |n: u32| {
        let user = user.clone();
        let resume = resume.clone();
        async move {
            let request = json!({ "resume_id": resume, "target": { "title": format!("Backend {n}"), "description": GO_AND_KUBERNETES } });
            let done = analysed(&user, "/api/v1/diagnoses", request).await;
            assert_eq!(done["status"], "succeeded");
            format!(
                "/api/v1/diagnoses/{}/report.md",
                done["id"].as_str().unwrap()
            )
        }
    };
    let report = diagnosis(1).await;
    let refused = user.get(&report).await;
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "membership_required");
    assert_eq!(body["error"]["details"]["required"], "bronze");

    let level = |user: &User, amount_fen: i64, n: u32| {
        let (user, provider) = (user.clone(), &provider);
        async move {
            let key = format!("t{n}");
            buy(
                &user,
                provider,
                json!({ "client_order_key": key, "amount_fen": amount_fen }),
            )
            .await;
            points(&user).await.1
        }
    };
    assert_eq!(level(&user, 1000, 1).await, "bronze", "10 yuan");
    // Bronze downloads a report for 2 points, once per report.
    let (balance, _) = points(&user).await;
    let download = user.get(&report).await;
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.headers()["content-type"],
        "text/markdown; charset=utf-8"
    );
    assert!(download.text().await.unwrap().contains("Kubernetes"));
    assert_eq!(user.get(&report).await.status(), 200);
    assert_eq!(points(&user).await.0, balance - 2);

    assert_eq!(level(&user, 5000, 2).await, "silver", "60 yuan");
    let membership = view(&user, "/api/v1/membership").await;
    assert_eq!(membership["fen_to_next_level"], 20000 - 6000);
    // Silver downloads for free.
    let report = diagnosis(2).await;
    let (balance, _) = points(&user).await;
    assert_eq!(user.get(&report).await.status(), 200);
    assert_eq!(points(&user).await.0, balance);

    assert_eq!(level(&user, 14000, 3).await, "gold", "200 yuan");
    let membership = view(&user, "/api/v1/membership").await;
    assert_eq!(membership["paid_fen"], 20000);
    assert!(
        membership["entitlements"]
            .as_array()
            .unwrap()
            .contains(&json!("early_access"))
    );
    // One yuan short of each threshold stays below it.
    let short = app.user().await;
    assert_eq!(level(&short, 5900, 4).await, "bronze", "59 yuan");
    assert_eq!(level(&short, 14000, 5).await, "silver", "199 yuan");
    assert!(membership["next_level"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_user_may_place_only_so_many_orders_an_hour() {
    let provider = PayProvider::start().await;
    let app = TestApp::builder()
        .payments(&provider)
        .api_env("PREPQ_RATE_ORDER_USER", "3/1h")
        .start()
        .await;
    let user = app.user().await;
    for n in 0..3 {
        place(
            &user,
            json!({ "client_order_key": format!("k{n}"), "amount_fen": 1000 }),
        )
        .await;
    }
    let refused = order_request(
        &user,
        json!({ "client_order_key": "k3", "amount_fen": 1000 }),
    )
    .await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(
        provider.out_trade_nos().len(),
        3,
        "the provider saw three orders"
    );
    let other = app.user().await;
    place(
        &other,
        json!({ "client_order_key": "k0", "amount_fen": 1000 }),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_payment_provider_orders_are_unavailable_and_the_notify_endpoint_refuses() {
    let app = TestApp::builder().start().await;
    let user = app.user().await;
    let refused = order_request(
        &user,
        json!({ "client_order_key": "k", "amount_fen": 1000 }),
    )
    .await;
    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"]["code"],
        "payments_unavailable"
    );
    assert_eq!(send_notification(&app, None, "{}").await, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_schedulers_start_one_audit_of_the_previous_day_per_tick() {
    let provider = PayProvider::start().await;
    let mut app = TestApp::builder()
        .payments(&provider)
        .worker_env("PREPQ_RECONCILE_SCHEDULE", "* * * * * *")
        .worker_env("PREPQ_SCHEDULER_INTERVAL_MS", "100")
        .start()
        .await;
    app.start_workers(2, &[]).await;
    let admin = app.admin().await;
    let runs = wait_until("five audits to succeed", JOB_DEADLINE, || async {
        let page = view(&admin, "/api/v1/admin/reconciliations?limit=100").await;
        let runs = page["items"].as_array()?.clone();
        let done = runs.iter().filter(|r| r["status"] == "succeeded").count();
        (done >= 5).then_some(runs)
    })
    .await;
    app.workers.clear();

    let mut ticks: Vec<DateTime<Utc>> = runs.iter().map(|r| time(&r["tick"])).collect();
    ticks.sort();
    ticks.dedup();
    assert_eq!(ticks.len(), runs.len(), "one run per tick");
    for run in &runs {
        let day = time(&run["tick"])
            .with_timezone(&china_time())
            .date_naive()
            .pred_opt()
            .unwrap();
        assert_eq!(
            (run["from"].as_str(), run["to"].as_str()),
            (Some(&*day.to_string()), Some(&*day.to_string()))
        );
        assert!(run["requested_by"].is_null());
    }
    // One statement, one snapshot: a scheduler's last commit may land after its process
    // is gone (PostgreSQL still reads the COMMIT it was sent), so two reads could differ.
    let unpaired = app
        .sql_figure(
            "SELECT count(*) FROM reconciliation_runs r FULL JOIN \
             (SELECT id FROM jobs WHERE kind = 'billing.reconcile') j ON j.id = r.job_id \
             WHERE r.id IS NULL OR j.id IS NULL",
        )
        .await;
    assert_eq!(unpaired, 0, "one job per run");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_timestamp_at_either_end_of_the_integer_range_is_stale_not_a_crash() {
    let (provider, app, user) = shop().await;
    let (before, _) = points(&user).await;
    let trade_no = &paid_unnotified(&provider, &user, 1000).await;
    let (mut signed, body) = provider.notification(trade_no, Utc::now().timestamp());
    for extreme in [i64::MIN, i64::MAX] {
        signed.timestamp = extreme.to_string();
        assert_eq!(
            send_notification(&app, Some(&signed), &body).await,
            401,
            "timestamp {extreme}"
        );
    }
    assert_eq!(points(&user).await.0, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payment_in_another_currency_is_acknowledged_but_not_credited() {
    let (provider, app, user) = shop().await;
    let (before, _) = points(&user).await;
    let trade_no = &paid_unnotified(&provider, &user, 1000).await;
    let (signed, body) = provider.notification_with(trade_no, Utc::now().timestamp(), |t| {
        t.amount.currency = "USD".into();
    });
    assert_eq!(
        send_notification(&app, Some(&signed), &body).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        points(&user).await.0,
        before,
        "1000 US cents are not 1000 fen"
    );
    let listed = view(&user, "/api/v1/orders").await;
    assert_eq!(listed["items"][0]["status"], "pending");
}

#[tokio::test(flavor = "multi_thread")]
async fn polling_an_order_asks_the_provider_only_so_often() {
    let (provider, _app, user) = shop().await;
    let order = place(
        &user,
        json!({ "client_order_key": "k", "amount_fen": 1000 }),
    )
    .await;
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    let before = provider.queries();
    for _ in 0..30 {
        assert_eq!(view(&user, &path).await["status"], "pending");
    }
    let asked = provider.queries() - before;
    assert!((1..=6).contains(&asked), "{asked} queries for 30 polls");
}

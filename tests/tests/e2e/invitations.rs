//! Invitations: an inviter is credited once per invitee who verifies their address, and
//! no replay, second registration or re-registration pays again.

use prepq_tests::{PASSWORD, SmtpServer, TestApp, User, ledger};
use reqwest::Method;
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

/// What the inviter was credited for invitations.
async fn rewards(user: &User) -> Vec<i64> {
    ledger(user)
        .await
        .into_iter()
        .filter(|(entry, amount)| entry == "grant" && *amount == 30)
        .map(|(_, amount)| amount)
        .collect()
}

async fn register_with(app: &TestApp, email: &str, code: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/auth/register", app.base_url))
        .json(&json!({ "email": email, "password": PASSWORD, "invitation_code": code }))
        .send()
        .await
        .unwrap()
}

/// Follows the `n`th verification link mailed to `email`; its status.
async fn verify(app: &TestApp, smtp: &SmtpServer, email: &str, n: usize) -> u16 {
    let mail = smtp.nth_mail_to(email, n, JOB_DEADLINE).await;
    let link = mail
        .link(&format!("{}/api/v1/auth/verify-email?token=", app.base_url))
        .expect("a verification link");
    app.http.get(&link).send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inviter_is_credited_once_per_verified_invitee_and_never_again() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().smtp(&smtp).workers(1).start().await;
    let inviter = app.user().await;
    let mine: Value = inviter
        .get("/api/v1/invitations")
        .await
        .json()
        .await
        .unwrap();
    let code = mine["code"].as_str().unwrap().to_owned();
    assert!(
        mine["link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("?invitation={code}"))
    );
    assert_eq!(mine["registered"], 0);

    let invitee = "li.na@example.com";
    assert_eq!(
        register_with(&app, invitee, &code.to_lowercase())
            .await
            .status(),
        201
    );
    assert!(
        rewards(&inviter).await.is_empty(),
        "nothing before the address is verified"
    );
    assert_eq!(verify(&app, &smtp, invitee, 1).await, 200);
    assert_eq!(rewards(&inviter).await, [30]);

    // The link again, the same address again, a reset that proves the address again.
    assert_eq!(verify(&app, &smtp, invitee, 1).await, 400);
    assert_eq!(register_with(&app, invitee, &code).await.status(), 409);
    let reset = app
        .http
        .post(format!("{}/api/v1/auth/password-reset", app.base_url))
        .json(&json!({ "email": invitee }))
        .send()
        .await
        .unwrap();
    assert!(reset.status().is_success(), "{}", reset.status());
    let mail = smtp.nth_mail_to(invitee, 2, JOB_DEADLINE).await;
    let link = mail.link("http").expect("a reset link");
    let token = link.rsplit_once("token=").expect("a token").1;
    let confirmed = app
        .http
        .post(format!(
            "{}/api/v1/auth/password-reset/confirm",
            app.base_url
        ))
        .json(&json!({ "token": token, "new_password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 204);
    // Gone and back: the account deleted, the address registered again with the code.
    let signed_in = app.sign_in(invitee, PASSWORD).await;
    let deleted = signed_in
        .call(
            Method::DELETE,
            "/api/v1/auth/account",
            Some(&json!({ "password": PASSWORD })),
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(register_with(&app, invitee, &code).await.status(), 201);
    assert_eq!(verify(&app, &smtp, invitee, 3).await, 200);
    assert_eq!(
        rewards(&inviter).await,
        [30],
        "one credit per invitee address"
    );

    // The inviter's own code cannot open a second account of theirs, nor a made-up one any.
    assert_eq!(
        register_with(&app, &inviter.email, &code).await.status(),
        409
    );
    let unknown = register_with(&app, "zhao.lei@example.com", "NOSUCHCODE").await;
    assert_eq!(unknown.status(), 422);
    let body: Value = unknown.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("invitation code"),
        "{body}"
    );

    let mine: Value = inviter
        .get("/api/v1/invitations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["registered"], 1);
    assert_eq!(mine["points_earned"], 30);
    assert_eq!(mine["invitees"][0]["email"], "l***@example.com");
    assert_eq!(mine["invitees"][0]["verified"], true);
    let credits = app
        .sql_figure("SELECT count(*) FROM invitation_credits")
        .await;
    assert_eq!(credits, 1);
}

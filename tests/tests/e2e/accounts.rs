use prepq_tests::{PASSWORD, SmtpServer, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn verification_mail_arrives_over_smtp_and_a_reused_refresh_token_revokes_the_family() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().smtp(&smtp).workers(1).start().await;
    let email = "wang.fang@example.com";
    assert_eq!(app.register(email, PASSWORD).await.status(), 201);

    let mail = smtp.nth_mail_to(email, 1, JOB_DEADLINE).await;
    assert_eq!(mail.subject(), "请验证您的 PrepQ 邮箱地址");
    let link = mail
        .link(&format!("{}/api/v1/auth/verify-email?token=", app.base_url))
        .expect("a verification link");
    let verified: Value = app
        .http
        .get(&link)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["email_verified"], true);
    assert_eq!(verified["email"], email);
    let again = app.http.get(&link).send().await.unwrap();
    assert_eq!(again.status(), 400, "a verification link works once");

    let first = app.sign_in(email, PASSWORD).await;
    let rotated: Value = first
        .refresh(&first.refresh_token)
        .await
        .json()
        .await
        .unwrap();
    let second_access = rotated["access_token"].as_str().unwrap();
    let second_refresh = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(second_refresh, first.refresh_token);
    let mut second = first.clone();
    second.token = second_access.to_owned();
    assert_eq!(second.get("/api/v1/auth/profile").await.status(), 200);

    // The first refresh token again: someone kept a copy. The whole family goes.
    let reuse = first.refresh(&first.refresh_token).await;
    assert_eq!(reuse.status(), 401);
    let body: Value = reuse.json().await.unwrap();
    assert_eq!(body["error"]["code"], "refresh_token_reused");
    assert_eq!(first.refresh(second_refresh).await.status(), 401);
    assert_eq!(second.get("/api/v1/auth/profile").await.status(), 401);
    assert_eq!(first.get("/api/v1/auth/profile").await.status(), 401);

    // Another sign-in is a new family, untouched.
    let fresh = app.sign_in(email, PASSWORD).await;
    assert_eq!(fresh.get("/api/v1/auth/profile").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_reset_by_mail_ends_every_session() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().smtp(&smtp).workers(1).start().await;
    let phone = app.user().await;
    let laptop = app.sign_in(&phone.email, PASSWORD).await;
    smtp.nth_mail_to(&phone.email, 1, JOB_DEADLINE).await;

    let ask = |email: &str| {
        app.http
            .post(format!("{}/api/v1/auth/password-reset", app.base_url))
            .json(&json!({ "email": email }))
            .send()
    };
    let known = ask(&phone.email).await.unwrap();
    let unknown = ask("nobody@example.com").await.unwrap();
    assert_eq!(known.status(), 202);
    assert_eq!(unknown.status(), 202);
    assert_eq!(
        known.text().await.unwrap(),
        unknown.text().await.unwrap(),
        "the answer must not tell whether an account exists"
    );

    let mail = smtp.nth_mail_to(&phone.email, 2, JOB_DEADLINE).await;
    assert_eq!(mail.subject(), "重置您的 PrepQ 密码");
    let link = mail.link("http").expect("a reset link");
    let token = link.split("token=").nth(1).expect("a token in the link");
    let confirm = |password: &str| {
        app.http
            .post(format!(
                "{}/api/v1/auth/password-reset/confirm",
                app.base_url
            ))
            .json(&json!({ "token": token, "new_password": password }))
            .send()
    };
    assert_eq!(confirm("12345678").await.unwrap().status(), 422);
    assert_eq!(
        confirm("a new and long passphrase").await.unwrap().status(),
        204
    );
    assert_eq!(
        confirm("yet another passphrase").await.unwrap().status(),
        400,
        "single use"
    );

    for session in [&phone, &laptop] {
        assert_eq!(session.get("/api/v1/jobs").await.status(), 401);
        assert_eq!(session.refresh(&session.refresh_token).await.status(), 401);
    }
    assert_eq!(app.login(&phone.email, PASSWORD).await.status(), 401);
    app.sign_in(&phone.email, "a new and long passphrase").await;
    assert!(smtp.mail_to("nobody@example.com").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_the_password_ends_every_session() {
    let app = TestApp::builder().start().await;
    let user = app.user().await;
    let change = async |current: &str, new: &str| {
        let body = json!({"current_password": current, "new_password": new});
        user.call(Method::PUT, "/api/v1/auth/password", Some(&body))
            .await
    };
    assert_eq!(
        change("wrong password", "brand new passphrase")
            .await
            .status(),
        401
    );
    assert_eq!(change(PASSWORD, "password").await.status(), 422);
    assert_eq!(change(PASSWORD, "brand new passphrase").await.status(), 204);
    assert_eq!(user.get("/api/v1/auth/profile").await.status(), 401);
    assert_eq!(user.refresh(&user.refresh_token).await.status(), 401);
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), 401);
    app.sign_in(&user.email, "brand new passphrase").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_refuses_the_sessions_tokens_at_once() {
    let app = TestApp::builder().start().await;
    let user = app.user().await;
    let other_device = app.sign_in(&user.email, PASSWORD).await;
    let logout = user.call(Method::POST, "/api/v1/auth/logout", None).await;
    assert_eq!(logout.status(), 204);
    assert_eq!(user.get("/api/v1/jobs").await.status(), 401);
    assert_eq!(user.refresh(&user.refresh_token).await.status(), 401);
    assert_eq!(other_device.get("/api/v1/jobs").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_preferences_round_trip_and_choose_the_mail_language() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().smtp(&smtp).workers(1).start().await;
    let registered = app
        .http
        .post(format!("{}/api/v1/auth/register", app.base_url))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .json(&json!({"email": "sam@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let mail = smtp.nth_mail_to("sam@example.com", 1, JOB_DEADLINE).await;
    assert_eq!(mail.subject(), "Confirm your PrepQ email address");
    assert!(mail.text().contains("expires in 48 hours"));

    let sam = app.sign_in("sam@example.com", PASSWORD).await;
    let profile: Value = sam.get("/api/v1/auth/profile").await.json().await.unwrap();
    assert_eq!(profile["language"], "en");
    assert_eq!(profile["difficulty"], "medium");
    assert_eq!(profile["email_verified"], false);
    assert_eq!(profile["role"], "user");

    let update = json!({"display_name": "  Sam Li ", "language": "zh-CN", "difficulty": "hard"});
    let updated: Value = sam
        .call(Method::PUT, "/api/v1/auth/profile", Some(&update))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["display_name"], "Sam Li");
    assert_eq!(updated["language"], "zh-CN");
    assert_eq!(updated["difficulty"], "hard");
    let cleared: Value = sam
        .call(
            Method::PUT,
            "/api/v1/auth/profile",
            Some(&json!({"display_name": null})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["display_name"], Value::Null);
    assert_eq!(cleared["difficulty"], "hard", "fields left out stay");
    let bad = sam
        .call(
            Method::PUT,
            "/api/v1/auth/profile",
            Some(&json!({"language": "fr"})),
        )
        .await;
    assert_eq!(bad.status(), 400);

    // The resent verification mail follows the new language.
    let resend = sam
        .call(Method::POST, "/api/v1/auth/verify-email/resend", None)
        .await;
    assert_eq!(resend.status(), 202);
    let mail = smtp.nth_mail_to("sam@example.com", 2, JOB_DEADLINE).await;
    assert_eq!(mail.subject(), "请验证您的 PrepQ 邮箱地址");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_account_cancels_its_jobs_and_removes_files_no_one_else_uses() {
    let app = TestApp::builder().start().await;
    let leaving = app.user().await;
    let staying = app.user().await;
    let pdf = prepq_tests::fixture("rm_john_doe.pdf");
    let upload = leaving.upload(pdf.clone(), "cv.pdf").await;
    assert_eq!(upload.status(), 202);
    let job: Value = upload.json().await.unwrap();
    let sha = job["payload"]["sha256"].as_str().unwrap().to_owned();
    let blob = app.blob_dir().join(&sha[..2]).join(&sha);
    assert_eq!(staying.upload(pdf, "mine.pdf").await.status(), 202);
    let mut events = leaving.events("/api/v1/events").await;

    let wrong = leaving
        .call(
            Method::DELETE,
            "/api/v1/auth/account",
            Some(&json!({"password": "not it at all"})),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    let gone = leaving
        .call(
            Method::DELETE,
            "/api/v1/auth/account",
            Some(&json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(gone.status(), 204);

    let job_id = job["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(events.states_of(job_id, JOB_DEADLINE).await, ["cancelled"]);
    assert_eq!(leaving.get("/api/v1/jobs").await.status(), 401);
    assert_eq!(app.login(&leaving.email, PASSWORD).await.status(), 401);
    let extracts = app.jobs_of_kind("resume.extract").await;
    assert_eq!(extracts.len(), 1, "only the other user's job is left");
    assert!(blob.exists(), "the other user's file still needs the blob");

    let gone = staying
        .call(
            Method::DELETE,
            "/api/v1/auth/account",
            Some(&json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(gone.status(), 204);
    assert!(!blob.exists(), "the last file of a blob takes it along");
}

#[tokio::test(flavor = "multi_thread")]
async fn administrators_see_mail_jobs_but_never_the_links_they_carry() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().smtp(&smtp).workers(1).start().await;
    let admin = app.admin().await;
    let user = app.user().await;
    let asked = app
        .http
        .post(format!("{}/api/v1/auth/password-reset", app.base_url))
        .json(&json!({ "email": user.email }))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 202);
    let mail = smtp.nth_mail_to(&user.email, 2, JOB_DEADLINE).await;
    let token = mail
        .link("http")
        .and_then(|link| link.split("token=").nth(1).map(str::to_owned))
        .expect("the mail itself carries the live link");

    let listed = admin.get("/api/v1/admin/jobs?kind=email.send").await;
    let text = listed.text().await.unwrap();
    let jobs: Value = serde_json::from_str(&text).unwrap();
    let items = jobs["items"].as_array().unwrap();
    assert!(items.len() >= 2, "the verification and the reset mail");
    for job in items {
        assert_eq!(job["payload"]["message"]["link"], "[redacted]", "{job}");
        assert!(job["payload"]["to"].is_string(), "{job}");
    }
    assert!(
        !text.contains(&token),
        "the reset token is not in the listing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_stream_ends_with_its_session_and_each_user_holds_only_so_many() {
    let app = TestApp::builder()
        .api_env("PREPQ_STREAM_CHECK_SECS", "1")
        .api_env("PREPQ_STREAMS_PER_USER", "2")
        .start()
        .await;
    let user = app.user().await;
    let other = app.user().await;
    let mut first = user.events("/api/v1/events").await;
    let _second = user.events("/api/v1/events").await;
    let third = user.get("/api/v1/events").await;
    assert_eq!(third.status(), 429, "a third stream of the same user");
    assert!(third.headers().contains_key("retry-after"));
    let mut others = other.events("/api/v1/events").await;

    let body = json!({"current_password": PASSWORD, "new_password": "brand new passphrase"});
    let changed = user
        .call(Method::PUT, "/api/v1/auth/password", Some(&body))
        .await;
    assert_eq!(changed.status(), 204);
    assert_eq!(
        first.next(JOB_DEADLINE).await,
        None,
        "the stream ends with the session"
    );
    // The other user's stream goes on: a job of theirs still arrives on it.
    let job = other.echo("still here", 0).await;
    let event = others.next(JOB_DEADLINE).await.expect("an event");
    assert_eq!(event["job_id"], job.id.to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn addresses_are_folded_once_so_every_address_that_registers_signs_in() {
    let app = TestApp::builder().start().await;
    for email in ["İlker@example.com", "ilker@example.com", "ΟΔΟΣ@example.com"] {
        assert_eq!(app.register(email, PASSWORD).await.status(), 201, "{email}");
        assert_eq!(app.login(email, PASSWORD).await.status(), 200, "{email}");
    }
    assert_eq!(
        app.login("İLKER@EXAMPLE.COM", PASSWORD).await.status(),
        200,
        "the same address in capitals"
    );
    assert_eq!(
        app.register("οδος@example.com", PASSWORD).await.status(),
        409,
        "the lower-case spelling is the same address"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_link_dies_with_a_password_change_and_strangers_cannot_spend_the_mail_budget() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder()
        .smtp(&smtp)
        .workers(1)
        .api_env("PREPQ_TRUST_FORWARDED_FOR", "true")
        .api_env("PREPQ_RATE_MAIL_ACCOUNT", "3/1h")
        .start()
        .await;
    let user = app.user().await;
    let ask = |from: &str| {
        app.http
            .post(format!("{}/api/v1/auth/password-reset", app.base_url))
            .header("X-Forwarded-For", from)
            .json(&json!({ "email": user.email }))
            .send()
    };
    let mut strangers: Vec<u16> = futures::future::join_all((0..5).map(|_| ask("203.0.113.9")))
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    strangers.sort_unstable();
    assert_eq!(strangers, [202, 202, 202, 429, 429]);
    assert_eq!(
        ask("198.51.100.7").await.unwrap().status(),
        202,
        "the owner still can"
    );

    let mail = smtp.nth_mail_to(&user.email, 2, JOB_DEADLINE).await;
    let token = mail
        .link("http")
        .and_then(|link| link.split("token=").nth(1).map(str::to_owned))
        .expect("a reset link");
    let body = json!({"current_password": PASSWORD, "new_password": "brand new passphrase"});
    let changed = user
        .call(Method::PUT, "/api/v1/auth/password", Some(&body))
        .await;
    assert_eq!(changed.status(), 204);
    let late = app
        .http
        .post(format!(
            "{}/api/v1/auth/password-reset/confirm",
            app.base_url
        ))
        .json(&json!({ "token": token, "new_password": "an attacker's passphrase" }))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 400, "a link mailed before the change");
    app.sign_in(&user.email, "brand new passphrase").await;
}

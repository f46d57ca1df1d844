use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::{EncodingKey, Header};
use prepq_tests::{TestApp, fixture};
use reqwest::Method;
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn another_users_job_is_not_found() {
    let app = TestApp::builder().start().await;
    let alice = app.user().await;
    let bob = app.user().await;
    let job = alice.echo("private", 0).await;

    for path in [
        format!("/api/v1/jobs/{}", job.id),
        format!("/api/v1/jobs/{}/events", job.id),
    ] {
        let response = bob.get(&path).await;
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }
    let cancel = bob
        .post_json(
            &format!("/api/v1/jobs/{}/cancel", job.id),
            &Value::Null,
            None,
        )
        .await;
    assert_eq!(cancel.status(), 404);
    let listed: Value = bob.get("/api/v1/jobs").await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    assert_eq!(alice.job(job.id).await.id, job.id);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_tampered_or_unsigned_tokens_are_refused() {
    let app = TestApp::builder().start().await;
    let user = app.user().await;
    let url = user.url("/api/v1/jobs");

    let anonymous = user.http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    let (head_and_claims, signature) = user.token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head_and_claims}.{flipped}{}", &signature[1..]);
    let claims = user.token.split('.').nth(1).unwrap();
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{claims}.");
    // Signed with the right key, naming a live session, but past its expiry.
    let mut expired: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    expired["iat"] = json!(now - 1000);
    expired["exp"] = json!(now - 100);
    let expired = jsonwebtoken::encode(
        &Header::default(),
        &expired,
        &EncodingKey::from_secret(app.jwt_secret.as_bytes()),
    )
    .unwrap();
    for token in [
        tampered.as_str(),
        unsigned.as_str(),
        expired.as_str(),
        "not-a-token",
    ] {
        let response = user.http.get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), 401, "token {token}");
    }
    assert_eq!(user.get("/api/v1/jobs").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_users_file_and_job_cannot_be_read_cancelled_or_deleted() {
    let app = TestApp::builder().start().await;
    let alice = app.user().await;
    let bob = app.user().await;
    let upload = alice.upload(fixture("rm_john_doe.pdf"), "alice.pdf").await;
    assert_eq!(upload.status(), 202);
    let job: Value = upload.json().await.unwrap();
    let job_path = format!("/api/v1/jobs/{}", job["id"].as_str().unwrap());
    let file_path = format!(
        "/api/v1/files/{}",
        job["payload"]["file_id"].as_str().unwrap()
    );

    for (method, path) in [
        (Method::GET, file_path.clone()),
        (Method::DELETE, file_path.clone()),
        (Method::GET, job_path.clone()),
        (Method::POST, format!("{job_path}/cancel")),
        (Method::DELETE, job_path.clone()),
    ] {
        let response = bob.call(method.clone(), &path, None).await;
        assert_eq!(response.status(), 404, "{method} {path}");
    }
    let files: Value = bob.get("/api/v1/files").await.json().await.unwrap();
    assert_eq!(files["items"].as_array().unwrap().len(), 0);

    let file: Value = alice.get(&file_path).await.json().await.unwrap();
    assert_eq!(file["media_type"], "application/pdf");
    assert_eq!(file["original_name"], "alice.pdf");
    let unfinished = alice.call(Method::DELETE, &job_path, None).await;
    assert_eq!(
        unfinished.status(),
        409,
        "a queued job is cancelled, not deleted"
    );
    assert_eq!(
        alice
            .call(Method::POST, &format!("{job_path}/cancel"), None)
            .await
            .status(),
        200
    );
    assert_eq!(
        alice.call(Method::DELETE, &job_path, None).await.status(),
        204
    );
    assert_eq!(alice.get(&job_path).await.status(), 404);
    assert_eq!(
        alice.call(Method::DELETE, &file_path, None).await.status(),
        204
    );
    assert_eq!(alice.get(&file_path).await.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_endpoints_are_refused_to_users_and_work_for_admins() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let admin = app.admin().await;
    let failing = user
        .post_json(
            "/api/v1/jobs/echo",
            &json!({"message": "second chance", "fail_attempts": 5}),
            None,
        )
        .await;
    let failing: Value = failing.json().await.unwrap();
    let id = failing["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(user.finished(id, JOB_DEADLINE).await.status, "failed");

    let retry = format!("/api/v1/admin/jobs/{id}/retry");
    for path in ["/api/v1/admin/users", "/api/v1/admin/jobs", retry.as_str()] {
        let method = if path == retry {
            Method::POST
        } else {
            Method::GET
        };
        let refused = user.call(method.clone(), path, None).await;
        assert_eq!(refused.status(), 403, "{path}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden");
        let anonymous = app
            .http
            .request(method, user.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401, "{path}");
    }

    let users: Value = admin.get("/api/v1/admin/users").await.json().await.unwrap();
    let emails: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&user.email.as_str()) && emails.contains(&admin.email.as_str()));
    let mail_jobs: Value = admin
        .get("/api/v1/admin/jobs?kind=email.send")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !mail_jobs["items"].as_array().unwrap().is_empty(),
        "system jobs show to admins"
    );
    let profile: Value = admin
        .get("/api/v1/auth/profile")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(profile["role"], "admin");
    assert_eq!(profile["email_verified"], true);

    // It failed its five attempts; the retry grants five more, and the sixth succeeds.
    let retried = admin.call(Method::POST, &retry, None).await;
    assert_eq!(retried.status(), 200);
    let done = user.finished(id, JOB_DEADLINE).await;
    assert_eq!(done.status, "succeeded");
    assert_eq!(done.attempt, 6);
    let again = admin.call(Method::POST, &retry, None).await;
    assert_eq!(again.status(), 409, "only a failed job can be retried");
}

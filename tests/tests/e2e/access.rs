use prepq_tests::TestApp;
use serde_json::Value;

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
    for token in [tampered.as_str(), unsigned.as_str(), "not-a-token"] {
        let response = user.http.get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), 401, "token {token}");
    }
    assert_eq!(user.get("/api/v1/jobs").await.status(), 200);
}

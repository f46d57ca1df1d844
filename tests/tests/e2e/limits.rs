use prepq_tests::{PASSWORD, TestApp, wait_until};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn twenty_wrong_passwords_are_throttled_and_the_right_one_works_after_the_window() {
    let app = TestApp::builder()
        .api_env("PREPQ_RATE_LOGIN_ACCOUNT", "10/8s")
        .start()
        .await;
    let user = app.user().await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..20 {
        let response = app.login(&user.email, "not my password").await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            retry_after = response.headers().get("retry-after").cloned();
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
        }
    }
    // `user()` signed in once: that attempt counts too.
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        9,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        11,
        "{statuses:?}"
    );
    let secs: u64 = retry_after.unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=8).contains(&secs), "Retry-After {secs}");
    assert_eq!(
        app.login(&user.email, PASSWORD).await.status(),
        429,
        "still in the window"
    );

    wait_until(
        "the window to pass",
        std::time::Duration::from_secs(30),
        || async { (app.login(&user.email, PASSWORD).await.status() == 200).then_some(()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_ins_are_limited_per_address_across_accounts() {
    let app = TestApp::builder()
        .api_env("PREPQ_RATE_LOGIN_IP", "5/1m")
        .start()
        .await;
    let mut statuses = Vec::new();
    for n in 0..7 {
        let response = app.login(&format!("guess-{n}@example.com"), PASSWORD).await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
}

#[tokio::test(flavor = "multi_thread")]
async fn limits_hold_across_api_instances() {
    let mut app = TestApp::builder()
        .api_env("PREPQ_RATE_ENQUEUE_USER", "4/1m")
        .start()
        .await;
    let second = app.start_api().await;
    let user = app.user().await;
    let mut elsewhere = user.clone();
    elsewhere.base = second;
    for client in [&user, &elsewhere, &user, &elsewhere] {
        let accepted = client
            .post_json("/api/v1/jobs/echo", &json!({"message": "hi"}), None)
            .await;
        assert_eq!(accepted.status(), 202);
    }
    for client in [&user, &elsewhere] {
        let refused = client
            .post_json("/api/v1/jobs/echo", &json!({"message": "hi"}), None)
            .await;
        assert_eq!(refused.status(), 429);
        assert!(refused.headers().contains_key("retry-after"));
    }
    let other = app.user().await;
    let accepted = other
        .post_json("/api/v1/jobs/echo", &json!({"message": "hi"}), None)
        .await;
    assert_eq!(accepted.status(), 202, "the budget is per user");
}

#[tokio::test(flavor = "multi_thread")]
async fn registrations_and_reset_requests_are_limited_per_address() {
    let app = TestApp::builder()
        .api_env("PREPQ_RATE_REGISTER_IP", "2/1h")
        .api_env("PREPQ_RATE_RESET_IP", "2/1h")
        .start()
        .await;
    let app = &app;
    let statuses: Vec<u16> = futures::future::join_all((0..3).map(|n| async move {
        app.register(&format!("new-{n}@example.com"), PASSWORD)
            .await
            .status()
            .as_u16()
    }))
    .await;
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [201, 201, 429], "{statuses:?}");
    let mut resets = Vec::new();
    for _ in 0..3 {
        let response = app
            .http
            .post(format!("{}/api/v1/auth/password-reset", app.base_url))
            .json(&json!({"email": "new-0@example.com"}))
            .send()
            .await
            .unwrap();
        resets.push(response.status().as_u16());
    }
    assert_eq!(resets, [202, 202, 429]);
}

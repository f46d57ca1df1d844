use prepq_tests::TestApp;
use reqwest::Method;
use serde_json::Value;

const HEADERS: [&str; 4] = [
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "content-security-policy",
];

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_carries_security_headers_and_errors_keep_one_shape() {
    let app = TestApp::builder().start().await;
    let user = app.user().await;
    let cases = [
        (Method::GET, "/healthz", 200),
        (Method::GET, "/api/v1/jobs", 200),
        (Method::GET, "/api/v1/no-such-thing", 404),
        (Method::PATCH, "/api/v1/jobs", 405),
        (Method::GET, "/api/v1/jobs?limit=1000", 400),
    ];
    for (method, path, status) in cases {
        let response = user.call(method.clone(), path, None).await;
        assert_eq!(response.status(), status, "{method} {path}");
        for header in HEADERS {
            assert!(
                response.headers().contains_key(header),
                "{header} on {method} {path}"
            );
        }
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        if status >= 400 {
            let body: Value = response.json().await.unwrap();
            assert!(body["error"]["code"].is_string(), "{method} {path}: {body}");
            assert!(
                body["error"]["message"].is_string(),
                "{method} {path}: {body}"
            );
        }
    }
    let malformed = app
        .http
        .post(format!("{}/api/v1/auth/login", app.base_url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_request");
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.http
        .request(Method::OPTIONS, format!("{}/api/v1/jobs", app.base_url))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_allows_only_the_configured_origins() {
    let app = TestApp::builder()
        .api_env("PREPQ_CORS_ORIGINS", "https://app.prepq.example")
        .start()
        .await;
    let allowed = preflight(&app, "https://app.prepq.example").await;
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.prepq.example"
    );
    let evil = preflight(&app, "https://evil.example").await;
    assert!(!evil.headers().contains_key("access-control-allow-origin"));

    let closed = TestApp::builder().start().await;
    let refused = preflight(&closed, "https://app.prepq.example").await;
    assert!(
        !refused
            .headers()
            .contains_key("access-control-allow-origin"),
        "no origin is allowed by default"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nul_character_in_any_text_is_a_400_not_a_database_error() {
    let app = TestApp::builder().start().await;
    let user = app.user().await;
    let login = app.login("a\u{0}b@example.com", "whatever it is").await;
    let cases = [
        login,
        user.call(
            Method::PUT,
            "/api/v1/profile",
            Some(&serde_json::json!({ "display_name": "Ada\u{0}" })),
        )
        .await,
        user.get("/api/v1/postings?q=go%00lang").await,
        user.call(
            Method::POST,
            "/api/v1/orders",
            Some(&serde_json::json!({ "client_order_key": "k\u{0}", "amount_fen": 1000 })),
        )
        .await,
    ];
    for response in cases {
        let url = response.url().clone();
        assert_eq!(response.status(), 400, "{url}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_request", "{url}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("NUL"),
            "{url}: {body}"
        );
    }
    let profile: Value = user.get("/api/v1/profile").await.json().await.unwrap();
    assert!(profile["display_name"].is_null(), "nothing was stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_of_an_allowed_origin_can_read_the_errors_too() {
    let app = TestApp::builder()
        .api_env("PREPQ_CORS_ORIGINS", "https://app.prepq.example")
        .api_env("PREPQ_MAX_JSON_BYTES", "1000")
        .start()
        .await;
    let from_app = |method: Method, path: &str| {
        app.http
            .request(method, format!("{}{path}", app.base_url))
            .header("Origin", "https://app.prepq.example")
    };
    let answers = [
        from_app(Method::GET, "/api/v1/jobs").send().await.unwrap(),
        from_app(Method::GET, "/api/v1/no-such-thing")
            .send()
            .await
            .unwrap(),
        from_app(Method::POST, "/api/v1/auth/login")
            .header("content-type", "application/json")
            .body("x".repeat(2000))
            .send()
            .await
            .unwrap(),
        from_app(Method::POST, "/api/v1/auth/login")
            .header("content-type", "text/plain")
            .body("hello")
            .send()
            .await
            .unwrap(),
    ];
    let statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
    assert_eq!(statuses, [401, 404, 413, 415]);
    for answer in &answers {
        assert_eq!(
            answer.headers()["access-control-allow-origin"],
            "https://app.prepq.example",
            "{}",
            answer.status()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_served_on_their_own_port_and_not_on_the_public_one() {
    let app = TestApp::builder().start().await;
    app.user().await;
    let public = app
        .http
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    let private = app
        .http
        .get(format!("{}/metrics", app.api_metrics))
        .send()
        .await
        .unwrap();
    assert_eq!(private.status(), 200);
    let text = private.text().await.unwrap();
    assert!(text.contains("api_password_hashes_total"), "{text}");
}

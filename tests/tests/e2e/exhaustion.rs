//! What an anonymous client can make the API spend is bounded: body bytes, connections and
//! the time they are held, and password hashes.

use std::{sync::Arc, time::Duration};

use futures::future::join_all;
use prepq_tests::{TestApp, wait_until};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::Mutex,
};

const MIB: usize = 1024 * 1024;

/// Sends a request head and as much of `body` as the server takes (in chunks of the
/// chunked coding, or as is), then reads the head of the answer.
async fn send_raw(app: &TestApp, head: String, body: Vec<u8>, chunked: bool) -> String {
    let address = app.base_url.trim_start_matches("http://");
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        for chunk in body.chunks(64 * 1024) {
            if chunked {
                writer
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
            }
            writer.write_all(chunk).await?;
            if chunked {
                writer.write_all(b"\r\n").await?;
            }
        }
        std::io::Result::Ok(())
    });
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // The head of the answer is enough; the server may close before the client is done.
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
    writing.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

fn head(path: &str, token: Option<&str>, length: Option<usize>) -> String {
    let framing = match length {
        Some(length) => format!("Content-Length: {length}"),
        None => "Transfer-Encoding: chunked".to_owned(),
    };
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{auth}{framing}\r\n\r\n"
    )
}

fn rss_kib(app: &TestApp) -> u64 {
    app.api.memory().expect("the API's memory").rss_kib
}

#[tokio::test(flavor = "multi_thread")]
async fn a_64_mib_sign_in_body_is_refused_with_413_and_the_api_does_not_grow() {
    let app = TestApp::builder().start().await;
    let before = rss_kib(&app);
    let login = "/api/v1/auth/login";
    let spaces = vec![b' '; 64 * MIB];
    let declared = send_raw(
        &app,
        head(login, None, Some(64 * MIB)),
        spaces.clone(),
        false,
    )
    .await;
    assert!(declared.starts_with("HTTP/1.1 413"), "{declared}");
    // Without a declared length the body is counted as it arrives.
    let streamed = send_raw(&app, head(login, None, None), spaces, true).await;
    assert!(streamed.starts_with("HTTP/1.1 413"), "{streamed}");
    let grown = rss_kib(&app).saturating_sub(before);
    assert!(grown < 16 * 1024, "the API grew by {grown} KiB");

    // Two million unknown keys are refused for their size, not parsed.
    let user = app.user().await;
    let keys: String = (0..2_000_000).map(|n| format!("\"k{n}\":0,")).collect();
    let body = format!("{{{keys}\"message\":\"hi\"}}").into_bytes();
    let echo = head("/api/v1/jobs/echo", Some(&user.token), Some(body.len()));
    let answer = send_raw(&app, echo, body, false).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn random_reset_tokens_cost_no_password_hash_and_are_rate_limited() {
    let app = TestApp::builder()
        .api_env("PREPQ_RATE_RESET_CONFIRM_IP", "40/1h")
        .start()
        .await;
    let hashes_before = app.api_counter("api_password_hashes_total").await;
    let confirm = |n: usize| {
        let app = &app;
        async move {
            app.http
                .post(format!(
                    "{}/api/v1/auth/password-reset/confirm",
                    app.base_url
                ))
                .json(
                    &json!({ "token": format!("guess-{n}"), "new_password": "a fresh passphrase" }),
                )
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let statuses = join_all((0..50).map(confirm)).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        40,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        app.api_counter("api_password_hashes_total").await,
        hashes_before,
        "no hash was computed for a token that does not exist"
    );
}

/// Whether the server has closed the connection (reading gives end of file or an error).
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(Duration::from_millis(1), stream.read(&mut byte)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// Waits until the server has closed at least `at_least` of `streams`; how many it closed.
async fn wait_closed(what: &str, streams: Vec<TcpStream>, at_least: usize) -> usize {
    let streams = Arc::new(Mutex::new(streams));
    wait_until(what, Duration::from_secs(30), || {
        let streams = streams.clone();
        async move {
            let mut closed = 0;
            for stream in streams.lock().await.iter_mut() {
                closed += usize::from(closed_by_server(stream).await);
            }
            (closed >= at_least).then_some(closed)
        }
    })
    .await
}

async fn connect(app: &TestApp, count: usize) -> Vec<TcpStream> {
    let address = app.base_url.trim_start_matches("http://");
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        streams.push(TcpStream::connect(address).await.unwrap());
    }
    streams
}

async fn readyz(app: &TestApp) -> u16 {
    let ready = app.http.get(format!("{}/readyz", app.base_url)).send();
    ready.await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_and_half_sent_connections_are_closed_and_readyz_answers_throughout() {
    let app = TestApp::builder()
        .api_env("PREPQ_IDLE_TIMEOUT_SECS", "5")
        .start()
        .await;
    let mut streams = connect(&app, 2000).await;
    // Opened last, so the idle timeout cannot close them before they are used.
    let mut special = connect(&app, 2).await;
    special[0]
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: loc")
        .await
        .unwrap();
    special[1]
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 512];
    assert!(
        special[1].read(&mut answer).await.unwrap() > 0,
        "an answer, then kept alive"
    );
    assert_eq!(readyz(&app).await, 200, "beside 2,002 idle connections");
    streams.append(&mut special);

    let all = streams.len();
    wait_closed("the server to close every idle connection", streams, all).await;
    assert_eq!(readyz(&app).await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_over_the_cap_are_closed_at_once() {
    let app = TestApp::builder()
        .api_env("PREPQ_MAX_CONNECTIONS", "20")
        .api_env("PREPQ_IDLE_TIMEOUT_SECS", "600")
        .start()
        .await;
    let streams = connect(&app, 30).await;
    let closed = wait_closed("the connections over the cap to be closed", streams, 10).await;
    // The harness's own pooled connection may hold one slot.
    assert!((10..=11).contains(&closed), "{closed} closed");
}

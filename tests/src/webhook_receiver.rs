//! A webhook endpoint on 127.0.0.1 that a test controls: it answers each request with the
//! next of the answers it was given (then 200), and keeps every request it got. `verify`
//! checks a request's signature with the specification's algorithm, written here apart
//! from the workers' (on aws-lc's HMAC), so the two must agree.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use aws_lc_rs::hmac;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use poem::{
    Endpoint, Request, Response, Server,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
};

use crate::wait_until;

/// What the receiver answers one request with.
#[derive(Debug, Clone)]
pub enum Answer {
    Status(u16),
    /// 302 to this path of the receiver.
    Redirect(&'static str),
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a webhook body is JSON")
    }
}

#[derive(Default)]
struct State {
    answers: Mutex<VecDeque<Answer>>,
    received: Mutex<Vec<Received>>,
}

pub struct WebhookReceiver {
    pub base_url: String,
    state: Arc<State>,
}

impl WebhookReceiver {
    pub async fn start() -> Self {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("binding the webhook receiver");
        let port = acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("a TCP address")
            .port();
        let state = Arc::new(State::default());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(Receiver(state.clone())));
        Self {
            base_url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The next requests get these answers, in order; later ones 200.
    pub fn answer(&self, answers: &[Answer]) {
        self.state
            .answers
            .lock()
            .unwrap()
            .extend(answers.iter().cloned());
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests have come; returns them all.
    pub async fn wait_for(&self, n: usize, deadline: Duration) -> Vec<Received> {
        wait_until(&format!("{n} webhook requests"), deadline, || async {
            let received = self.received();
            (received.len() >= n).then_some(received)
        })
        .await
    }
}

/// Whether one of the request's `v1,` signatures is the HMAC-SHA256, keyed by `secret`'s
/// bytes, of `{id}.{timestamp}.{body}`.
pub fn verify(secret: &str, received: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("the secret is base64");
    let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
    let mut signed = format!("{}.{}.", received.id, received.timestamp).into_bytes();
    signed.extend_from_slice(&received.body);
    let expected = STANDARD.encode(hmac::sign(&key, &signed).as_ref());
    received
        .signature
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}

struct Receiver(Arc<State>);

impl Endpoint for Receiver {
    type Output = Response;

    async fn call(&self, request: Request) -> poem::Result<Response> {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (id, timestamp, signature) = (
            header("webhook-id"),
            header("webhook-timestamp"),
            header("webhook-signature"),
        );
        let path = request.uri().path().to_owned();
        let body = request.into_body().into_vec().await.unwrap_or_default();
        self.0.received.lock().unwrap().push(Received {
            path,
            id,
            timestamp,
            signature,
            body,
            at: Instant::now(),
        });
        let answer = self.0.answers.lock().unwrap().pop_front();
        Ok(match answer {
            None => Response::builder().body("ok"),
            Some(Answer::Status(code)) => Response::builder()
                .status(StatusCode::from_u16(code).expect("a status"))
                .body(format!("answered {code} on purpose")),
            Some(Answer::Redirect(to)) => Response::builder()
                .status(StatusCode::FOUND)
                .header("location", to)
                .body("moved"),
        })
    }
}

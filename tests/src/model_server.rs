//! A stand-in for an OpenAI-compatible chat-completions endpoint on 127.0.0.1: it records
//! every request and answers from a script, one scripted answer per call. An empty script
//! answers 503. A held answer waits until the test releases it.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use poem::{
    EndpointExt, Route, Server, handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    web::{Data, Json},
};
use serde_json::{Value, json};
use tokio::sync::Notify;

/// One scripted answer.
pub enum ModelReply {
    /// 200 with this text as the message content, and token usage.
    Content(String),
    /// This status, with `Retry-After` when given.
    Status(u16, Option<u64>),
    /// This status with these words as the body, as a server that cannot take the request
    /// answers (llama.cpp's 500 to a `json_schema` response format).
    Refuse(u16, String),
    /// Waits for `release`, then answers with the content.
    Held(String),
    /// 200 with this text, stopped at the request's `max_tokens` (`finish_reason: length`).
    CutOff(String),
    /// 200 with an empty message content.
    Blank,
}

#[derive(Default)]
struct Script {
    /// Answer 500 to `response_format: json_schema`, as llama.cpp's server does.
    refuse_json_schema: std::sync::atomic::AtomicBool,
    replies: Mutex<VecDeque<ModelReply>>,
    requests: Mutex<Vec<Value>>,
    trace_parents: Mutex<Vec<Option<String>>>,
    release: Notify,
}

pub struct ModelServer {
    pub base_url: String,
    script: Arc<Script>,
}

impl ModelServer {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// On `port` of 127.0.0.1 (0: any free one), e.g. one the workers were told of before
    /// the model came up.
    pub async fn start_on(port: u16) -> Self {
        let acceptor = TcpListener::bind(format!("127.0.0.1:{port}"))
            .into_acceptor()
            .await
            .expect("binding the model server");
        let port = acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("a TCP address")
            .port();
        let script = Arc::new(Script::default());
        let app = Route::new()
            .at("/v1/chat/completions", poem::post(complete))
            .data(script.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Self {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            script,
        }
    }

    pub fn reply(&self, reply: ModelReply) -> &Self {
        self.script.replies.lock().unwrap().push_back(reply);
        self
    }

    /// From now on answers 500 to a `json_schema` response format, as llama.cpp's server
    /// (packaged by llama-cpp-python) does; `json_object` with a schema it takes.
    pub fn like_llama_cpp(&self) -> &Self {
        self.script
            .refuse_json_schema
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self
    }

    /// The request bodies received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.script.requests.lock().unwrap().clone()
    }

    /// Each request's `traceparent` header, in order.
    pub fn trace_parents(&self) -> Vec<Option<String>> {
        self.script.trace_parents.lock().unwrap().clone()
    }

    /// Lets a held answer go.
    pub fn release(&self) {
        self.script.release.notify_one();
    }
}

#[handler]
async fn complete(
    script: Data<&Arc<Script>>,
    headers: &poem::http::HeaderMap,
    body: Json<Value>,
) -> poem::Response {
    let wants_schema = body.0["response_format"]["type"] == "json_schema";
    let trace_parent = headers
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    script.trace_parents.lock().unwrap().push(trace_parent);
    script.requests.lock().unwrap().push(body.0);
    if wants_schema
        && script
            .refuse_json_schema
            .load(std::sync::atomic::Ordering::SeqCst)
    {
        return poem::Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .body("Input should be 'text' or 'json_object'");
    }
    let reply = script.replies.lock().unwrap().pop_front();
    match reply {
        Some(ModelReply::Content(content)) => completion(&content, "stop"),
        Some(ModelReply::CutOff(content)) => completion(&content, "length"),
        Some(ModelReply::Blank) => completion("", "stop"),
        Some(ModelReply::Held(content)) => {
            script.release.notified().await;
            completion(&content, "stop")
        }
        Some(ModelReply::Status(status, retry_after)) => {
            let mut response =
                poem::Response::builder().status(StatusCode::from_u16(status).expect("a status"));
            if let Some(secs) = retry_after {
                response = response.header("retry-after", secs.to_string());
            }
            response.body(r#"{"error":{"message":"busy"}}"#)
        }
        Some(ModelReply::Refuse(status, words)) => poem::Response::builder()
            .status(StatusCode::from_u16(status).expect("a status"))
            .body(words),
        None => poem::Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .body("no scripted answer"),
    }
}

fn completion(content: &str, finish_reason: &str) -> poem::Response {
    let body = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": finish_reason }],
        "usage": { "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500 },
    });
    poem::Response::builder()
        .content_type("application/json")
        .body(body.to_string())
}

/// The text between a fence's opening and closing marks in a message the model was sent.
pub fn fenced<'t>(content: &'t str, name: &str) -> &'t str {
    let open = content
        .find(&format!("<<<{name}-"))
        .expect("an opening fence");
    let body = &content[open..];
    let nonce_end = body.find('\n').unwrap();
    let nonce = &body[name.len() + 4..nonce_end];
    let close = body
        .find(&format!("{name}-{nonce}>>>"))
        .expect("a closing fence");
    &body[nonce_end..close]
}

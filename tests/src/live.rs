//! A scripted client of a mock interview's WebSocket.

use std::{sync::LazyLock, time::Duration};

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message};

use crate::User;

pub struct LiveClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl LiveClient {
    /// Opens the session's socket with a fresh ticket.
    pub async fn open(user: &User, interview: &str) -> Self {
        let ticket = ticket(user, interview).await;
        Self::open_with(user, interview, &ticket)
            .await
            .unwrap_or_else(|status| panic!("the socket was refused: {status}"))
    }

    /// Opens `interview`'s socket with `ticket`; the HTTP status when the upgrade is refused.
    pub async fn open_with(user: &User, interview: &str, ticket: &str) -> Result<Self, u16> {
        let url = user
            .url(&format!(
                "/api/v1/interviews/{interview}/live?ticket={ticket}"
            ))
            .replacen("http://", "ws://", 1);
        match tokio_tungstenite::connect_async(url).await {
            Ok((socket, _)) => Ok(Self { socket }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(e) => panic!("connecting the socket: {e}"),
        }
    }

    pub async fn send(&mut self, message: Value) {
        self.send_text(message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.socket
            .send(Message::Text(text.into()))
            .await
            .expect("sending on the socket");
    }

    /// The next message of `kind` (`question`, `feedback`, …), skipping others; panics
    /// after `deadline` or when the socket ends first.
    pub async fn next_of(&mut self, kind: &str, deadline: Duration) -> Value {
        self.next_of_any(&[kind], deadline).await
    }

    /// The next message of any of `kinds`.
    pub async fn next_of_any(&mut self, kinds: &[&str], deadline: Duration) -> Value {
        tokio::time::timeout(deadline, async {
            loop {
                match self.message().await {
                    Some(message) if kinds.iter().any(|k| message["type"] == *k) => {
                        return message;
                    }
                    Some(_) => {}
                    None => panic!("the socket ended before a {kinds:?} message"),
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {kinds:?} message within {deadline:?}"))
    }

    /// The next JSON message; None once the socket is closed.
    pub async fn message(&mut self) -> Option<Value> {
        loop {
            match self.socket.next().await? {
                Ok(Message::Text(text)) => {
                    let message: Value = serde_json::from_str(&text).expect("a JSON message");
                    if let Err(why) = documented(&message) {
                        panic!("a message off the OpenAPI document ({why}): {message}");
                    }
                    return Some(message);
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// Waits for the server to close the socket, skipping what it still sends.
    pub async fn closed_within(&mut self, deadline: Duration) -> bool {
        tokio::time::timeout(deadline, async { while self.message().await.is_some() {} })
            .await
            .is_ok()
    }
}

pub async fn ticket(user: &User, interview: &str) -> String {
    let answer = user
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/interviews/{interview}/ticket"),
            None,
        )
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.text().await);
    let body: Value = answer.json().await.expect("a ticket");
    body["ticket"].as_str().expect("a ticket").to_owned()
}

/// The checked-in OpenAPI document: what the server's messages must match.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("the OpenAPI document"))
        .expect("a JSON document")
});

/// Whether a server message is a `LiveServerMessage` as the document has it: a `type` the
/// discriminator maps, every field declared with its JSON type, every required one there.
fn documented(message: &Value) -> Result<(), String> {
    let schemas = &DOCUMENT["components"]["schemas"];
    let kind = message["type"].as_str().ok_or("no type")?;
    let variant = schemas["LiveServerMessage"]["discriminator"]["mapping"][kind]
        .as_str()
        .ok_or_else(|| format!("type {kind} is not in the discriminator"))?;
    let resolve = |reference: &str| &schemas[reference.trim_start_matches("#/components/schemas/")];
    let body = resolve(variant)["allOf"]
        .as_array()
        .and_then(|parts| parts.iter().find_map(|p| p["$ref"].as_str()))
        .map(resolve)
        .ok_or("the variant names no object")?;
    let fields = message.as_object().ok_or("not an object")?;
    for required in body["required"].as_array().into_iter().flatten() {
        let name = required.as_str().unwrap_or_default();
        if !fields.contains_key(name) {
            return Err(format!("{name} is required"));
        }
    }
    for (name, value) in fields.iter().filter(|(name, _)| *name != "type") {
        let declared = &body["properties"][name];
        if declared.is_null() {
            return Err(format!("{name} is not declared"));
        }
        let matches = match declared["type"].as_str() {
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("string") => value.is_string(),
            Some("boolean") => value.is_boolean(),
            Some("array") => value.is_array(),
            Some("object") | None => value.is_object(),
            Some(_) => true,
        };
        if !matches {
            return Err(format!("{name} is not a {}", declared["type"]));
        }
    }
    Ok(())
}

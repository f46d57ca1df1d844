//! A scripted client of a mock interview's WebSocket.

use std::time::Duration;

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
                    return Some(serde_json::from_str(&text).expect("a JSON message"));
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

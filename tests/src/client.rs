//! A signed-in user of the API, speaking HTTP like any client would.

use std::time::Duration;

use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{SseReader, wait_until};

#[derive(Debug, Clone, Deserialize)]
pub struct JobView {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    pub attempt: i32,
    pub progress: i16,
    pub result: Option<Value>,
    pub error: Option<String>,
}

#[derive(Clone)]
pub struct User {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    pub refresh_token: String,
    pub email: String,
}

impl User {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("GET")
    }

    /// Any call, with this user's access token.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("HTTP call")
    }

    /// Presents a refresh token (no access token needed).
    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.http
            .post(self.url("/api/v1/auth/refresh"))
            .json(&json!({"refresh_token": refresh_token}))
            .send()
            .await
            .expect("refresh")
    }

    pub async fn post_json(
        &self,
        path: &str,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        request.send().await.expect("POST")
    }

    /// One queue as `GET /admin/queues` shows it to an administrator.
    pub async fn queue(&self, kind: &str) -> Value {
        let queues: Value = self
            .get("/api/v1/admin/queues")
            .await
            .json()
            .await
            .expect("the queues");
        queues
            .as_array()
            .expect("a list")
            .iter()
            .find(|q| q["kind"] == kind)
            .cloned()
            .unwrap_or_else(|| panic!("no queue {kind}"))
    }

    /// Enqueues an echo job and returns it as accepted.
    pub async fn echo(&self, message: &str, sleep_ms: u64) -> JobView {
        self.enqueue_echo(json!({"message": message, "sleep_ms": sleep_ms}))
            .await
    }

    /// Enqueues an echo job that fails its first `fails` attempts (it has five).
    pub async fn echo_failing(&self, message: &str, fails: u32) -> JobView {
        self.enqueue_echo(json!({"message": message, "fail_attempts": fails}))
            .await
    }

    async fn enqueue_echo(&self, body: Value) -> JobView {
        let response = self.post_json("/api/v1/jobs/echo", &body, None).await;
        assert_eq!(
            response.status(),
            202,
            "echo enqueue: {}",
            response.text().await.unwrap_or_default()
        );
        response.json().await.expect("accepted job")
    }

    /// Enqueues `count` echo jobs from `clients` concurrent requests; returns their ids.
    pub async fn echo_many(&self, count: usize, sleep_ms: u64, clients: usize) -> Vec<Uuid> {
        futures::stream::iter(0..count)
            .map(|n| async move { self.echo(&format!("echo {n}"), sleep_ms).await.id })
            .buffer_unordered(clients)
            .collect()
            .await
    }

    pub async fn upload(&self, bytes: Vec<u8>, file_name: &str) -> reqwest::Response {
        self.upload_to("/api/v1/jobs/resume-extract", bytes, file_name)
            .await
    }

    /// A multipart upload of one file, as field `file`.
    pub async fn upload_to(
        &self,
        path: &str,
        bytes: Vec<u8>,
        file_name: &str,
    ) -> reqwest::Response {
        self.upload_keyed(path, bytes, file_name, None).await
    }

    /// `upload_to`, with an `Idempotency-Key` when given one.
    pub async fn upload_keyed(
        &self,
        path: &str,
        bytes: Vec<u8>,
        file_name: &str,
        idempotency_key: Option<&str>,
    ) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let mut request = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .multipart(form);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        request.send().await.expect("upload")
    }

    pub async fn job(&self, id: Uuid) -> JobView {
        let response = self.get(&format!("/api/v1/jobs/{id}")).await;
        assert_eq!(response.status(), 200, "GET job {id}");
        response.json().await.expect("job view")
    }

    /// Polls the job until it is finished (succeeded, failed or cancelled).
    pub async fn finished(&self, id: Uuid, deadline: Duration) -> JobView {
        wait_until(&format!("job {id} to finish"), deadline, || async move {
            let job = self.job(id).await;
            matches!(job.status.as_str(), "succeeded" | "failed" | "cancelled").then_some(job)
        })
        .await
    }

    pub async fn events(&self, path: &str) -> SseReader {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .header("Accept", "text/event-stream")
            .send()
            .await
            .expect("open event stream");
        assert_eq!(response.status(), 200, "event stream {path}");
        SseReader::new(response)
    }
}

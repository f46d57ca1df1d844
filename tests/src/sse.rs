use std::time::Duration;

use futures::{StreamExt, stream::BoxStream};

/// Reads server-sent events' `data:` payloads as JSON.
pub struct SseReader {
    bytes: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl SseReader {
    pub fn new(response: reqwest::Response) -> Self {
        Self {
            bytes: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next event's data, or `None` when the stream ends; panics after `deadline`.
    pub async fn next(&mut self, deadline: Duration) -> Option<serde_json::Value> {
        Some(self.next_typed(deadline).await?.1)
    }

    /// The next event's type (`message` when it names none) and data.
    pub async fn next_typed(&mut self, deadline: Duration) -> Option<(String, serde_json::Value)> {
        tokio::time::timeout(deadline, self.next_event())
            .await
            .unwrap_or_else(|_| panic!("no server-sent event within {deadline:?}"))
    }

    /// The states one job goes through, read until it finishes.
    pub async fn states_of(&mut self, job_id: uuid::Uuid, deadline: Duration) -> Vec<String> {
        self.events_of(job_id, deadline)
            .await
            .iter()
            .map(|event| event["status"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// One job's events, read until it finishes.
    pub async fn events_of(
        &mut self,
        job_id: uuid::Uuid,
        deadline: Duration,
    ) -> Vec<serde_json::Value> {
        let mut events: Vec<serde_json::Value> = Vec::new();
        let finished = |e: &serde_json::Value| {
            matches!(
                e["status"].as_str(),
                Some("succeeded" | "failed" | "cancelled")
            )
        };
        while !events.last().is_some_and(finished) {
            let event = self
                .next(deadline)
                .await
                .expect("the stream ended before the job did");
            if event["job_id"] == job_id.to_string() {
                events.push(event);
            }
        }
        events
    }

    async fn next_event(&mut self) -> Option<(String, serde_json::Value)> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|line| line.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                let kind = block
                    .lines()
                    .find_map(|line| line.strip_prefix("event:"))
                    .map_or("message", str::trim);
                if !data.is_empty() {
                    let data = serde_json::from_str(&data.join("\n")).ok()?;
                    return Some((kind.to_owned(), data));
                }
            }
            let chunk = self.bytes.next().await?.ok()?;
            self.buffer
                .push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"));
        }
    }
}

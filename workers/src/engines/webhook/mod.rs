//! Sending one signed webhook request through the outbound guard: no redirects followed,
//! a time limit, and only the first bytes of the answer read.

mod signature;

use prepq_telemetry::TracedSend;
use std::time::{Duration, Instant};

use prepq_crawler::OutboundPolicy;
use reqwest::{StatusCode, Url, header};

pub use signature::{BadSecret, sign};

/// The answer's bytes kept for the delivery log; the rest is never read.
const KEPT_ANSWER_BYTES: usize = 512;

pub struct WebhookSender {
    client: reqwest::Client,
    outbound: OutboundPolicy,
}

/// One request and its answer, as the delivery log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub status: Option<StatusCode>,
    pub latency: Duration,
    /// The first bytes of the answer, or why there was none.
    pub response: String,
    pub verdict: Verdict,
}

/// What an answer means for the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// 410: the endpoint is gone for good.
    Gone,
    /// 429, 5xx, a time-out or a lost connection: tried again on the schedule.
    TryLater(String),
    /// Any other answer, a refused address: trying again will not help.
    Refused(String),
}

impl WebhookSender {
    pub fn new(outbound: &OutboundPolicy, timeout: Duration) -> reqwest::Result<Self> {
        let client = outbound
            .client()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent(concat!("PrepQ-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            outbound: outbound.clone(),
        })
    }

    /// Posts `body` to `url` with the Standard Webhooks headers.
    pub async fn send(
        &self,
        url: &str,
        id: &str,
        timestamp: i64,
        signature: &str,
        body: Vec<u8>,
    ) -> Sent {
        let started = Instant::now();
        let refused = |why: String| Sent {
            status: None,
            latency: started.elapsed(),
            response: why.clone(),
            verdict: Verdict::Refused(why),
        };
        let url = match Url::parse(url) {
            Ok(url) => url,
            Err(e) => return refused(format!("the URL is not valid: {e}")),
        };
        if let Err(refusal) = self.outbound.check_url(&url) {
            return refused(refusal.to_string());
        }
        let request = self
            .client
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body);
        let mut response = match request.send_traced("webhook deliver").await {
            Ok(response) => response,
            Err(e) => {
                if let Some(refusal) = prepq_crawler::refusal(&e) {
                    return refused(refusal.to_string());
                }
                let why = if e.is_timeout() {
                    "no answer within the time limit".to_owned()
                } else {
                    format!("no answer: {}", error_chain(&e))
                };
                return Sent {
                    status: None,
                    latency: started.elapsed(),
                    response: why.clone(),
                    verdict: Verdict::TryLater(why),
                };
            }
        };
        let status = response.status();
        let mut kept = Vec::new();
        while kept.len() < KEPT_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        kept.truncate(KEPT_ANSWER_BYTES);
        let latency = started.elapsed();
        let answered = format!("the endpoint answered {status}");
        let verdict = match status.as_u16() {
            200..=299 => Verdict::Delivered,
            410 => Verdict::Gone,
            429 | 500..=599 => Verdict::TryLater(answered),
            300..=399 => Verdict::Refused(format!("{answered}: redirects are not followed")),
            _ => Verdict::Refused(answered),
        };
        Sent {
            status: Some(status),
            latency,
            response: String::from_utf8_lossy(&kept).into_owned(),
            verdict,
        }
    }
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loopback_and_metadata_addresses_are_refused_before_anything_is_sent() {
        let sender =
            WebhookSender::new(&OutboundPolicy::default(), Duration::from_secs(5)).unwrap();
        for url in [
            "http://localhost/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/hook",
            "http://10.0.0.8/hook",
        ] {
            let sent = sender.send(url, "msg_1", 1, "v1,x", b"{}".to_vec()).await;
            assert_eq!(sent.status, None, "{url}");
            match &sent.verdict {
                Verdict::Refused(why) => {
                    assert!(why.contains("is not a public address"), "{url}: {why}")
                }
                other => panic!("{url}: {other:?}"),
            }
        }
        let ftp = sender
            .send("ftp://files.example/in", "msg_1", 1, "v1,x", Vec::new())
            .await;
        assert!(matches!(ftp.verdict, Verdict::Refused(why) if why.contains("http and https")));
    }
}

//! Polite fetching: robots.txt honoured (cached per origin), one request at a time per host
//! with a pause between them, a timeout, retries with backoff on 429/5xx/timeouts (honouring
//! `Retry-After`), a body size limit, and conditional GET with the page's last validators.

use prepq_telemetry::TracedSend;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::StreamExt;
use reqwest::{StatusCode, header};
use tokio::time::Instant;
use url::Url;

use prepq_outbound::{OutboundPolicy, Refused};

use crate::robots::Robots;

#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    pub timeout: Duration,
    /// Pause between two requests to one host.
    pub host_delay: Duration,
    /// Attempts after the first, on 429, 5xx and timeouts.
    pub retries: u32,
    pub retry_base: Duration,
    pub max_body_bytes: usize,
    /// Which addresses may be fetched: the source's and every link it leads to.
    pub outbound: OutboundPolicy,
}

/// What the server said about a page's version last time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug)]
pub enum Fetched {
    Page {
        body: String,
        validators: Validators,
    },
    /// 304: as it was.
    NotModified,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("robots.txt disallows it")]
    Disallowed,
    #[error("HTTP {0}")]
    Status(u16),
    #[error("no answer within {0} ms")]
    Timeout(u128),
    #[error("the body is over the {0}-byte limit")]
    TooLarge(usize),
    #[error("{0}")]
    Network(String),
    #[error("not a valid URL: {0}")]
    BadUrl(String),
    #[error("{0}")]
    Refused(#[from] Refused),
}

pub struct Fetcher {
    http: reqwest::Client,
    config: FetchConfig,
    robots: Mutex<HashMap<String, Arc<Robots>>>,
    /// Per host: when its last request ended. Held across a request, so one at a time.
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Self, reqwest::Error> {
        let http = config
            .outbound
            .client()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .build()?;
        Ok(Self {
            http,
            config,
            robots: Mutex::new(HashMap::new()),
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// The page, unless robots.txt forbids it; conditional when `validators` are given.
    pub async fn get(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let robots = self.robots_for(url).await;
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        if !robots.allows(&path) {
            return Err(FetchError::Disallowed);
        }
        self.fetch(url, validators).await
    }

    async fn robots_for(&self, url: &Url) -> Arc<Robots> {
        let origin = url.origin().ascii_serialization();
        if let Some(known) = self
            .robots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&origin)
        {
            return known.clone();
        }
        let robots = match url.join("/robots.txt") {
            Ok(robots_url) => match self.fetch(&robots_url, None).await {
                Ok(Fetched::Page { body, .. }) => Robots::parse(&body, &self.config.user_agent),
                // 4xx: no rules. Unreachable: treated the same, and said so.
                Ok(Fetched::NotModified) | Err(FetchError::Status(400..=499)) => {
                    Robots::allow_all()
                }
                Err(e) => {
                    tracing::warn!(%origin, error = %e, "robots.txt unreadable; crawling as if it allowed all");
                    Robots::allow_all()
                }
            },
            Err(_) => Robots::allow_all(),
        };
        let robots = Arc::new(robots);
        self.robots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(origin, robots.clone());
        robots
    }

    async fn fetch(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let host = url
            .host_str()
            .ok_or_else(|| FetchError::BadUrl(url.to_string()))?
            .to_owned();
        let gate = self
            .hosts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(host)
            .or_default()
            .clone();
        let mut last = gate.lock().await;
        let mut attempt = 0;
        loop {
            if let Some(ended) = *last {
                tokio::time::sleep_until(ended + self.config.host_delay).await;
            }
            let result = self.once(url, validators).await;
            *last = Some(Instant::now());
            let wait = match &result {
                Err(Retry::After(wait, _)) => *wait,
                _ => None,
            };
            match result {
                Ok(fetched) => return Ok(fetched),
                Err(Retry::No(e)) => return Err(e),
                Err(Retry::After(_, e)) if attempt >= self.config.retries => return Err(e),
                Err(Retry::After(..)) => {
                    let backoff = self.config.retry_base * 2u32.saturating_pow(attempt);
                    tokio::time::sleep(wait.unwrap_or(backoff).min(Duration::from_secs(30))).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn once(&self, url: &Url, validators: Option<&Validators>) -> Result<Fetched, Retry> {
        self.config
            .outbound
            .check_url(url)
            .map_err(|refused| Retry::No(refused.into()))?;
        let mut request = self.http.get(url.clone());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(modified) = &v.last_modified {
                request = request.header(header::IF_MODIFIED_SINCE, modified);
            }
        }
        let response = request
            .send_traced("crawl fetch")
            .await
            .map_err(|e| self.transport(e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let wait = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(Retry::After(wait, FetchError::Status(status.as_u16())));
        }
        if !status.is_success() {
            return Err(Retry::No(FetchError::Status(status.as_u16())));
        }
        let limit = self.config.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|n| n as usize > limit)
        {
            return Err(Retry::No(FetchError::TooLarge(limit)));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(header::ETAG),
            last_modified: header(header::LAST_MODIFIED),
        };
        let mut body = Vec::new();
        let mut chunks = response.bytes_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| self.transport(e))?;
            if body.len() + chunk.len() > limit {
                return Err(Retry::No(FetchError::TooLarge(limit)));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Page {
            body: String::from_utf8_lossy(&body).into_owned(),
            validators,
        })
    }

    fn transport(&self, e: reqwest::Error) -> Retry {
        if let Some(refused) = prepq_outbound::refusal(&e) {
            Retry::No(refused.into())
        } else if e.is_timeout() {
            Retry::After(None, FetchError::Timeout(self.config.timeout.as_millis()))
        } else {
            Retry::After(None, FetchError::Network(e.to_string()))
        }
    }
}

/// A failed request, and whether trying again may help.
enum Retry {
    After(Option<Duration>, FetchError),
    No(FetchError),
}

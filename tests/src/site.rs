//! A web site on 127.0.0.1 whose pages a test sets and changes while it runs: job boards,
//! career pages, robots.txt, and pages that fail, stall or never end. Pages carry an ETag
//! of their body and answer a matching `If-None-Match` with 304. Every request is counted.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use poem::{
    Body, Endpoint, Request, Response, Server,
    http::{StatusCode, header},
    listener::{Acceptor, Listener, TcpListener},
};
use tokio::io::AsyncReadExt;

/// What a path answers.
#[derive(Clone)]
pub enum Page {
    Ok {
        content_type: &'static str,
        body: String,
    },
    Status(u16),
    /// Answers only after this long.
    Slow(Duration),
    /// A body of this many bytes, streamed, with no length given.
    Endless(u64),
    /// 302 to this URL.
    Redirect(String),
}

impl Page {
    pub fn html(body: impl Into<String>) -> Self {
        Self::Ok {
            content_type: "text/html; charset=utf-8",
            body: body.into(),
        }
    }

    pub fn json(body: impl Into<String>) -> Self {
        Self::Ok {
            content_type: "application/json",
            body: body.into(),
        }
    }

    pub fn text(body: impl Into<String>) -> Self {
        Self::Ok {
            content_type: "text/plain",
            body: body.into(),
        }
    }
}

#[derive(Default)]
struct Pages {
    pages: Mutex<HashMap<String, Page>>,
    hits: Mutex<HashMap<String, usize>>,
}

pub struct Site {
    pub base_url: String,
    pages: Arc<Pages>,
}

impl Site {
    pub async fn start() -> Self {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("binding the site");
        let port = acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("a TCP address")
            .port();
        let pages = Arc::new(Pages::default());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(SiteEndpoint(pages.clone())));
        Self {
            base_url: format!("http://127.0.0.1:{port}"),
            pages,
        }
    }

    /// Sets what `path` (with its query) answers.
    pub fn set(&self, path: &str, page: Page) -> &Self {
        self.pages
            .pages
            .lock()
            .unwrap()
            .insert(path.to_owned(), page);
        self
    }

    pub fn remove(&self, path: &str) -> &Self {
        self.pages.pages.lock().unwrap().remove(path);
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Requests for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        self.pages
            .hits
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

struct SiteEndpoint(Arc<Pages>);

impl Endpoint for SiteEndpoint {
    type Output = Response;

    async fn call(&self, request: Request) -> poem::Result<Response> {
        let path = request.uri().path_and_query().map_or_else(
            || request.uri().path().to_owned(),
            |p| p.as_str().to_owned(),
        );
        *self.0.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
        let page = self.0.pages.lock().unwrap().get(&path).cloned();
        Ok(match page {
            None => Response::builder()
                .status(StatusCode::NOT_FOUND)
                .body("not found"),
            Some(Page::Status(code)) => Response::builder()
                .status(StatusCode::from_u16(code).expect("a status"))
                .body("failing on purpose"),
            Some(Page::Slow(delay)) => {
                tokio::time::sleep(delay).await;
                Response::builder().body("late")
            }
            Some(Page::Redirect(to)) => Response::builder()
                .status(StatusCode::FOUND)
                .header(header::LOCATION, to)
                .finish(),
            Some(Page::Endless(bytes)) => Response::builder()
                .content_type("text/html")
                .body(Body::from_async_read(tokio::io::repeat(b'a').take(bytes))),
            Some(Page::Ok { content_type, body }) => {
                let etag = format!("\"{:x}\"", fnv(body.as_bytes()));
                let matches = request
                    .headers()
                    .get(header::IF_NONE_MATCH)
                    .is_some_and(|v| v.as_bytes() == etag.as_bytes());
                if matches {
                    Response::builder()
                        .status(StatusCode::NOT_MODIFIED)
                        .header(header::ETAG, etag)
                        .finish()
                } else {
                    Response::builder()
                        .content_type(content_type)
                        .header(header::ETAG, etag)
                        .body(body)
                }
            }
        })
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

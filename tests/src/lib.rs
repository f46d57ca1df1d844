//! The shared harness of PrepQ's end-to-end tests and benchmarks: every scenario gets a
//! fresh database, its own Redis server, and the real `api` and `workers` binaries on
//! random ports. Nothing is mocked.

mod app;
mod client;
mod database;
pub mod files;
mod model_server;
mod pay_provider;
mod process;
mod proxy;
mod redis_server;
mod site;
mod smtp;
mod sse;
mod wait;

pub use app::{PASSWORD, TestApp, TestAppBuilder};
pub use client::{JobView, User};
pub use database::fresh_database;
pub use model_server::{ModelReply, ModelServer};
pub use pay_provider::PayProvider;
pub use process::{Memory, Process, bin_dir};
pub use proxy::ChaosProxy;
pub use redis_server::RedisServer;
pub use site::{Page, Site};
pub use smtp::{ReceivedMail, SmtpServer};
pub use sse::SseReader;
pub use wait::wait_until;

/// A fixture shipped in `tests/fixtures`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()))
}

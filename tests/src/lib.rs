//! The shared harness of PrepQ's end-to-end tests and benchmarks: every scenario gets a
//! fresh database, its own Redis server, and the real `api` and `workers` binaries on
//! random ports. Nothing is mocked.

mod analyses;
mod app;
mod attempts;
mod browser;
mod client;
mod database;
pub mod files;
mod live;
mod model_server;
mod otlp_collector;
mod pay_provider;
mod process;
mod proxy;
pub mod quality;
mod redis_server;
mod site;
mod smtp;
mod sse;
mod wait;
mod webhook_receiver;

pub use analyses::{GO_AND_KUBERNETES, PLAIN_RESUME, analysed, ledger, read_resume, strings};
pub use app::{PASSWORD, TestApp, TestAppBuilder};
pub use attempts::{ATTEMPT_LOGS, BodyRun, body_runs};
pub use browser::Browser;
pub use client::{JobView, User};
pub use database::{empty_database, fresh_database};
pub use live::{LiveClient, ticket};
pub use model_server::{ModelReply, ModelServer, fenced};
pub use otlp_collector::{CollectedSpan, OtlpCollector};
pub use pay_provider::PayProvider;
pub use process::{Memory, Process, bin_dir};
pub use proxy::ChaosProxy;
pub use redis_server::{RedisServer, free_port};
pub use site::{Page, Site};
pub use smtp::{ReceivedMail, SmtpServer, SmtpStage};
pub use sse::SseReader;
pub use wait::wait_until;
pub use webhook_receiver::{Answer, Received, WebhookReceiver, verify};

/// How long a scenario waits for one job: generous, as the machine may be busy.
pub const JOB_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// A fixture shipped in `tests/fixtures`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()))
}

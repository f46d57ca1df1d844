//! Logs and traces of both binaries: the subscriber (text or JSON lines, and OpenTelemetry
//! spans sent by OTLP/HTTP when an endpoint is set), and the W3C trace context that carries
//! one trace from the request that enqueued a job to every attempt, child job and outbound
//! call of it, across processes.

mod config;
mod init;
mod propagation;

pub use config::{LogFormat, TelemetryConfig};
pub use init::{Telemetry, TelemetryError, init};
pub use propagation::{TracedSend, enabled, follow, trace_parent};

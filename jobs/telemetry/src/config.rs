use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line, with the fields of every span it is in (a job's id and
    /// kind, the trace id when tracing is on).
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct TelemetryConfig {
    #[arg(long, env = "PREPQ_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Which lines are logged, as `tracing_subscriber`'s EnvFilter reads it.
    #[arg(long = "log", env = "RUST_LOG")]
    pub log_filter: Option<String>,
    /// OTLP/HTTP collector (`http://collector:4318`); traces are made only when set.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    /// The service name on this process's spans (defaults to the binary's name).
    #[arg(long, env = "OTEL_SERVICE_NAME")]
    pub service_name: Option<String>,
}

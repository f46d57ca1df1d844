use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;

/// Everything a worker process is configured with: flags, else `PREPQ_*` environment
/// variables, else local defaults. Read once at start-up.
#[derive(Debug, Clone, Args)]
pub struct WorkerConfig {
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/prepq"
    )]
    pub database_url: String,
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// Queues (job kinds) this process works on, comma-separated; all when empty.
    #[arg(long, env = "PREPQ_QUEUES", value_delimiter = ',')]
    pub queues: Vec<String>,
    /// Jobs run at once, per queue.
    #[arg(long, env = "PREPQ_CONCURRENCY", default_value_t = 8)]
    pub concurrency: usize,
    /// Run the dispatcher here too (one process in the fleet acts at a time).
    #[arg(long, env = "PREPQ_DISPATCHER", default_value_t = true, action = clap::ArgAction::Set)]
    pub dispatcher: bool,
    /// The dispatcher's lease: a holder that stops renewing loses the role this long after
    /// its last renewal, and acts only during the first 80% of it.
    #[arg(long, env = "PREPQ_LEADER_LEASE_SECS", default_value_t = 5.0)]
    pub leader_lease_secs: f64,
    /// Most jobs each queue may hold in Redis; the rest wait in PostgreSQL.
    #[arg(long, env = "PREPQ_QUEUE_WINDOW", default_value_t = 1000)]
    pub queue_window: usize,
    #[arg(long, env = "PREPQ_LEASE_SECS", default_value_t = 30.0)]
    pub lease_secs: f64,
    #[arg(long, env = "PREPQ_DISPATCH_INTERVAL_MS", default_value_t = 200)]
    pub dispatch_interval_ms: u64,
    /// A queued job pushed this long ago is checked for in Redis, and pushed again if lost.
    #[arg(long, env = "PREPQ_REDISPATCH_AFTER_SECS", default_value_t = 60.0)]
    pub redispatch_after_secs: f64,
    /// First retry delay; doubles on each attempt.
    #[arg(long, env = "PREPQ_RETRY_BASE_MS", default_value_t = 2000)]
    pub retry_base_ms: u64,
    #[arg(long, env = "PREPQ_RETRY_MAX_MS", default_value_t = 300_000)]
    pub retry_max_ms: u64,
    /// How long an idle worker waits before asking Redis again.
    #[arg(long, env = "PREPQ_POLL_MS", default_value_t = 50)]
    pub poll_ms: u64,
    /// After SIGTERM, in-flight jobs get this long to finish.
    #[arg(long, env = "PREPQ_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,
    #[arg(
        long,
        env = "PREPQ_WORKER_HEALTH_ADDR",
        default_value = "127.0.0.1:9100"
    )]
    pub health_addr: SocketAddr,
    /// Finished jobs of kinds whose record lives elsewhere (mail, crawls, audits, echo)
    /// are deleted this long after they finished; analyses and readings are kept.
    #[arg(long, env = "PREPQ_JOB_RETENTION_SECS", default_value_t = 30 * 24 * 3600)]
    pub job_retention_secs: u64,
    #[arg(long, env = "PREPQ_BLOB_DIR", default_value = "data/blobs")]
    pub blob_dir: PathBuf,
    #[arg(long, env = "PREPQ_DB_POOL", default_value_t = 16)]
    pub db_pool: usize,
    #[command(flatten)]
    pub extract: ExtractLimits,
    #[command(flatten)]
    pub mail: MailConfig,
    #[command(flatten)]
    pub llm: LlmConfig,
    #[command(flatten)]
    pub crawl: CrawlConfig,
    /// What requests to addresses users chose (crawl sources, webhooks) may reach.
    #[command(flatten)]
    pub outbound: prepq_crawler::OutboundPolicy,
    #[command(flatten)]
    pub notify: NotifyConfig,
    #[command(flatten)]
    pub webhooks: WebhookConfig,
    #[command(flatten)]
    pub payments: prepq_billing::provider::MerchantConfig,
    /// When the billing audit of the previous day runs (cron with seconds, UTC; default
    /// 02:30 China time); empty: only when an admin asks.
    #[arg(
        long,
        env = "PREPQ_RECONCILE_SCHEDULE",
        default_value = "0 30 18 * * *"
    )]
    pub reconcile_schedule: String,
}

/// Telling users what happened: which finished jobs are news, and where links point.
#[derive(Debug, Clone, Args)]
pub struct NotifyConfig {
    /// A job that took at least this long from submission to its end is told of in its
    /// owner's inbox and by mail (as they prefer); quicker ones were watched as they ran.
    #[arg(long, env = "PREPQ_NOTIFY_AFTER_SECS", default_value_t = 30.0)]
    pub notify_after_secs: f64,
    /// The web app: links in messages and mail point here.
    #[arg(long, env = "PREPQ_APP_URL", default_value = "http://127.0.0.1:8080")]
    pub app_url: String,
    /// Users an announcement reaches per transaction.
    #[arg(long, env = "PREPQ_ANNOUNCEMENT_BATCH", default_value_t = 5_000)]
    pub announcement_batch: i64,
}

/// Webhook deliveries: how long an endpoint may take, how much of its answer is kept, and
/// when it is given up on.
#[derive(Debug, Clone, Args)]
pub struct WebhookConfig {
    #[arg(long, env = "PREPQ_WEBHOOK_TIMEOUT_MS", default_value_t = 15_000)]
    pub webhook_timeout_ms: u64,
    /// The waits of the retry schedule (5 s … 24 h) are multiplied by this: below 1 only
    /// to test the schedule in seconds.
    #[arg(long, env = "PREPQ_WEBHOOK_SCHEDULE_SCALE", default_value_t = 1.0)]
    pub webhook_schedule_scale: f64,
    /// Requests failed in a row (across deliveries) that turn an endpoint off; about five
    /// deliveries that used all their attempts.
    #[arg(long, env = "PREPQ_WEBHOOK_DISABLE_AFTER", default_value_t = 50)]
    pub webhook_disable_after: i32,
}

/// Crawling: how politely, and the scheduler that starts crawls on their cron schedules.
#[derive(Debug, Clone, Args)]
pub struct CrawlConfig {
    /// Run the crawl scheduler in this process. Any number may: each tick makes one run.
    #[arg(long, env = "PREPQ_SCHEDULER", default_value_t = true, action = clap::ArgAction::Set)]
    pub scheduler: bool,
    #[arg(long, env = "PREPQ_SCHEDULER_INTERVAL_MS", default_value_t = 500)]
    pub scheduler_interval_ms: u64,
    #[arg(
        long,
        env = "PREPQ_CRAWL_USER_AGENT",
        default_value = "PrepQBot/0.1 (+https://prepq.example/bot)"
    )]
    pub crawl_user_agent: String,
    #[arg(long, env = "PREPQ_CRAWL_TIMEOUT_MS", default_value_t = 10_000)]
    pub crawl_timeout_ms: u64,
    /// Pause between two requests to one host.
    #[arg(long, env = "PREPQ_CRAWL_HOST_DELAY_MS", default_value_t = 1000)]
    pub crawl_host_delay_ms: u64,
    #[arg(long, env = "PREPQ_CRAWL_RETRIES", default_value_t = 2)]
    pub crawl_retries: u32,
    #[arg(long, env = "PREPQ_CRAWL_RETRY_BASE_MS", default_value_t = 1000)]
    pub crawl_retry_base_ms: u64,
    #[arg(long, env = "PREPQ_CRAWL_MAX_BODY_BYTES", default_value_t = 5 * 1024 * 1024)]
    pub crawl_max_body_bytes: usize,
    /// Most listing pages followed in one crawl.
    #[arg(long, env = "PREPQ_CRAWL_MAX_PAGES", default_value_t = 50)]
    pub crawl_max_pages: usize,
}

impl CrawlConfig {
    pub fn fetch(&self, outbound: &prepq_crawler::OutboundPolicy) -> prepq_crawler::FetchConfig {
        prepq_crawler::FetchConfig {
            user_agent: self.crawl_user_agent.clone(),
            timeout: Duration::from_millis(self.crawl_timeout_ms),
            host_delay: Duration::from_millis(self.crawl_host_delay_ms),
            retries: self.crawl_retries,
            retry_base: Duration::from_millis(self.crawl_retry_base_ms),
            max_body_bytes: self.crawl_max_body_bytes,
            outbound: outbound.clone(),
        }
    }
}

/// The analysis engine: `builtin` (offline) or `llm` (an OpenAI-compatible endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    Builtin,
    Llm,
}

/// How the model is held to the answer's JSON schema; providers differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputMode {
    /// `response_format: json_schema` (strict): OpenAI, vLLM.
    JsonSchema,
    /// `response_format: json_object`, the schema in the prompt: DeepSeek, Qwen's
    /// compatible mode.
    JsonObject,
    /// `json_object` with the schema beside it, which llama.cpp's server uses to
    /// constrain decoding (it answers 500 to `json_schema`); the schema in the prompt too.
    JsonObjectSchema,
    /// No `response_format`: the schema in the prompt only.
    None,
}

/// The model behind the `llm` engine.
#[derive(Debug, Clone, Args)]
pub struct LlmConfig {
    /// Default: `llm` when an API key is set, else `builtin`.
    #[arg(long, env = "PREPQ_ANALYSIS_ENGINE", value_enum)]
    pub analysis_engine: Option<EngineChoice>,
    #[arg(
        long,
        env = "PREPQ_LLM_BASE_URL",
        default_value = "https://api.openai.com/v1"
    )]
    pub llm_base_url: String,
    #[arg(long, env = "PREPQ_LLM_MODEL", default_value = "gpt-4o-mini")]
    pub llm_model: String,
    #[arg(long, env = "PREPQ_LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<String>,
    /// Time for one call to the model.
    #[arg(long, env = "PREPQ_LLM_TIMEOUT_SECS", default_value_t = 120)]
    pub llm_timeout_secs: u64,
    /// Longest wait on a busy model (`Retry-After` is honoured up to this).
    #[arg(long, env = "PREPQ_LLM_MAX_WAIT_SECS", default_value_t = 30)]
    pub llm_max_wait_secs: u64,
    /// Structured output. Default by the base URL: `json-object` for DeepSeek and
    /// DashScope (Qwen), `json-object-schema` for a model on this machine or the local
    /// network (llama.cpp), else `json-schema`.
    #[arg(long, env = "PREPQ_LLM_OUTPUT", value_enum)]
    pub llm_output: Option<OutputMode>,
}

impl LlmConfig {
    pub fn output(&self) -> OutputMode {
        self.llm_output.unwrap_or_else(|| {
            let host = reqwest::Url::parse(&self.llm_base_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_lowercase))
                .unwrap_or_default();
            let local = host == "localhost"
                || host
                    .trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| match ip {
                        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
                        std::net::IpAddr::V6(v6) => v6.is_loopback(),
                    });
            if host.contains("deepseek") || host.contains("dashscope") {
                OutputMode::JsonObject
            } else if local {
                OutputMode::JsonObjectSchema
            } else {
                OutputMode::JsonSchema
            }
        })
    }

    pub fn engine(&self) -> EngineChoice {
        self.analysis_engine
            .unwrap_or(if self.llm_api_key.is_some() {
                EngineChoice::Llm
            } else {
                EngineChoice::Builtin
            })
    }
}

/// Where mail goes. Without an SMTP host it is written to the outbox directory instead,
/// one `.eml` file a message, which is what a developer machine wants.
#[derive(Debug, Clone, Args)]
pub struct MailConfig {
    #[arg(long, env = "PREPQ_SMTP_HOST")]
    pub smtp_host: Option<String>,
    #[arg(long, env = "PREPQ_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    #[arg(long, env = "PREPQ_SMTP_TLS", value_enum, default_value_t = SmtpTls::Starttls)]
    pub smtp_tls: SmtpTls,
    #[arg(long, env = "PREPQ_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    #[arg(long, env = "PREPQ_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// Connecting and each command's answer, in seconds.
    #[arg(long, env = "PREPQ_SMTP_TIMEOUT_SECS", default_value_t = 20)]
    pub smtp_timeout_secs: u64,
    #[arg(
        long,
        env = "PREPQ_MAIL_FROM",
        default_value = "PrepQ <no-reply@prepq.local>"
    )]
    pub mail_from: String,
    #[arg(long, env = "PREPQ_MAIL_OUTBOX", default_value = "data/outbox")]
    pub mail_outbox: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same host or a test server.
    None,
    /// Upgrade with STARTTLS, required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Limits on parsing one untrusted file, enforced on the child process that parses it.
#[derive(Debug, Clone, Args)]
pub struct ExtractLimits {
    #[arg(long, env = "PREPQ_EXTRACT_TIMEOUT_SECS", default_value_t = 60)]
    pub extract_timeout_secs: u64,
    #[arg(long, env = "PREPQ_EXTRACT_MEMORY_MB", default_value_t = 1024)]
    pub extract_memory_mb: u64,
    #[arg(long, env = "PREPQ_PDF_MAX_PAGES", default_value_t = 50)]
    pub pdf_max_pages: u32,
    /// Largest image accepted for OCR, in pixels (width × height).
    #[arg(long, env = "PREPQ_IMAGE_MAX_PIXELS", default_value_t = 40_000_000)]
    pub image_max_pixels: u64,
    /// Most pages of a scanned PDF read by OCR (a page takes seconds).
    #[arg(long, env = "PREPQ_OCR_MAX_PAGES", default_value_t = 20)]
    pub ocr_max_pages: u32,
    /// Time to render and read one page by OCR, in milliseconds.
    #[arg(long, env = "PREPQ_OCR_PAGE_TIMEOUT_MS", default_value_t = 30_000)]
    pub ocr_page_timeout_ms: u64,
    /// Sandboxed children run at once by this worker; each may use its memory limit.
    #[arg(long, env = "PREPQ_CHILDREN_MAX", default_value_t = 4)]
    pub children_max: usize,
    /// Of those, how many may read one user's files.
    #[arg(long, env = "PREPQ_CHILDREN_PER_USER", default_value_t = 2)]
    pub children_per_user: usize,
}

impl ExtractLimits {
    pub fn ocr_page_time(&self) -> Duration {
        Duration::from_millis(self.ocr_page_timeout_ms)
    }
}

impl WorkerConfig {
    pub fn reconcile_schedule(&self) -> Result<Option<cron::Schedule>, cron::error::Error> {
        let text = self.reconcile_schedule.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some)
    }

    pub fn queues(&self) -> Vec<&'static str> {
        prepq_jobs::KINDS
            .iter()
            .copied()
            .filter(|kind| self.queues.is_empty() || self.queues.iter().any(|q| q == kind))
            .collect()
    }

    /// Exponential backoff for retry number `attempt` (1-based), capped.
    pub fn backoff(&self, attempt: i32) -> Duration {
        let exp = attempt.saturating_sub(1).clamp(0, 20) as u32;
        let ms = self.retry_base_ms.saturating_mul(1u64 << exp);
        Duration::from_millis(ms.min(self.retry_max_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output_for(base_url: &str) -> OutputMode {
        LlmConfig {
            analysis_engine: None,
            llm_base_url: base_url.to_owned(),
            llm_model: "m".into(),
            llm_api_key: None,
            llm_timeout_secs: 1,
            llm_max_wait_secs: 1,
            llm_output: None,
        }
        .output()
    }

    #[test]
    fn the_structured_output_mode_follows_the_providers_address() {
        assert_eq!(
            output_for("https://api.openai.com/v1"),
            OutputMode::JsonSchema
        );
        assert_eq!(
            output_for("https://api.deepseek.com/v1"),
            OutputMode::JsonObject
        );
        assert_eq!(
            output_for("https://dashscope.aliyuncs.com/compatible-mode/v1"),
            OutputMode::JsonObject
        );
        assert_eq!(
            output_for("http://127.0.0.1:8000/v1"),
            OutputMode::JsonObjectSchema
        );
        assert_eq!(
            output_for("http://localhost:8080/v1"),
            OutputMode::JsonObjectSchema
        );
        assert_eq!(
            output_for("http://192.168.1.20:8000/v1"),
            OutputMode::JsonObjectSchema
        );
    }
}

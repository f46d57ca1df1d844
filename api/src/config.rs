use std::{net::SocketAddr, path::PathBuf};

use clap::Args;

use crate::rate_limit::Quota;

/// The API's configuration: flags, else environment, else local defaults. Read once.
#[derive(Debug, Clone, Args)]
pub struct ApiConfig {
    #[arg(long, env = "PREPQ_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Where Prometheus scrapes `/metrics`: a port of its own, never the public one, so
    /// that traffic figures are not everyone's to read. Not served when unset.
    #[arg(long, env = "PREPQ_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/prepq"
    )]
    pub database_url: String,
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// HMAC key for access tokens. Without one a random key is made at start-up, so tokens
    /// die with the process and are not shared between instances: set it in production.
    #[arg(long, env = "PREPQ_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    #[arg(long, env = "PREPQ_ACCESS_TOKEN_SECS", default_value_t = 900)]
    pub access_token_secs: u64,
    #[arg(long, env = "PREPQ_REFRESH_TOKEN_DAYS", default_value_t = 30)]
    pub refresh_token_days: i64,
    #[arg(long, env = "PREPQ_VERIFY_TOKEN_HOURS", default_value_t = 48)]
    pub verify_token_hours: u32,
    #[arg(long, env = "PREPQ_RESET_TOKEN_MINUTES", default_value_t = 30)]
    pub reset_token_minutes: u32,
    /// This API as users' mail clients reach it: verification links point here.
    #[arg(
        long,
        env = "PREPQ_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
    /// The web app: password-reset and job links point here. Defaults to the public URL.
    #[arg(long, env = "PREPQ_APP_URL")]
    pub app_url: Option<String>,
    #[command(flatten)]
    pub argon2: Argon2Cost,
    /// Browser origins allowed to call the API (CORS), comma-separated; none by default.
    #[arg(long, env = "PREPQ_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Take the client address from the last `X-Forwarded-For` hop: only behind a proxy
    /// that sets it, else clients could choose their own rate-limit key.
    #[arg(long, env = "PREPQ_TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,
    #[command(flatten)]
    pub limits: RateLimits,
    #[command(flatten)]
    pub connections: crate::connections::ConnectionLimits,
    #[command(flatten)]
    pub points: PointsConfig,
    #[command(flatten)]
    pub payments: prepq_billing::provider::MerchantConfig,
    /// Largest accepted request body other than an upload, in bytes.
    #[arg(long, env = "PREPQ_MAX_JSON_BYTES", default_value_t = 1024 * 1024)]
    pub max_json_bytes: usize,
    /// Longest a client may take to send a request body other than an upload, in seconds.
    #[arg(long, env = "PREPQ_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// Largest accepted upload, in bytes.
    #[arg(long, env = "PREPQ_MAX_UPLOAD_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_upload_bytes: usize,
    /// Event streams one user may hold open on one instance.
    #[arg(long, env = "PREPQ_STREAMS_PER_USER", default_value_t = 8)]
    pub streams_per_user: usize,
    /// How often an open event stream checks that its session is still live, in seconds.
    #[arg(long, env = "PREPQ_STREAM_CHECK_SECS", default_value_t = 10)]
    pub stream_check_secs: u64,
    /// A worker process that has not renewed its registration for this long is shown gone.
    #[arg(long, env = "PREPQ_WORKER_GONE_SECS", default_value_t = 15)]
    pub worker_gone_secs: i64,
    /// Most jobs each queue may hold in Redis (shared meaning with the workers).
    #[arg(long, env = "PREPQ_QUEUE_WINDOW", default_value_t = 1000)]
    pub queue_window: usize,
    /// When the workers run the billing audit (shared with them; read here to show its
    /// next run): cron with seconds, UTC; empty: only when an admin asks.
    #[arg(
        long,
        env = "PREPQ_RECONCILE_SCHEDULE",
        default_value = "0 30 18 * * *"
    )]
    pub reconcile_schedule: String,
    #[arg(long, env = "PREPQ_BLOB_DIR", default_value = "data/blobs")]
    pub blob_dir: PathBuf,
    #[arg(long, env = "PREPQ_DB_POOL", default_value_t = 32)]
    pub db_pool: usize,
    /// Timeout of one Redis command, so a sick Redis slows enqueues down, never stops them.
    #[arg(long, env = "PREPQ_REDIS_TIMEOUT_MS", default_value_t = 1000)]
    pub redis_timeout_ms: u64,
}

/// Points: what new users get and what each paid job kind costs.
#[derive(Debug, Clone, Args)]
pub struct PointsConfig {
    #[arg(long, env = "PREPQ_POINTS_SIGNUP_GRANT", default_value_t = 50)]
    pub signup_grant: i32,
    /// Credited to an inviter once per invitee, when the invitee verifies their address.
    #[arg(long, env = "PREPQ_POINTS_INVITATION_GRANT", default_value_t = 30)]
    pub invitation_grant: i32,
    #[arg(long, env = "PREPQ_PRICE_RESUME_DIAGNOSE", default_value_t = 10)]
    pub price_resume_diagnose: i32,
    #[arg(long, env = "PREPQ_PRICE_QUESTIONS_PREDICT", default_value_t = 10)]
    pub price_questions_predict: i32,
    /// A mock interview: reserved at its start, paid with its report, refunded when it
    /// ends before any answer.
    #[arg(long, env = "PREPQ_PRICE_INTERVIEW", default_value_t = 20)]
    pub price_interview: i32,
}

impl ApiConfig {
    pub fn app_url(&self) -> &str {
        self.app_url.as_deref().unwrap_or(&self.public_url)
    }
}

/// The argon2id cost of password hashes. The default takes about 100 ms on one core of the
/// machine this was measured on (see the README); hashes made at another cost still verify.
#[derive(Debug, Clone, Args)]
pub struct Argon2Cost {
    #[arg(long, env = "PREPQ_ARGON2_MEMORY_KIB", default_value_t = 65536)]
    pub argon2_memory_kib: u32,
    #[arg(long, env = "PREPQ_ARGON2_ITERATIONS", default_value_t = 2)]
    pub argon2_iterations: u32,
    /// Hashes computed at once; each holds its memory cost while it runs.
    #[arg(long, env = "PREPQ_ARGON2_CONCURRENCY")]
    pub argon2_concurrency: Option<usize>,
}

/// Requests allowed per window (`COUNT/WINDOW`, window in s, m or h), counted in Redis so
/// they hold across API instances.
#[derive(Debug, Clone, Args)]
pub struct RateLimits {
    /// Sign-in attempts per account.
    #[arg(long, env = "PREPQ_RATE_LOGIN_ACCOUNT", default_value = "10/15m")]
    pub login_account: Quota,
    /// Sign-in attempts per client address.
    #[arg(long, env = "PREPQ_RATE_LOGIN_IP", default_value = "50/15m")]
    pub login_ip: Quota,
    /// New accounts per client address.
    #[arg(long, env = "PREPQ_RATE_REGISTER_IP", default_value = "10/1h")]
    pub register_ip: Quota,
    /// Mails asked for (password reset, verification resend) per address or account.
    #[arg(long, env = "PREPQ_RATE_MAIL_ACCOUNT", default_value = "5/1h")]
    pub mail_account: Quota,
    /// Password-reset requests per client address.
    #[arg(long, env = "PREPQ_RATE_RESET_IP", default_value = "20/1h")]
    pub reset_ip: Quota,
    /// Password-reset links tried per client address.
    #[arg(long, env = "PREPQ_RATE_RESET_CONFIRM_IP", default_value = "30/15m")]
    pub reset_confirm_ip: Quota,
    /// Jobs submitted per user.
    #[arg(long, env = "PREPQ_RATE_ENQUEUE_USER", default_value = "600/1m")]
    pub enqueue_user: Quota,
    /// Orders placed per user: each opens a transaction at the payment provider.
    #[arg(long, env = "PREPQ_RATE_ORDER_USER", default_value = "30/1h")]
    pub order_user: Quota,
    /// Interview answers per user: each is a feedback job.
    #[arg(long, env = "PREPQ_RATE_ANSWER_USER", default_value = "30/1m")]
    pub answer_user: Quota,
}

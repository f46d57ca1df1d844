use std::{net::SocketAddr, path::PathBuf};

use clap::Args;

/// The API's configuration: flags, else environment, else local defaults. Read once.
#[derive(Debug, Clone, Args)]
pub struct ApiConfig {
    #[arg(long, env = "PREPQ_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
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
    /// Largest accepted upload, in bytes.
    #[arg(long, env = "PREPQ_MAX_UPLOAD_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_upload_bytes: usize,
    /// Most jobs each queue may hold in Redis (shared meaning with the workers).
    #[arg(long, env = "PREPQ_QUEUE_WINDOW", default_value_t = 1000)]
    pub queue_window: usize,
    #[arg(long, env = "PREPQ_BLOB_DIR", default_value = "data/blobs")]
    pub blob_dir: PathBuf,
    #[arg(long, env = "PREPQ_DB_POOL", default_value_t = 32)]
    pub db_pool: usize,
    /// Timeout of one Redis command, so a sick Redis slows enqueues down, never stops them.
    #[arg(long, env = "PREPQ_REDIS_TIMEOUT_MS", default_value_t = 1000)]
    pub redis_timeout_ms: u64,
}

use std::sync::Arc;

use prepq_billing::provider::Provider;
use prepq_jobs::JobEvent;
use prepq_schema::{BlobStore, DbPool, PooledConn, StoreError};
use redis::aio::ConnectionManager;
use tokio::sync::broadcast;

use crate::{
    auth::{AccessTokens, Passwords},
    config::ApiConfig,
    streams::OpenStreams,
};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: DbPool,
    pub redis: ConnectionManager,
    pub tokens: AccessTokens,
    pub passwords: Passwords,
    pub blobs: BlobStore,
    pub config: Arc<ApiConfig>,
    /// Job events relayed from Redis to this instance's event streams.
    pub events: broadcast::Sender<JobEvent>,
    /// Each user's open event streams on this instance.
    pub streams: OpenStreams,
    /// The payment provider; `None` when payments are not configured.
    pub payments: Option<Arc<Provider>>,
}

impl AppState {
    /// A connection from the pool: the one way handlers reach PostgreSQL.
    pub async fn conn(&self) -> Result<PooledConn, StoreError> {
        Ok(self.db.get().await?)
    }
}

use std::sync::Arc;

use prepq_billing::provider::Provider;
use prepq_schema::{
    BlobStore, DbPool, PooledConn, StoreError,
    batcher::Batcher,
    jobs::Submitted,
    sessions::SessionChecks,
    submissions::{self, ClientSubmission},
};
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
    /// Job events and new messages relayed from Redis to this instance's event streams.
    pub events: broadcast::Sender<crate::relay::Published>,
    /// Each user's open event streams on this instance.
    pub streams: OpenStreams,
    /// The payment provider; `None` when payments are not configured.
    pub payments: Option<Arc<Provider>>,
    /// Clients' jobs on their way into PostgreSQL, inserted together (see `submissions`).
    pub submissions: Arc<Submissions>,
    /// Bearer tokens' sessions, checked together across concurrent requests.
    pub sessions: Arc<SessionChecks>,
}

pub type Submissions = Batcher<ClientSubmission, Result<Submitted, StoreError>>;

/// Most requests one insert takes.
const SUBMISSION_BATCH: usize = 64;

/// Starts the task that inserts clients' jobs in batches.
pub fn submissions(db: DbPool) -> Arc<Submissions> {
    Arc::new(Batcher::spawn(
        SUBMISSION_BATCH,
        move |batch: Vec<ClientSubmission>| {
            let db = db.clone();
            async move { submissions::submit_together(&db, &batch).await }
        },
    ))
}

impl AppState {
    /// A connection from the pool: the one way handlers reach PostgreSQL.
    pub async fn conn(&self) -> Result<PooledConn, StoreError> {
        Ok(self.db.get().await?)
    }
}

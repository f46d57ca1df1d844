//! What the dispatcher clears away on its slower ticks: data nobody reads again.

use prepq_schema::{PooledConn, StoreError, account_tokens, sessions};
use redis::{AsyncCommands, aio::ConnectionManager};

use prepq_jobs::queue;

/// Expired sessions and account tokens. Used refresh tokens are kept until expiry to
/// recognise reuse; then they go.
pub async fn purge_expired(conn: &mut PooledConn) -> Result<(), StoreError> {
    sessions::purge_expired(conn).await?;
    account_tokens::purge_expired(conn).await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum VacuumError {
    #[error("vacuuming apalis data: {0}")]
    Apalis(#[from] apalis_redis::Error),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
}

/// apalis keeps every finished task's data and id; PostgreSQL has the record, so drop them.
pub async fn vacuum(redis: &mut ConnectionManager, kind: &str) -> Result<(), VacuumError> {
    use apalis_core::backend::Vacuum;
    let config = queue::apalis_config(kind);
    let done = config.done_jobs_set();
    let mut storage =
        apalis_redis::RedisStorage::<prepq_jobs::Dispatch>::new(redis.clone()).with_config(config);
    storage.vacuum().await?;
    let _: () = redis.del(done).await?;
    Ok(())
}

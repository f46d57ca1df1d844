use diesel_async::{
    AsyncConnection, AsyncPgConnection, RunQueryDsl,
    pooled_connection::{
        AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
        deadpool::{Object, Pool},
    },
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::StoreError;

pub type DbPool = Pool<AsyncPgConnection>;
pub type PooledConn = Object<AsyncPgConnection>;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Longest wait for a new connection, or for an idle one's check.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Serialises migrations between processes that start at the same moment.
const MIGRATION_LOCK: i64 = 0x7072_6570_715f_6d69; // "prepq_mi"

pub fn connect(database_url: &str, max_size: usize) -> Result<DbPool, StoreError> {
    // The default check runs `SELECT 1` on every checkout, doubling the round trips of the
    // hot path; a dead connection surfaces as an error on use instead, which callers handle.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(max_size)
        // A server that does not answer (a partition, a SYN dropped) fails a checkout in
        // seconds instead of the kernel's minutes; callers treat it as a transient error.
        .runtime(deadpool::Runtime::Tokio1)
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|e| StoreError::Migration(format!("building the pool: {e}")))
}

/// Applies pending migrations. Every binary calls it at start-up; a session advisory lock
/// makes concurrent starts take turns, and the later ones find nothing left to do.
/// The harness blocks in place, so this needs the multi-thread runtime.
pub async fn migrate(database_url: &str) -> Result<usize, StoreError> {
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
        .execute(&mut conn)
        .await?;
    let mut harness = diesel_async::AsyncMigrationHarness::new(conn);
    let applied = harness
        .run_pending_migrations(MIGRATIONS)
        .map(|done| done.len())
        .map_err(|e| StoreError::Migration(e.to_string()));
    // Closing the connection releases the lock, whatever happened above.
    drop(harness);
    applied
}

/// Checks that the database answers.
pub async fn ping(pool: &DbPool) -> Result<(), StoreError> {
    let mut conn = pool.get().await?;
    diesel::sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(())
}

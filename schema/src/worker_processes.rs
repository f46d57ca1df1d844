//! The fleet of worker processes, as each records itself: what it serves, when it last
//! renewed its row, and whether an administrator asked it to stop taking jobs.

use chrono::{DateTime, Utc};
use diesel::{
    dsl::now,
    prelude::*,
    sql_types::{Integer, Jsonb, Text, Timestamptz},
};
use diesel_async::RunQueryDsl;

use crate::{PooledConn, StoreError, schema::worker_processes};

/// What a process says of itself at each renewal.
pub struct Beat<'a> {
    pub id: &'a str,
    pub host: &'a str,
    pub pid: i32,
    pub version: &'a str,
    pub queues: serde_json::Value,
    pub concurrency: i32,
    /// Jobs at work in it now.
    pub running: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = worker_processes, check_for_backend(diesel::pg::Pg))]
pub struct WorkerProcess {
    pub id: String,
    pub host: String,
    pub pid: i32,
    pub version: String,
    pub queues: serde_json::Value,
    pub concurrency: i32,
    pub running: i32,
    pub started_at: DateTime<Utc>,
    pub heartbeat_at: DateTime<Utc>,
    pub quiet_requested_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct Quiet {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    quiet: bool,
}

/// Records or renews the process's row; whether it was asked to go quiet.
pub async fn beat(conn: &mut PooledConn, beat: &Beat<'_>) -> Result<bool, StoreError> {
    let answer: Quiet = diesel::sql_query(
        "INSERT INTO worker_processes (id, host, pid, version, queues, concurrency, running)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE
         SET running = EXCLUDED.running, heartbeat_at = now()
         RETURNING quiet_requested_at IS NOT NULL AS quiet",
    )
    .bind::<Text, _>(beat.id)
    .bind::<Text, _>(beat.host)
    .bind::<Integer, _>(beat.pid)
    .bind::<Text, _>(beat.version)
    .bind::<Jsonb, _>(&beat.queues)
    .bind::<Integer, _>(beat.concurrency)
    .bind::<Integer, _>(beat.running)
    .get_result(conn)
    .await?;
    Ok(answer.quiet)
}

/// The process drained and ended.
pub async fn stopped(conn: &mut PooledConn, id: &str) -> Result<(), StoreError> {
    diesel::update(worker_processes::table.find(id))
        .set((
            worker_processes::stopped_at.eq(now.into_sql::<Timestamptz>().nullable()),
            worker_processes::running.eq(0),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Asks a process that has not stopped to stop taking jobs; the row, if there is one.
pub async fn request_quiet(
    conn: &mut PooledConn,
    id: &str,
) -> Result<Option<WorkerProcess>, StoreError> {
    Ok(diesel::update(
        worker_processes::table
            .find(id)
            .filter(worker_processes::stopped_at.is_null()),
    )
    .set(worker_processes::quiet_requested_at.eq(now.into_sql::<Timestamptz>().nullable()))
    .returning(WorkerProcess::as_returning())
    .get_result(conn)
    .await
    .optional()?)
}

pub async fn find(conn: &mut PooledConn, id: &str) -> Result<Option<WorkerProcess>, StoreError> {
    Ok(worker_processes::table
        .find(id)
        .select(WorkerProcess::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The processes that renewed their row most recently, first.
pub async fn recent(conn: &mut PooledConn, limit: i64) -> Result<Vec<WorkerProcess>, StoreError> {
    Ok(worker_processes::table
        .order(worker_processes::heartbeat_at.desc())
        .limit(limit)
        .select(WorkerProcess::as_select())
        .load(conn)
        .await?)
}

#[derive(QueryableByName)]
pub struct QueueWorkers {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub alive: i64,
}

/// Per queue, the processes serving it that renewed their row within `within_secs` and
/// were not asked to go quiet.
pub async fn alive_per_queue(
    conn: &mut PooledConn,
    within_secs: f64,
) -> Result<Vec<QueueWorkers>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT served.kind, count(*) AS alive
         FROM worker_processes, jsonb_array_elements_text(queues) AS served (kind)
         WHERE stopped_at IS NULL AND quiet_requested_at IS NULL
           AND heartbeat_at > now() - make_interval(secs => $1)
         GROUP BY served.kind",
    )
    .bind::<diesel::sql_types::Double, _>(within_secs)
    .load(conn)
    .await?)
}

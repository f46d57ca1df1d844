//! Queues an administrator paused, and what each queue holds: the record behind
//! `GET /admin/queues` and the dispatcher's pause.

use diesel::{
    prelude::*,
    sql_types::{BigInt, Bool, Double, Nullable, Text, Uuid as SqlUuid},
};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::{PooledConn, StoreError, schema::queue_controls};

/// Pauses or resumes `kind`'s queue, as `by` asked.
pub async fn set_paused(
    conn: &mut PooledConn,
    kind: &str,
    paused: bool,
    by: Uuid,
) -> Result<(), StoreError> {
    diesel::sql_query(
        "INSERT INTO queue_controls (kind, paused, changed_by) VALUES ($1, $2, $3)
         ON CONFLICT (kind) DO UPDATE
         SET paused = EXCLUDED.paused, changed_by = EXCLUDED.changed_by, changed_at = now()",
    )
    .bind::<Text, _>(kind)
    .bind::<Bool, _>(paused)
    .bind::<SqlUuid, _>(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// The kinds whose queues are paused.
pub async fn paused(conn: &mut PooledConn) -> Result<Vec<String>, StoreError> {
    Ok(queue_controls::table
        .filter(queue_controls::paused.eq(true))
        .select(queue_controls::kind)
        .load(conn)
        .await?)
}

/// What one queue holds in PostgreSQL.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct QueueTally {
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// Queued and due now.
    #[diesel(sql_type = BigInt)]
    pub due: i64,
    /// Queued for later: a retry's backoff, or a report waiting for its session's end.
    #[diesel(sql_type = BigInt)]
    pub scheduled: i64,
    #[diesel(sql_type = BigInt)]
    pub running: i64,
    #[diesel(sql_type = BigInt)]
    pub succeeded_last_hour: i64,
    #[diesel(sql_type = BigInt)]
    pub failed_last_hour: i64,
    /// How long the oldest due job has been due.
    #[diesel(sql_type = Nullable<Double>)]
    pub oldest_due_secs: Option<f64>,
}

/// What each of `kinds` holds: its unfinished jobs, and those finished within
/// `finished_within_secs` (0: none are read). Each part reads one of the small partial
/// indexes (undispatched, dispatched and waiting, running) or, per kind, a range of the
/// retention index: never a scan of the whole history.
pub async fn tallies(
    conn: &mut PooledConn,
    kinds: &[&str],
    finished_within_secs: f64,
) -> Result<Vec<QueueTally>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT kind,
                count(*) FILTER (WHERE status = 'queued' AND run_after <= now()) AS due,
                count(*) FILTER (WHERE status = 'queued' AND run_after > now()) AS scheduled,
                count(*) FILTER (WHERE status = 'running') AS running,
                count(*) FILTER (WHERE status = 'succeeded') AS succeeded_last_hour,
                count(*) FILTER (WHERE status = 'failed') AS failed_last_hour,
                extract(epoch FROM now() - min(run_after)
                    FILTER (WHERE status = 'queued' AND run_after <= now()))::float8
                    AS oldest_due_secs
         FROM (
             SELECT kind, status, run_after FROM jobs
             WHERE status = 'queued' AND dispatched_at IS NULL
             UNION ALL
             SELECT kind, status, run_after FROM jobs
             WHERE status = 'queued' AND dispatched_at IS NOT NULL
             UNION ALL
             SELECT kind, status, run_after FROM jobs WHERE status = 'running'
             UNION ALL
             SELECT done.kind, done.status, done.run_after
             FROM unnest($1::text[]) AS wanted (kind)
             CROSS JOIN LATERAL (
                 SELECT kind, status, run_after FROM jobs
                 WHERE jobs.kind = wanted.kind AND finished_at IS NOT NULL
                   AND finished_at > now() - make_interval(secs => $2)
             ) done
             WHERE $2 > 0
         ) recent
         GROUP BY kind ORDER BY kind",
    )
    .bind::<diesel::sql_types::Array<Text>, _>(kinds)
    .bind::<Double, _>(finished_within_secs)
    .load(conn)
    .await?)
}

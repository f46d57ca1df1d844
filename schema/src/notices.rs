//! What happened that someone may be told of. Triggers write a notice in the transaction
//! of the change (a user's job finished, an order paid); the dispatcher takes pending
//! notices a batch at a time and, in one transaction, writes what they become (messages,
//! mail and webhook jobs) and marks them fanned out, so each is told once.

use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{
        Array, BigInt, Bool, Double, Int4, Int8, Jsonb, Nullable, Text, Timestamptz,
        Uuid as SqlUuid,
    },
};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::{PooledConn, StoreError};

/// A pending notice with what telling it needs: its owner, and its subject (a job or an
/// order, whichever the event is about; `None` when it is gone).
#[derive(Debug, Clone, QueryableByName)]
pub struct PendingNotice {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = SqlUuid)]
    pub owner_id: Uuid,
    /// `job.succeeded`, `job.failed`, `order.paid` or `webhook.disabled`.
    #[diesel(sql_type = Text)]
    pub event: String,
    #[diesel(sql_type = SqlUuid)]
    pub subject_id: Uuid,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub detail: Option<serde_json::Value>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Bool)]
    pub email_verified: bool,
    #[diesel(sql_type = Text)]
    pub language: String,
    /// A mail was already asked for about this subject.
    #[diesel(sql_type = Bool)]
    pub mailed_before: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub job_kind: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub job_error: Option<String>,
    /// From the job's submission to its end: how long its owner waited.
    #[diesel(sql_type = Nullable<Double>)]
    pub job_waited_secs: Option<f64>,
    #[diesel(sql_type = Nullable<Int4>)]
    pub job_attempts: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub order_product: Option<String>,
    #[diesel(sql_type = Nullable<Int8>)]
    pub order_amount_fen: Option<i64>,
    #[diesel(sql_type = Nullable<Int4>)]
    pub order_points: Option<i32>,
}

/// The oldest pending notices, at most `limit`, locked for this transaction.
pub async fn pending(conn: &mut PooledConn, limit: i64) -> Result<Vec<PendingNotice>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT n.id, n.owner_id, n.event, n.subject_id, n.detail, n.created_at, u.email,
                u.email_verified_at IS NOT NULL AS email_verified, u.language,
                EXISTS (SELECT 1 FROM notices m WHERE m.subject_id = n.subject_id AND m.mailed)
                    AS mailed_before,
                j.kind AS job_kind, j.error AS job_error, j.attempt AS job_attempts,
                extract(epoch FROM j.finished_at - j.created_at)::float8 AS job_waited_secs,
                o.product AS order_product, o.amount_fen AS order_amount_fen,
                o.points AS order_points
         FROM notices n
         JOIN users u ON u.id = n.owner_id
         LEFT JOIN jobs j ON j.id = n.subject_id AND n.event LIKE 'job.%'
         LEFT JOIN orders o ON o.id = n.subject_id AND n.event = 'order.paid'
         WHERE n.fanned_at IS NULL
         ORDER BY n.id LIMIT $1
         FOR UPDATE OF n SKIP LOCKED",
    )
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// Marks `ids` fanned out, and `mailed` among them as having asked for a mail.
pub async fn mark_fanned(
    conn: &mut PooledConn,
    ids: &[i64],
    mailed: &[i64],
) -> Result<(), StoreError> {
    diesel::sql_query(
        "UPDATE notices SET fanned_at = now(), mailed = (id = ANY($2))
         WHERE id = ANY($1)",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<BigInt>, _>(mailed)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes the oldest notices fanned out and written before `before`, at most `limit`;
/// returns how many. Read in id order, so the old ones are found first, without an index
/// of their own.
pub async fn prune(
    conn: &mut PooledConn,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<usize, StoreError> {
    Ok(diesel::sql_query(
        "DELETE FROM notices WHERE id IN (
             SELECT id FROM notices WHERE fanned_at IS NOT NULL AND created_at < $1
             ORDER BY id LIMIT $2)",
    )
    .bind::<Timestamptz, _>(before)
    .bind::<BigInt, _>(limit)
    .execute(conn)
    .await?)
}

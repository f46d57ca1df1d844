//! A user's recent posting searches, for the dashboard: the search records itself, one row
//! per distinct set of filters, and only the latest `KEPT` per user stay.

use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{Integer, Jsonb, Text, Uuid as SqlUuid},
};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::{PooledConn, StoreError, schema::posting_searches};

/// Searches kept per user.
const KEPT: i64 = 20;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = posting_searches, check_for_backend(diesel::pg::Pg))]
pub struct PostingSearch {
    pub id: Uuid,
    pub filters: serde_json::Value,
    pub runs: i32,
    pub last_results: i32,
    pub first_run_at: DateTime<Utc>,
    pub last_run_at: DateTime<Utc>,
}

/// Records that `owner` ran the search `filters` (a JSON object whose text is its
/// identity) and saw `results` postings on its first page; forgets their oldest beyond
/// `KEPT`.
pub async fn record(
    conn: &mut PooledConn,
    owner: Uuid,
    filters: &serde_json::Value,
    results: i32,
) -> Result<(), StoreError> {
    diesel::sql_query(
        "INSERT INTO posting_searches (id, owner_id, filters, filters_key, last_results)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (owner_id, filters_key) DO UPDATE
         SET runs = posting_searches.runs + 1, last_results = EXCLUDED.last_results,
             last_run_at = now()",
    )
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<SqlUuid, _>(owner)
    .bind::<Jsonb, _>(filters)
    .bind::<Text, _>(filters.to_string())
    .bind::<Integer, _>(results)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "DELETE FROM posting_searches WHERE owner_id = $1 AND id NOT IN (
             SELECT id FROM posting_searches WHERE owner_id = $1
             ORDER BY last_run_at DESC, id DESC LIMIT $2)",
    )
    .bind::<SqlUuid, _>(owner)
    .bind::<diesel::sql_types::BigInt, _>(KEPT)
    .execute(conn)
    .await?;
    Ok(())
}

/// The owner's searches, the latest run first.
pub async fn recent(
    conn: &mut PooledConn,
    owner: Uuid,
    limit: i64,
) -> Result<Vec<PostingSearch>, StoreError> {
    Ok(posting_searches::table
        .filter(posting_searches::owner_id.eq(owner))
        .order((
            posting_searches::last_run_at.desc(),
            posting_searches::id.desc(),
        ))
        .limit(limit)
        .select(PostingSearch::as_select())
        .load(conn)
        .await?)
}

pub async fn count(conn: &mut PooledConn, owner: Uuid) -> Result<i64, StoreError> {
    Ok(posting_searches::table
        .filter(posting_searches::owner_id.eq(owner))
        .count()
        .get_result(conn)
        .await?)
}

//! The back office's figures: accounts, sign-ins, payments and the use of each module, per
//! UTC day. Every count is a range read of an index on its table's time column.

use chrono::NaiveDate;
use diesel::{
    QueryableByName,
    sql_types::{BigInt, Date, Integer},
};
use diesel_async::RunQueryDsl;

use crate::{PooledConn, StoreError};

/// One UTC day.
#[derive(Debug, Clone, QueryableByName)]
pub struct DayStats {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub new_users: i64,
    /// Of the new users, those who registered with an invitation code.
    #[diesel(sql_type = BigInt)]
    pub invited_users: i64,
    /// Users who signed in that day.
    #[diesel(sql_type = BigInt)]
    pub active_users: i64,
    #[diesel(sql_type = BigInt)]
    pub paying_users: i64,
    #[diesel(sql_type = BigInt)]
    pub revenue_fen: i64,
    #[diesel(sql_type = BigInt)]
    pub uploads: i64,
    #[diesel(sql_type = BigInt)]
    pub diagnoses: i64,
    #[diesel(sql_type = BigInt)]
    pub question_sets: i64,
    #[diesel(sql_type = BigInt)]
    pub interviews: i64,
    #[diesel(sql_type = BigInt)]
    pub crawls: i64,
}

/// All time, and now.
#[derive(Debug, Clone, QueryableByName)]
pub struct Totals {
    #[diesel(sql_type = BigInt)]
    pub users: i64,
    /// Users who registered with an invitation code.
    #[diesel(sql_type = BigInt)]
    pub invited_users: i64,
    /// Users with a session renewed within the access token's life.
    #[diesel(sql_type = BigInt)]
    pub signed_in_now: i64,
    #[diesel(sql_type = BigInt)]
    pub paying_users: i64,
    #[diesel(sql_type = BigInt)]
    pub revenue_fen: i64,
}

/// The `days` UTC days that end with `until`, oldest first.
pub async fn daily(
    conn: &mut PooledConn,
    until: NaiveDate,
    days: i32,
) -> Result<Vec<DayStats>, StoreError> {
    Ok(diesel::sql_query(
        // An integer series, whose length the planner knows: over timestamps it guessed
        // 1,000 days, and the cost of that guess switched on JIT compilation, 300 ms a call.
        "WITH days AS (
             SELECT day, day::timestamp AT TIME ZONE 'UTC' AS from_at,
                    (day + 1)::timestamp AT TIME ZONE 'UTC' AS to_at
             FROM (SELECT $1::date - back AS day FROM generate_series(0, $2 - 1) AS back) AS series
         )
         SELECT day,
             (SELECT count(*) FROM users WHERE created_at >= from_at AND created_at < to_at) AS new_users,
             (SELECT count(*) FROM users WHERE created_at >= from_at AND created_at < to_at
              AND invited_by IS NOT NULL) AS invited_users,
             (SELECT count(DISTINCT user_id) FROM sessions
              WHERE created_at >= from_at AND created_at < to_at) AS active_users,
             (SELECT count(DISTINCT owner_id) FROM orders
              WHERE paid_at >= from_at AND paid_at < to_at) AS paying_users,
             (SELECT coalesce(sum(amount_fen), 0)::bigint FROM orders
              WHERE paid_at >= from_at AND paid_at < to_at) AS revenue_fen,
             (SELECT count(*) FROM resumes WHERE created_at >= from_at AND created_at < to_at) AS uploads,
             (SELECT count(*) FROM diagnoses WHERE created_at >= from_at AND created_at < to_at) AS diagnoses,
             (SELECT count(*) FROM question_sets
              WHERE created_at >= from_at AND created_at < to_at) AS question_sets,
             (SELECT count(*) FROM interviews WHERE created_at >= from_at AND created_at < to_at) AS interviews,
             (SELECT count(*) FROM crawl_runs WHERE created_at >= from_at AND created_at < to_at) AS crawls
         FROM days ORDER BY day",
    )
    .bind::<Date, _>(until)
    .bind::<Integer, _>(days)
    .load(conn)
    .await?)
}

/// The totals; `live_secs` is how recent a renewal counts as signed in now.
pub async fn totals(conn: &mut PooledConn, live_secs: i32) -> Result<Totals, StoreError> {
    Ok(diesel::sql_query(
        "SELECT (SELECT count(*) FROM users) AS users,
                (SELECT count(*) FROM users WHERE invited_by IS NOT NULL) AS invited_users,
                (SELECT count(DISTINCT user_id) FROM sessions
                 WHERE revoked_at IS NULL
                   AND refreshed_at > now() - make_interval(secs => $1)) AS signed_in_now,
                (SELECT count(DISTINCT owner_id) FROM orders WHERE paid_at IS NOT NULL) AS paying_users,
                (SELECT coalesce(sum(amount_fen), 0)::bigint FROM orders
                 WHERE paid_at IS NOT NULL) AS revenue_fen",
    )
    .bind::<Integer, _>(live_secs)
    .get_result(conn)
    .await?)
}

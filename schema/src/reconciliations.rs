//! The billing audit's runs and findings, and the reads it compares: orders, credits.
//! A scheduled run is keyed by its tick, so any number of schedulers make one run a tick.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use prepq_jobs::{NewJob, kinds::BillingReconcile};
use uuid::Uuid;

use crate::{
    PooledConn, StoreError, jobs, points,
    schema::{orders, points_ledger, reconciliation_mismatches, reconciliation_runs},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reconciliation_runs, check_for_backend(diesel::pg::Pg))]
pub struct Run {
    pub id: Uuid,
    pub job_id: Uuid,
    pub tick: Option<DateTime<Utc>>,
    pub day_from: NaiveDate,
    pub day_to: NaiveDate,
    pub requested_by: Option<Uuid>,
    pub status: String,
    pub summary: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One disagreement found.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reconciliation_mismatches, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(
    feature = "openapi",
    oai(rename = "MismatchView", skip_serializing_if_is_none)
)]
pub struct Mismatch {
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub id: i64,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub run_id: Uuid,
    /// `paid_not_recorded`, `missing_at_provider`, `status_differs`, `amount_differs`,
    /// `never_credited`, `credited_twice` or `credit_without_order`.
    pub kind: String,
    /// The order's out_trade_no, or `ledger:<entry id>`.
    pub reference: String,
    pub order_id: Option<Uuid>,
    /// `healed` (only `never_credited`: credited once) or `flagged` (for a person).
    pub action: String,
    /// False when an earlier run reported it already.
    pub first_seen: bool,
    pub details: serde_json::Value,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = reconciliation_mismatches)]
pub struct NewMismatch {
    pub run_id: Uuid,
    pub kind: &'static str,
    pub reference: String,
    pub order_id: Option<Uuid>,
    pub action: &'static str,
    pub first_seen: bool,
    pub details: serde_json::Value,
}

/// What the audit needs of an order.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders, check_for_backend(diesel::pg::Pg))]
pub struct AuditedOrder {
    pub id: Uuid,
    pub owner_id: Option<Uuid>,
    pub out_trade_no: String,
    pub amount_fen: i64,
    pub points: i32,
    pub status: String,
    pub paid_at: Option<DateTime<Utc>>,
}

/// A credit entry of the ledger.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = points_ledger, check_for_backend(diesel::pg::Pg))]
pub struct Credit {
    pub id: i64,
    pub user_id: Uuid,
    pub order_id: Option<Uuid>,
    pub amount: i32,
    pub created_at: DateTime<Utc>,
}

/// Records a run of days `day_from..=day_to` and enqueues it, together. With a `tick`,
/// only the first call for that tick does anything; the others get `None`.
pub async fn start_run(
    conn: &mut PooledConn,
    tick: Option<DateTime<Utc>>,
    day_from: NaiveDate,
    day_to: NaiveDate,
    requested_by: Option<Uuid>,
) -> Result<Option<Run>, StoreError> {
    conn.transaction(async |conn| {
        let (run_id, job_id) = (Uuid::now_v7(), Uuid::now_v7());
        let run = diesel::insert_into(reconciliation_runs::table)
            .values((
                reconciliation_runs::id.eq(run_id),
                reconciliation_runs::job_id.eq(job_id),
                reconciliation_runs::tick.eq(tick),
                reconciliation_runs::day_from.eq(day_from),
                reconciliation_runs::day_to.eq(day_to),
                reconciliation_runs::requested_by.eq(requested_by),
            ))
            .on_conflict_do_nothing()
            .returning(Run::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        if run.is_some() {
            jobs::insert_system_as(conn, job_id, &NewJob::of(&BillingReconcile { run_id })).await?;
        }
        Ok(run)
    })
    .await
}

pub async fn find_run(conn: &mut PooledConn, id: Uuid) -> Result<Option<Run>, StoreError> {
    Ok(reconciliation_runs::table
        .find(id)
        .select(Run::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Runs, newest first.
pub async fn list_runs(
    conn: &mut PooledConn,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Run>, StoreError> {
    let query = newest_first!(
        reconciliation_runs::table.select(Run::as_select()),
        reconciliation_runs::id,
        before,
        limit
    );
    Ok(query.load(conn).await?)
}

pub async fn mismatches_of(
    conn: &mut PooledConn,
    run_id: Uuid,
) -> Result<Vec<Mismatch>, StoreError> {
    Ok(reconciliation_mismatches::table
        .filter(reconciliation_mismatches::run_id.eq(run_id))
        .select(Mismatch::as_select())
        .order(reconciliation_mismatches::id)
        .load(conn)
        .await?)
}

/// Orders paid in `[from, until)`, or named by the provider (`trade_nos`), or by a credit
/// (`ids`).
pub async fn orders_to_audit(
    conn: &mut PooledConn,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    trade_nos: &[String],
    ids: &[Uuid],
) -> Result<Vec<AuditedOrder>, StoreError> {
    Ok(orders::table
        .filter(
            orders::paid_at
                .ge(from)
                .and(orders::paid_at.lt(until))
                .or(orders::out_trade_no.eq_any(trade_nos))
                .or(orders::id.eq_any(ids)),
        )
        .select(AuditedOrder::as_select())
        .load(conn)
        .await?)
}

/// Credits for orders `order_ids`, and every credit written in `[from, until)`.
pub async fn credits_to_audit(
    conn: &mut PooledConn,
    order_ids: &[Uuid],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Credit>, StoreError> {
    Ok(points_ledger::table
        .filter(points_ledger::entry.eq("credit"))
        .filter(
            points_ledger::order_id
                .eq_any(order_ids)
                .or(points_ledger::created_at
                    .ge(from)
                    .and(points_ledger::created_at.lt(until))),
        )
        .select(Credit::as_select())
        .load(conn)
        .await?)
}

/// Credits a paid top-up that has no credit, once: under the order's lock, and only if it
/// still has none. Returns whether it credited.
pub async fn heal_credit(
    conn: &mut PooledConn,
    run_id: Uuid,
    order_id: Uuid,
) -> Result<bool, StoreError> {
    conn.transaction(async |conn| {
        let order: Option<(Option<Uuid>, i32, String)> = orders::table
            .find(order_id)
            .filter(orders::status.eq(crate::orders::PAID))
            .select((orders::owner_id, orders::points, orders::out_trade_no))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let Some((Some(owner), points, trade_no)) = order else {
            return Ok(false);
        };
        let credited: i64 = points_ledger::table
            .filter(points_ledger::order_id.eq(order_id))
            .filter(points_ledger::entry.eq("credit"))
            .count()
            .get_result(conn)
            .await?;
        if credited > 0 || points == 0 {
            return Ok(false);
        }
        let note = format!("{trade_no} (healed by reconciliation {run_id})");
        points::credit_in(conn, owner, points, order_id, &note).await?;
        Ok(true)
    })
    .await
}

/// Of `references`, those an earlier run than `run_id` reported as `kind`.
pub async fn seen_before(
    conn: &mut PooledConn,
    run_id: Uuid,
    references: &[String],
) -> Result<HashSet<(String, String)>, StoreError> {
    let seen: Vec<(String, String)> = reconciliation_mismatches::table
        .filter(reconciliation_mismatches::run_id.ne(run_id))
        .filter(reconciliation_mismatches::reference.eq_any(references))
        .select((
            reconciliation_mismatches::kind,
            reconciliation_mismatches::reference,
        ))
        .distinct()
        .load(conn)
        .await?;
    Ok(seen.into_iter().collect())
}

/// Stores what the run found and enqueues its alert mails; called in the transaction that
/// marks the run's job succeeded (the run's status follows its job).
pub async fn record_report(
    conn: &mut PooledConn,
    run_id: Uuid,
    summary: &serde_json::Value,
    mismatches: &[NewMismatch],
    alerts: &[NewJob],
) -> Result<(), StoreError> {
    diesel::delete(
        reconciliation_mismatches::table.filter(reconciliation_mismatches::run_id.eq(run_id)),
    )
    .execute(conn)
    .await?;
    for chunk in mismatches.chunks(1000) {
        diesel::insert_into(reconciliation_mismatches::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    for alert in alerts {
        jobs::insert_system(conn, alert).await?;
    }
    diesel::update(reconciliation_runs::table.find(run_id))
        .set(reconciliation_runs::summary.eq(summary))
        .execute(conn)
        .await?;
    Ok(())
}

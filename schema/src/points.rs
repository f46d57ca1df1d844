//! Points: an append-only ledger and a balance that never goes negative. A priced job's
//! price is reserved in the transaction that inserts it; the `jobs_settle_points` trigger
//! settles or refunds it in the transaction that finishes the job, whichever path that is.
//! Every job entry is unique per (job, round, entry), so nothing is charged or refunded twice;
//! an admin's retry of a failed priced job opens the next round.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::{
    PooledConn, StoreError,
    schema::{point_balances, points_ledger},
};

/// One change of your balance.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = points_ledger, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(
    feature = "openapi",
    oai(rename = "LedgerLine", skip_serializing_if_is_none)
)]
pub struct LedgerEntry {
    pub id: i64,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub user_id: Uuid,
    pub job_id: Option<Uuid>,
    /// `grant`, `reserve` (a paid job accepted), `settle` (it succeeded: spent), `refund`
    /// (it failed or was cancelled), `credit` (bought with order `order_id`) or `download`
    /// (a paid report download).
    pub entry: String,
    /// Change of the balance.
    pub amount: i32,
    pub balance_after: i32,
    /// What it was for: the job kind, or the grant.
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub order_id: Option<Uuid>,
}

/// A reservation the balance could not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unaffordable {
    pub balance: i32,
    pub price: i32,
}

pub async fn balance(conn: &mut AsyncPgConnection, user_id: Uuid) -> Result<i32, StoreError> {
    let balance = point_balances::table
        .find(user_id)
        .select(point_balances::balance)
        .first(conn)
        .await
        .optional()?;
    Ok(balance.unwrap_or(0))
}

/// The user's entries, newest first, older than `before` when given.
pub async fn history(
    conn: &mut PooledConn,
    user_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LedgerEntry>, StoreError> {
    let query = newest_first!(
        points_ledger::table
            .filter(points_ledger::user_id.eq(user_id))
            .select(LedgerEntry::as_select()),
        points_ledger::id,
        before,
        limit
    );
    Ok(query.load(conn).await?)
}

/// Opens the user's balance or adds `amount` to it, inside the caller's transaction.
pub async fn grant_in(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    amount: i32,
    note: &str,
) -> Result<(), StoreError> {
    add_in(conn, user_id, amount, "grant", None, note).await
}

/// Adds the points order `order_id` bought, inside the transaction that marks it paid.
pub(crate) async fn credit_in(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    amount: i32,
    order_id: Uuid,
    note: &str,
) -> Result<(), StoreError> {
    add_in(conn, user_id, amount, "credit", Some(order_id), note).await
}

async fn add_in(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    amount: i32,
    entry: &str,
    order_id: Option<Uuid>,
    note: &str,
) -> Result<(), StoreError> {
    let after: i32 = diesel::insert_into(point_balances::table)
        .values((
            point_balances::user_id.eq(user_id),
            point_balances::balance.eq(amount),
        ))
        .on_conflict(point_balances::user_id)
        .do_update()
        .set((
            point_balances::balance.eq(point_balances::balance + amount),
            point_balances::updated_at.eq(diesel::dsl::now),
        ))
        .returning(point_balances::balance)
        .get_result(conn)
        .await?;
    if amount == 0 {
        return Ok(());
    }
    diesel::insert_into(points_ledger::table)
        .values((
            points_ledger::user_id.eq(user_id),
            points_ledger::entry.eq(entry),
            points_ledger::amount.eq(amount),
            points_ledger::balance_after.eq(after),
            points_ledger::order_id.eq(order_id),
            points_ledger::note.eq(note),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Reserves a refunded job's price again for another try, inside the caller's transaction:
/// the same price as its last round, from its owner's balance. Nothing to do for a job
/// that was never priced.
pub(crate) async fn reserve_again(
    conn: &mut AsyncPgConnection,
    job_id: Uuid,
) -> Result<Result<(), Unaffordable>, StoreError> {
    let last: Option<(Uuid, i32, i16, String)> = points_ledger::table
        .filter(points_ledger::job_id.eq(job_id))
        .filter(points_ledger::entry.eq("reserve"))
        .order(points_ledger::round.desc())
        .select((
            points_ledger::user_id,
            points_ledger::amount,
            points_ledger::round,
            points_ledger::note,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some((user_id, reserved, round, note)) = last else {
        return Ok(Ok(()));
    };
    let price = -reserved;
    let balance = locked_balance(conn, user_id).await?;
    if balance < price {
        return Ok(Err(Unaffordable { balance, price }));
    }
    let after = spend(conn, user_id, price).await?;
    diesel::insert_into(points_ledger::table)
        .values((
            points_ledger::user_id.eq(user_id),
            points_ledger::job_id.eq(job_id),
            points_ledger::entry.eq("reserve"),
            points_ledger::amount.eq(reserved),
            points_ledger::balance_after.eq(after),
            points_ledger::note.eq(note),
            points_ledger::round.eq(round + 1),
        ))
        .execute(conn)
        .await?;
    Ok(Ok(()))
}

/// The user's balance, its row locked until the transaction ends: it orders spenders.
async fn locked_balance(conn: &mut AsyncPgConnection, user_id: Uuid) -> Result<i32, StoreError> {
    Ok(point_balances::table
        .find(user_id)
        .select(point_balances::balance)
        .for_update()
        .first(conn)
        .await
        .optional()?
        .unwrap_or(0))
}

/// Takes `price` from a balance the caller locked and found enough; the balance after.
async fn spend(conn: &mut AsyncPgConnection, user_id: Uuid, price: i32) -> Result<i32, StoreError> {
    Ok(diesel::update(point_balances::table.find(user_id))
        .set((
            point_balances::balance.eq(point_balances::balance - price),
            point_balances::updated_at.eq(diesel::dsl::now),
        ))
        .returning(point_balances::balance)
        .get_result(conn)
        .await?)
}

/// Whether a report download was paid for now, or had been before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Download {
    Charged,
    AlreadyPaid,
}

/// Charges `price` for downloading the report of job `job_id`, once per report: a second
/// download of the same report is free.
pub async fn pay_for_download(
    conn: &mut PooledConn,
    user_id: Uuid,
    job_id: Uuid,
    price: i32,
) -> Result<Result<Download, Unaffordable>, StoreError> {
    conn.transaction(async |conn| {
        // The balance row's lock orders two downloads of one report.
        let balance = locked_balance(conn, user_id).await?;
        let paid: i64 = points_ledger::table
            .filter(points_ledger::job_id.eq(job_id))
            .filter(points_ledger::entry.eq("download"))
            .count()
            .get_result(conn)
            .await?;
        if paid > 0 {
            return Ok(Ok(Download::AlreadyPaid));
        }
        if balance < price {
            return Ok(Err(Unaffordable { balance, price }));
        }
        let after = spend(conn, user_id, price).await?;
        diesel::insert_into(points_ledger::table)
            .values((
                points_ledger::user_id.eq(user_id),
                points_ledger::job_id.eq(job_id),
                points_ledger::entry.eq("download"),
                points_ledger::amount.eq(-price),
                points_ledger::balance_after.eq(after),
                points_ledger::note.eq("report download"),
            ))
            .execute(conn)
            .await?;
        Ok(Ok(Download::Charged))
    })
    .await
}

/// Holds the price of each job `(owner, job, price, kind)`, in order, inside the
/// transaction that inserts them: each owner's balance row is locked and written once for
/// all their jobs. A job the balance left by those before it does not cover is refused;
/// the answer maps each refused job to the balance it met.
pub(crate) async fn reserve_in_order(
    conn: &mut AsyncPgConnection,
    jobs: &[(Uuid, Uuid, i32, &str)],
) -> Result<HashMap<Uuid, Unaffordable>, StoreError> {
    let mut owners: Vec<Uuid> = jobs.iter().map(|j| j.0).collect();
    owners.sort_unstable();
    owners.dedup();
    let mut refused = HashMap::new();
    let mut lines = Vec::new();
    // In id order, so two batches never lock the same owners in opposite orders.
    for owner in owners {
        let held: Option<i32> = point_balances::table
            .find(owner)
            .select(point_balances::balance)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let mut balance = held.unwrap_or(0);
        for &(_, job_id, price, kind) in jobs.iter().filter(|j| j.0 == owner) {
            // No balance row: nothing to spend, whatever the price.
            if held.is_none() || balance < price {
                refused.insert(job_id, Unaffordable { balance, price });
                continue;
            }
            balance -= price;
            lines.push((
                points_ledger::user_id.eq(owner),
                points_ledger::job_id.eq(job_id),
                points_ledger::entry.eq("reserve"),
                points_ledger::amount.eq(-price),
                points_ledger::balance_after.eq(balance),
                points_ledger::note.eq(kind),
            ));
        }
        if held.is_some_and(|before| before != balance) {
            diesel::update(point_balances::table.find(owner))
                .set((
                    point_balances::balance.eq(balance),
                    point_balances::updated_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
        }
    }
    if !lines.is_empty() {
        diesel::insert_into(points_ledger::table)
            .values(lines)
            .execute(conn)
            .await?;
    }
    Ok(refused)
}

/// Holds `price` points for job `job_id`, inside the transaction that inserts the job. The
/// balance row's lock orders concurrent reservations: none can spend what another took.
pub(crate) async fn reserve(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    job_id: Uuid,
    price: i32,
    kind: &str,
) -> Result<Result<(), Unaffordable>, StoreError> {
    let mut refused = reserve_in_order(conn, &[(user_id, job_id, price, kind)]).await?;
    Ok(refused.remove(&job_id).map_or(Ok(()), Err))
}

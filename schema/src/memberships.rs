//! Membership: cumulative top-ups (the level follows from them) and a package's end.
//! Changed only inside the transaction that marks an order paid.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use prepq_billing::{Level, Package, effective_level};
use uuid::Uuid;

use crate::{PooledConn, StoreError, schema::memberships};

#[derive(Debug, Clone, Default, Queryable, Selectable)]
#[diesel(table_name = memberships, check_for_backend(diesel::pg::Pg))]
pub struct Membership {
    pub paid_fen: i64,
    pub package_until: Option<DateTime<Utc>>,
}

impl Membership {
    /// The level cumulative top-ups reach.
    pub fn paid_level(&self) -> Level {
        Level::for_paid(self.paid_fen)
    }

    /// The level that holds now, a running package included.
    pub fn level_now(&self) -> Level {
        effective_level(self.paid_level(), self.package_until, Utc::now())
    }
}

/// The user's membership; everyone without a payment is a normal member.
pub async fn find(conn: &mut PooledConn, user_id: Uuid) -> Result<Membership, StoreError> {
    Ok(memberships::table
        .find(user_id)
        .select(Membership::as_select())
        .first(conn)
        .await
        .optional()?
        .unwrap_or_default())
}

/// Records what a paid order bought: a top-up adds to the cumulative amount (and may lift
/// the level), a package sets or extends the package's end. A level that changes writes
/// the notice that tells its holder, in the same transaction.
pub(crate) async fn record_in(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    order_id: Uuid,
    product: &str,
    amount_fen: i64,
    paid_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(memberships::table)
        .values(memberships::user_id.eq(user_id))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    let current: Membership = memberships::table
        .find(user_id)
        .select(Membership::as_select())
        .for_update()
        .first(conn)
        .await?;
    let (paid_fen, package_until) = match Package::parse(product) {
        Some(package) => (
            current.paid_fen,
            Some(package.extend(current.package_until, paid_at)),
        ),
        None => (current.paid_fen + amount_fen, current.package_until),
    };
    diesel::update(memberships::table.find(user_id))
        .set((
            memberships::paid_fen.eq(paid_fen),
            memberships::package_until.eq(package_until),
            memberships::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    let before = current.level_now();
    let after = Membership {
        paid_fen,
        package_until,
    }
    .level_now();
    if after != before {
        diesel::sql_query(
            "INSERT INTO notices (owner_id, event, subject_id, detail)
             VALUES ($1, 'membership.changed', $2, $3)",
        )
        .bind::<diesel::sql_types::Uuid, _>(user_id)
        .bind::<diesel::sql_types::Uuid, _>(order_id)
        .bind::<diesel::sql_types::Jsonb, _>(
            serde_json::json!({ "from": before.as_str(), "to": after.as_str() }),
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}

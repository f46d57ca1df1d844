//! Orders: money a user means to pay, in fen, and what it buys. An order is placed once
//! per client key, and marked paid once: the pending → paid change, made under the order's
//! row lock, is what credits the points and the membership, in the same transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

use crate::{PooledConn, StoreError, memberships, points, schema::orders};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(
    feature = "openapi",
    oai(rename = "OrderView", skip_serializing_if_is_none)
)]
pub struct Order {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub owner_id: Option<Uuid>,
    #[cfg_attr(feature = "openapi", oai(rename = "client_order_key"))]
    pub client_key: String,
    /// The provider's order number.
    pub out_trade_no: String,
    /// `topup`, `week`, `month` or `quarter`.
    pub product: String,
    pub amount_fen: i64,
    /// Points the order credits when paid.
    pub points: i32,
    /// `pending` or `paid`.
    pub status: String,
    /// What the QR code encodes (`GET /orders/{id}/qr.png`); none until the provider gave it.
    pub code_url: Option<String>,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub transaction_id: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    /// The QR code can be paid until then.
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub updated_at: DateTime<Utc>,
}

pub const PENDING: &str = "pending";
pub const PAID: &str = "paid";

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = orders)]
pub struct NewOrder<'a> {
    pub id: Uuid,
    pub owner_id: Option<Uuid>,
    pub client_key: &'a str,
    pub out_trade_no: &'a str,
    pub product: &'a str,
    pub amount_fen: i64,
    pub points: i32,
    pub expires_at: DateTime<Utc>,
}

impl NewOrder<'_> {
    /// The provider's id of an order: 32 letters and digits, as it allows.
    pub fn trade_no(id: Uuid) -> String {
        format!("PQ{}", &id.simple().to_string()[..30])
    }
}

pub enum Placed {
    Created(Order),
    /// The client key was used before for the same product and amount.
    Existing(Order),
    /// The client key was used before for something else.
    KeyReused(Order),
}

pub async fn place(conn: &mut PooledConn, new: &NewOrder<'_>) -> Result<Placed, StoreError> {
    let created = diesel::insert_into(orders::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(Order::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    if let Some(order) = created {
        return Ok(Placed::Created(order));
    }
    let existing: Order = orders::table
        .filter(orders::owner_id.eq(new.owner_id))
        .filter(orders::client_key.eq(new.client_key))
        .select(Order::as_select())
        .first(conn)
        .await?;
    Ok(
        if existing.product == new.product && existing.amount_fen == new.amount_fen {
            Placed::Existing(existing)
        } else {
            Placed::KeyReused(existing)
        },
    )
}

pub async fn set_code_url(
    conn: &mut PooledConn,
    id: Uuid,
    code_url: &str,
) -> Result<Order, StoreError> {
    Ok(diesel::update(orders::table.find(id))
        .set((
            orders::code_url.eq(code_url),
            orders::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Order::as_returning())
        .get_result(conn)
        .await?)
}

owned_rows!(orders, Order);

/// A successful payment as the provider reported it.
#[derive(Debug, Clone)]
pub struct Payment<'a> {
    pub out_trade_no: &'a str,
    pub transaction_id: &'a str,
    pub amount_fen: i64,
    pub paid_at: DateTime<Utc>,
}

pub enum PaymentOutcome {
    /// Marked paid now; points and membership credited.
    Applied(Order),
    AlreadyPaid(Order),
    UnknownOrder,
    /// The provider took a different amount: nothing is credited; the audit will flag it.
    AmountDiffers {
        order: Order,
        paid_fen: i64,
    },
}

/// Marks the order paid and credits what it bought, in one transaction; at most once,
/// however many copies of the notification arrive at once.
pub async fn record_payment(
    conn: &mut PooledConn,
    payment: &Payment<'_>,
) -> Result<PaymentOutcome, StoreError> {
    conn.transaction(async |conn| {
        let Some(order) = orders::table
            .filter(orders::out_trade_no.eq(payment.out_trade_no))
            .select(Order::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
        else {
            return Ok(PaymentOutcome::UnknownOrder);
        };
        if order.status == PAID {
            return Ok(PaymentOutcome::AlreadyPaid(order));
        }
        if order.amount_fen != payment.amount_fen {
            return Ok(PaymentOutcome::AmountDiffers {
                order,
                paid_fen: payment.amount_fen,
            });
        }
        let order: Order = diesel::update(orders::table.find(order.id))
            .set((
                orders::status.eq(PAID),
                orders::transaction_id.eq(payment.transaction_id),
                orders::paid_at.eq(payment.paid_at),
                orders::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Order::as_returning())
            .get_result(conn)
            .await?;
        if let Some(owner) = order.owner_id {
            if order.points > 0 {
                points::credit_in(conn, owner, order.points, order.id, &order.out_trade_no).await?;
            }
            memberships::record_in(
                conn,
                owner,
                order.id,
                &order.product,
                order.amount_fen,
                payment.paid_at,
            )
            .await?;
        }
        Ok(PaymentOutcome::Applied(order))
    })
    .await
}

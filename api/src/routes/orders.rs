use std::convert::identity;

use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json},
};
use prepq_billing::{Entitlement, Level, Package};
use prepq_schema::{
    memberships,
    orders::{self, Order},
};
use uuid::Uuid;

use super::{
    ApiTags,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    billing::{self, Product},
    error::{ApiError, ListError, ReadError},
    qr, rate_limit,
};

#[derive(Default)]
pub struct OrdersApi;

/// A top-up (`amount_fen`, whole yuan from 10) or a package; exactly one of them.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OrderRequest {
    /// Your id for this order: sending it again returns the same order, never a second one.
    #[oai(validator(min_length = 1, max_length = 64))]
    pub client_order_key: String,
    /// Fen (CNY cents); 2 points per yuan.
    pub amount_fen: Option<i64>,
    pub package: Option<Package>,
}

pub type OrderPage = super::paging::Page<Order>;

#[derive(ApiResponse)]
pub enum OrderPlaced {
    /// A new order; pay it by scanning its QR code.
    #[oai(status = 201)]
    Created(Json<Order>),
    /// The order placed before under this client key.
    #[oai(status = 200)]
    Existing(Json<Order>),
}

#[derive(ApiResponse)]
pub enum QrCode {
    #[oai(status = 200, content_type = "image/png")]
    Png(Binary<Vec<u8>>),
}

/// A package's offer.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PackageOffer {
    pub package: Package,
    pub price_fen: i64,
    pub days: i64,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MembershipView {
    /// The level that holds now: the top-ups' level, raised by a running package.
    pub level: Level,
    /// Cumulative top-ups, fen.
    pub paid_fen: i64,
    /// The level cumulative top-ups reach.
    pub paid_level: Level,
    pub next_level: Option<Level>,
    /// Top-ups still needed for the next level, fen.
    pub fen_to_next_level: Option<i64>,
    pub package_until: Option<DateTime<Utc>>,
    pub entitlements: Vec<Entitlement>,
    pub packages: Vec<PackageOffer>,
}

#[OpenApi(tag = "ApiTags::Billing")]
impl OrdersApi {
    /// Place an order: the answer has the provider's `code_url` for the QR code.
    #[oai(path = "/orders", method = "post")]
    async fn place(
        &self,
        me: Signed<'_>,
        request: Json<OrderRequest>,
    ) -> Result<OrderPlaced, ApiError> {
        let product = Product::new(request.amount_fen, request.package)?;
        let quota = me.state.config.limits.order_user;
        rate_limit::hit(
            &me.state.redis,
            "order-user",
            &me.caller.user_id.to_string(),
            quota,
        )
        .await?;
        let mut conn = me.state.conn().await?;
        let (order, created) = billing::place_order(
            &mut conn,
            me.state.payments.as_deref(),
            me.caller.user_id,
            &request.client_order_key,
            &product,
        )
        .await?;
        Ok(if created {
            OrderPlaced::Created(Json(order))
        } else {
            OrderPlaced::Existing(Json(order))
        })
    }

    /// Your orders, newest first.
    #[oai(path = "/orders", method = "get")]
    async fn list(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<OrderPage>, ListError> {
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        let rows =
            orders::list_owned(&mut conn, me.caller.user_id, before, limit.0.fetch()).await?;
        Ok(Json(Page::of(rows, limit.0, |o| o.id, identity)))
    }

    /// One of your orders: poll it to see it paid. A pending order is checked with the
    /// provider too, so a lost payment notification does not leave it pending.
    #[oai(path = "/orders/:id", method = "get")]
    async fn get(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<Order>, ApiError> {
        let mut conn = me.state.conn().await?;
        let order = orders::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("order"))?;
        let order = billing::refresh(
            &mut conn,
            &me.state.redis,
            me.state.payments.as_deref(),
            order,
        )
        .await?;
        Ok(Json(order))
    }

    /// The order's payment QR code (its `code_url`) as a PNG.
    #[oai(path = "/orders/:id/qr.png", method = "get")]
    async fn qr(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<QrCode, ApiError> {
        let mut conn = me.state.conn().await?;
        let order = orders::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("order"))?;
        let code_url = order
            .code_url
            .ok_or_else(|| ApiError::not_found("payment code of this order"))?;
        Ok(QrCode::Png(Binary(qr::png(&code_url)?)))
    }

    /// Your membership: level, cumulative top-ups, package, and what they open.
    #[oai(path = "/membership", method = "get")]
    async fn membership(&self, me: Signed<'_>) -> Result<Json<MembershipView>, ReadError> {
        let mut conn = me.state.conn().await?;
        let membership = memberships::find(&mut conn, me.caller.user_id).await?;
        let paid_level = membership.paid_level();
        let next = paid_level.next();
        let level = membership.level_now();
        Ok(Json(MembershipView {
            level,
            paid_fen: membership.paid_fen,
            paid_level,
            next_level: next.map(|(level, _)| level),
            fen_to_next_level: next.map(|(_, from)| from - membership.paid_fen),
            package_until: membership.package_until,
            entitlements: level.entitlements(),
            packages: Package::ALL
                .into_iter()
                .map(|package| PackageOffer {
                    package,
                    price_fen: package.price_fen(),
                    days: package.days(),
                })
                .collect(),
        }))
    }
}

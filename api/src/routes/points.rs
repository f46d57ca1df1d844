use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, param::Query, payload::Json};
use prepq_billing::Level;
use prepq_schema::{
    memberships,
    points::{self, LedgerEntry},
};
use uuid::Uuid;

use super::{
    ApiTags,
    paging::{Page, PageLimit},
};
use crate::{
    auth::Signed,
    error::{InvalidCursor, ListError, ReadError},
};

#[derive(Default)]
pub struct PointsApi;

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Balance {
    pub balance: i32,
    /// Your membership level now (details at `/membership`).
    pub level: Level,
}

/// One change of your balance.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LedgerLine {
    pub id: i64,
    /// `grant`, `reserve` (a paid job accepted), `settle` (it succeeded: spent), `refund`
    /// (it failed or was cancelled), `credit` (bought with order `order_id`) or `download`
    /// (a paid report download).
    pub entry: String,
    /// Change of the balance.
    pub amount: i32,
    pub balance_after: i32,
    pub job_id: Option<Uuid>,
    pub order_id: Option<Uuid>,
    /// What it was for: the job kind, or the grant.
    pub note: String,
    pub created_at: DateTime<Utc>,
}

impl From<LedgerEntry> for LedgerLine {
    fn from(e: LedgerEntry) -> Self {
        Self {
            id: e.id,
            entry: e.entry,
            amount: e.amount,
            balance_after: e.balance_after,
            job_id: e.job_id,
            order_id: e.order_id,
            note: e.note,
            created_at: e.created_at,
        }
    }
}

pub type LedgerPage = super::paging::Page<LedgerLine>;

#[OpenApi(tag = "ApiTags::Points")]
impl PointsApi {
    /// Your points balance.
    #[oai(path = "/points", method = "get")]
    async fn balance(&self, me: Signed<'_>) -> Result<Json<Balance>, ReadError> {
        let mut conn = me.state.conn().await?;
        let balance = points::balance(&mut conn, me.caller.user_id).await?;
        let level = memberships::find(&mut conn, me.caller.user_id)
            .await?
            .level_now();
        Ok(Json(Balance { balance, level }))
    }

    /// Every change of your balance, newest first.
    #[oai(path = "/points/history", method = "get")]
    async fn history(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<LedgerPage>, ListError> {
        let before = cursor
            .0
            .map(|c| c.parse::<i64>())
            .transpose()
            .map_err(|_| InvalidCursor)?;
        let mut conn = me.state.conn().await?;
        let entries =
            points::history(&mut conn, me.caller.user_id, before, limit.0.fetch()).await?;
        Ok(Json(Page::of(entries, limit.0, |e| e.id, Into::into)))
    }
}

use std::convert::identity;

use poem_openapi::{Object, OpenApi, param::Query, payload::Json};
use prepq_billing::Level;
use prepq_schema::{
    memberships,
    points::{self, LedgerEntry},
};

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

pub type LedgerPage = super::paging::Page<LedgerEntry>;

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
        Ok(Json(Page::of(entries, limit.0, |e| e.id, identity)))
    }
}

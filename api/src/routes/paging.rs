//! Cursor pagination, shared by every listing. The cursor is the id of the last item of the
//! previous page: ids are time-ordered v7 UUIDs, so "older than the cursor" is the next page.

use poem_openapi::{
    Object,
    types::{ParseFromJSON, ToJSON},
};
use uuid::Uuid;

use crate::error::InvalidCursor;

/// One page of a listing, newest first. Named `Page_<Item>` in the spec.
#[derive(Debug, Object)]
pub struct Page<T: ParseFromJSON + ToJSON> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub fn default_limit() -> i64 {
    20
}

pub fn parse_cursor(cursor: Option<String>) -> Result<Option<Uuid>, InvalidCursor> {
    cursor
        .map(|c| c.parse::<Uuid>())
        .transpose()
        .map_err(|_| InvalidCursor)
}

/// Turns `limit + 1` fetched rows into a page of views and the next cursor, if any.
pub fn page<R, T, E>(
    rows: Vec<R>,
    limit: i64,
    id_of: impl Fn(&R) -> Uuid,
    view: impl FnMut(R) -> Result<T, E>,
) -> Result<(Vec<T>, Option<String>), E> {
    let limit = usize::try_from(limit).unwrap_or(0);
    let next_cursor = (rows.len() > limit)
        .then(|| {
            rows.get(limit.saturating_sub(1))
                .map(|r| id_of(r).to_string())
        })
        .flatten();
    let items = rows
        .into_iter()
        .take(limit)
        .map(view)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((items, next_cursor))
}

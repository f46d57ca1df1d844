//! Cursor pagination, shared by every listing. The cursor is the id of the last item of the
//! previous page: ids are time-ordered v7 UUIDs, so "older than the cursor" is the next page.

use std::borrow::Cow;

use poem_openapi::{
    Object,
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type},
};
use uuid::Uuid;

use crate::error::InvalidCursor;

/// One page of a listing, newest first. Named `Page_<Item>` in the spec.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Page<T: ParseFromJSON + ToJSON> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub fn parse_cursor(cursor: Option<String>) -> Result<Option<Uuid>, InvalidCursor> {
    cursor
        .map(|c| c.parse::<Uuid>())
        .transpose()
        .map_err(|_| InvalidCursor)
}

impl<T: ParseFromJSON + ToJSON> Page<T> {
    /// The page `limit.fetch()` rows make: one row more than the page holds means another
    /// page follows, from the last item's id.
    pub fn of<R, K: ToString>(
        rows: Vec<R>,
        limit: PageLimit,
        id_of: impl Fn(&R) -> K,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let (rows, next_cursor) = split(rows, limit, id_of);
        Self {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }

    /// `of` for views that can fail to be made.
    pub fn try_of<R, K: ToString, E>(
        rows: Vec<R>,
        limit: PageLimit,
        id_of: impl Fn(&R) -> K,
        view: impl FnMut(R) -> Result<T, E>,
    ) -> Result<Self, E> {
        let (rows, next_cursor) = split(rows, limit, id_of);
        Ok(Self {
            items: rows.into_iter().map(view).collect::<Result<_, _>>()?,
            next_cursor,
        })
    }
}

fn split<R, K: ToString>(
    mut rows: Vec<R>,
    PageLimit(limit): PageLimit,
    id_of: impl Fn(&R) -> K,
) -> (Vec<R>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    let next_cursor = (rows.len() > limit)
        .then(|| {
            rows.get(limit.saturating_sub(1))
                .map(|r| id_of(r).to_string())
        })
        .flatten();
    rows.truncate(limit);
    (rows, next_cursor)
}

/// How many items a page holds: 1–100, 20 when not given. One type for every listing's
/// `limit` parameter, so the bound and the default are stated once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(pub i64);

impl PageLimit {
    const DEFAULT: i64 = 20;
    const MAX: i64 = 100;

    /// Rows to fetch: one more than the page holds tells whether another page follows.
    pub fn fetch(self) -> i64 {
        self.0 + 1
    }
}

impl Type for PageLimit {
    // Optional in the query: a missing limit is the default.
    const IS_REQUIRED: bool = false;
    type RawValueType = i64;
    type RawElementValueType = i64;

    fn name() -> Cow<'static, str> {
        "PageLimit".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new_with_format("integer", "int64");
        schema.description = Some("Page size, 1–100.");
        schema.default = Some(Self::DEFAULT.into());
        schema.minimum = Some(1.0);
        schema.maximum = Some(Self::MAX as f64);
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&i64> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a i64> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl ParseFromParameter for PageLimit {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        match value.parse::<i64>() {
            Ok(limit) if (1..=Self::MAX).contains(&limit) => Ok(Self(limit)),
            _ => Err(ParseError::custom(format!(
                "limit must be a whole number from 1 to {}",
                Self::MAX
            ))),
        }
    }

    fn parse_from_parameters<I: IntoIterator<Item = A>, A: AsRef<str>>(
        values: I,
    ) -> ParseResult<Self> {
        match values.into_iter().next() {
            Some(value) => Self::parse_from_parameter(value.as_ref()),
            None => Ok(Self(Self::DEFAULT)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_twenty_when_missing_and_must_lie_in_one_to_a_hundred() {
        let none: [&str; 0] = [];
        assert_eq!(
            PageLimit::parse_from_parameters(none).unwrap(),
            PageLimit(20)
        );
        assert_eq!(
            PageLimit::parse_from_parameters(["100"]).unwrap(),
            PageLimit(100)
        );
        for bad in ["0", "101", "-1", "ten", ""] {
            assert!(PageLimit::parse_from_parameters([bad]).is_err(), "{bad}");
        }
    }
}

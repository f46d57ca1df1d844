//! The listings' one shape: newest first, below a cursor. Ids are time-ordered v7 UUIDs (or
//! sequence numbers), so "older than the cursor" is the next page.

/// At most `$limit` rows of `$query`, newest first by `$id`, below `$before` when given; a
/// boxed query, so callers may add filters.
macro_rules! newest_first {
    ($query:expr, $id:expr, $before:expr, $limit:expr) => {{
        let mut query = $query.order($id.desc()).limit($limit).into_boxed();
        if let Some(before) = $before {
            query = query.filter($id.lt(before));
        }
        query
    }};
}

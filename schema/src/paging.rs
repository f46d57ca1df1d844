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

/// `find_owned` (the owner's row by id, or none) and `list_owned` (one page of the owner's
/// rows, newest first) of a table keyed by a v7 `id` with an `owner_id`: one definition for
/// every table users own.
macro_rules! owned_rows {
    ($table:ident, $row:ty) => {
        /// The owner's row `id`; none when there is no such row of theirs.
        pub async fn find_owned(
            conn: &mut $crate::PooledConn,
            owner_id: uuid::Uuid,
            id: uuid::Uuid,
        ) -> Result<Option<$row>, $crate::StoreError> {
            Ok($table::table
                .find(id)
                .filter($table::owner_id.eq(owner_id))
                .select(<$row>::as_select())
                .first(conn)
                .await
                .optional()?)
        }

        /// One page of the owner's rows, newest first, older than `before` when given.
        pub async fn list_owned(
            conn: &mut $crate::PooledConn,
            owner_id: uuid::Uuid,
            before: Option<uuid::Uuid>,
            limit: i64,
        ) -> Result<Vec<$row>, $crate::StoreError> {
            let query = newest_first!(
                $table::table
                    .filter($table::owner_id.eq(owner_id))
                    .select(<$row>::as_select()),
                $table::id,
                before,
                limit
            );
            Ok(query.load(conn).await?)
        }
    };
}

/// `delete_owned` (deletes the owner's row by id; false when there is no such row of
/// theirs) of a table keyed by `id` with an `owner_id`, whose rows take nothing with them
/// that the store must clear by hand.
macro_rules! owned_delete {
    ($table:ident) => {
        /// Deletes the owner's row `id`; false when there is no such row of theirs.
        pub async fn delete_owned(
            conn: &mut $crate::PooledConn,
            owner_id: uuid::Uuid,
            id: uuid::Uuid,
        ) -> Result<bool, $crate::StoreError> {
            let gone = diesel::delete($table::table.find(id).filter($table::owner_id.eq(owner_id)))
                .execute(conn)
                .await?;
            Ok(gone > 0)
        }
    };
}

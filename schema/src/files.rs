//! Uploaded files, always read through their owner.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::{PooledConn, StoreError, schema::files};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = files, check_for_backend(diesel::pg::Pg))]
pub struct StoredFile {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub original_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut PooledConn, file: &StoredFile) -> Result<(), StoreError> {
    diesel::insert_into(files::table)
        .values(file)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_owned(
    conn: &mut PooledConn,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<StoredFile>, StoreError> {
    let found = files::table
        .filter(files::id.eq(id).and(files::owner_id.eq(owner_id)))
        .select(StoredFile::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(found)
}

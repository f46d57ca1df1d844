//! Uploaded files.

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

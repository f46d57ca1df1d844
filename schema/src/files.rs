//! Uploaded files: the owner's record of a blob. A blob is shared by every file with its
//! hash and removed with the last of them; a per-hash advisory lock orders the upload that
//! needs a blob against the deletion that would remove it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::{
    BlobStore, PooledConn, StoreError,
    schema::{files, users},
};

/// A file you uploaded.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = files, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(
    feature = "openapi",
    oai(rename = "FileView", skip_serializing_if_is_none)
)]
pub struct StoredFile {
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub owner_id: Uuid,
    #[cfg_attr(feature = "openapi", oai(skip))]
    pub sha256: String,
    pub size_bytes: i64,
    /// Detected from the content, not from the name.
    pub media_type: String,
    pub original_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Stores the bytes (if no file has them yet) and records the file, under the blob's lock.
pub async fn insert(
    conn: &mut PooledConn,
    blobs: &BlobStore,
    file: &StoredFile,
    bytes: &[u8],
) -> Result<(), StoreError> {
    conn.transaction(async |conn| {
        lock_blob(conn, &file.sha256).await?;
        blobs.put(bytes).await?;
        diesel::insert_into(files::table)
            .values(file)
            .execute(conn)
            .await?;
        Ok(())
    })
    .await
}

owned_rows!(files, StoredFile);

/// What suggests the language a file is written in, before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageHints {
    /// The owner's profile language: `zh-CN` or `en`.
    pub owner_language: String,
    pub original_name: Option<String>,
}

/// The hints for file `id`; `None` when it is gone.
pub async fn language_hints(
    conn: &mut PooledConn,
    id: Uuid,
) -> Result<Option<LanguageHints>, StoreError> {
    let found: Option<(String, Option<String>)> = files::table
        .inner_join(users::table)
        .filter(files::id.eq(id))
        .select((users::language, files::original_name))
        .first(conn)
        .await
        .optional()?;
    Ok(found.map(|(owner_language, original_name)| LanguageHints {
        owner_language,
        original_name,
    }))
}

/// Deletes one of the owner's files, and its blob if no other file uses it. False when
/// there is no such file of theirs.
pub async fn delete_owned(
    conn: &mut PooledConn,
    blobs: &BlobStore,
    owner_id: Uuid,
    id: Uuid,
) -> Result<bool, StoreError> {
    let hash = diesel::delete(files::table)
        .filter(files::id.eq(id))
        .filter(files::owner_id.eq(owner_id))
        .returning(files::sha256)
        .get_result::<String>(conn)
        .await
        .optional()?;
    match hash {
        Some(hash) => {
            forget_blobs(conn, blobs, &[hash]).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Removes the blobs among `hashes` that no file uses any more. Returns how many went.
pub async fn forget_blobs(
    conn: &mut PooledConn,
    blobs: &BlobStore,
    hashes: &[String],
) -> Result<usize, StoreError> {
    let mut removed = 0;
    for hash in hashes {
        let gone = conn
            .transaction(async |conn| {
                lock_blob(conn, hash).await?;
                let used = diesel::select(diesel::dsl::exists(
                    files::table.filter(files::sha256.eq(hash)),
                ))
                .get_result::<bool>(conn)
                .await?;
                if !used {
                    blobs.remove(hash).await?;
                }
                Ok::<_, StoreError>(!used)
            })
            .await?;
        removed += usize::from(gone);
    }
    Ok(removed)
}

async fn lock_blob(conn: &mut AsyncPgConnection, sha256: &str) -> Result<(), StoreError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<diesel::sql_types::Text, _>(sha256)
        .execute(conn)
        .await?;
    Ok(())
}

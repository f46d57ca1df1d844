use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, param::Path, param::Query, payload::Json};
use prepq_schema::files;
use uuid::Uuid;

use super::{
    ApiTags,
    jobs::Deleted,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    error::{FindError, ListError},
};

#[derive(Default)]
pub struct FilesApi;

/// A file you uploaded.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FileView {
    pub id: Uuid,
    /// Detected from the content, not from the name.
    pub media_type: String,
    pub size_bytes: i64,
    pub original_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<files::StoredFile> for FileView {
    fn from(file: files::StoredFile) -> Self {
        Self {
            id: file.id,
            media_type: file.media_type,
            size_bytes: file.size_bytes,
            original_name: file.original_name,
            created_at: file.created_at,
        }
    }
}

pub type FilePage = super::paging::Page<FileView>;

#[OpenApi(tag = "ApiTags::Files")]
impl FilesApi {
    /// Your files, newest first.
    #[oai(path = "/files", method = "get")]
    async fn list(
        &self,
        me: Signed<'_>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<FilePage>, ListError> {
        let before = parse_cursor(cursor.0)?;
        let mut conn = me.state.conn().await?;
        let rows = files::list_owned(&mut conn, me.caller.user_id, before, limit.0.fetch()).await?;
        Ok(Json(Page::of(rows, limit.0, |f| f.id, Into::into)))
    }

    /// One of your files.
    #[oai(path = "/files/:id", method = "get")]
    async fn get(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<FileView>, FindError> {
        let mut conn = me.state.conn().await?;
        let file = files::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("file"))?;
        Ok(Json(file.into()))
    }

    /// Delete one of your files. A job still to read it fails with a clear reason.
    #[oai(path = "/files/:id", method = "delete")]
    async fn delete(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Deleted, FindError> {
        let mut conn = me.state.conn().await?;
        if files::delete_owned(&mut conn, &me.state.blobs, me.caller.user_id, id.0).await? {
            Ok(Deleted::NoContent)
        } else {
            Err(FindError::not_found("file"))
        }
    }
}

use std::convert::identity;

use poem_openapi::{OpenApi, param::Path, param::Query, payload::Json};
use prepq_schema::files::{self, StoredFile};
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

pub type FilePage = super::paging::Page<StoredFile>;

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
        Ok(Json(Page::of(rows, limit.0, |f| f.id, identity)))
    }

    /// One of your files.
    #[oai(path = "/files/:id", method = "get")]
    async fn get(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<StoredFile>, FindError> {
        let mut conn = me.state.conn().await?;
        let file = files::find_owned(&mut conn, me.caller.user_id, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("file"))?;
        Ok(Json(file))
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

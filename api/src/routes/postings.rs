use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use prepq_postings::Posting;
use prepq_schema::postings::{self, PostingFilter, PostingRow};
use uuid::Uuid;

use super::{
    ApiTags,
    paging::{Page, PageLimit, parse_cursor},
};
use crate::{
    auth::Signed,
    error::{FindError, ListError},
};

#[derive(Default)]
pub struct PostingsApi;

/// A job posting crawled from a source: a target to practise against.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PostingView {
    pub id: Uuid,
    #[oai(flatten)]
    pub posting: Posting,
    /// `open`, or `closed` once a crawl no longer finds it.
    pub status: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

impl From<PostingRow> for PostingView {
    fn from(row: PostingRow) -> Self {
        Self {
            posting: row.posting(),
            id: row.id,
            status: row.status,
            first_seen_at: row.first_seen_at,
            last_seen_at: row.last_seen_at,
        }
    }
}

pub type PostingPage = super::paging::Page<PostingView>;

#[OpenApi(tag = "ApiTags::Postings")]
impl PostingsApi {
    /// Search open postings, newest first.
    #[oai(path = "/postings", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        me: Signed<'_>,
        /// Words in the title, company or description (`"exact phrase"`, `-not`, `or`).
        q: Query<Option<String>>,
        location: Query<Option<String>>,
        remote: Query<Option<bool>>,
        company: Query<Option<String>>,
        /// A skill as the vocabulary spells it: `Kubernetes`, `Go`, `Machine Learning`.
        skill: Query<Option<String>>,
        posted_since: Query<Option<NaiveDate>>,
        cursor: Query<Option<String>>,
        limit: Query<PageLimit>,
    ) -> Result<Json<PostingPage>, ListError> {
        let filter = PostingFilter {
            text: q.0.filter(|q| !q.trim().is_empty()),
            location: location.0,
            remote: remote.0,
            company: company.0,
            skill: skill.0,
            posted_since: posted_since.0,
            include_closed: false,
            before: parse_cursor(cursor.0)?,
        };
        let mut conn = me.state.conn().await?;
        let rows = postings::search(&mut conn, &filter, limit.0.fetch()).await?;
        Ok(Json(Page::of(rows, limit.0, |r| r.id, PostingView::from)))
    }

    /// One posting, open or closed.
    #[oai(path = "/postings/:id", method = "get")]
    async fn get(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Json<PostingView>, FindError> {
        let mut conn = me.state.conn().await?;
        let row = postings::find(&mut conn, id.0)
            .await?
            .ok_or_else(|| FindError::not_found("posting"))?;
        Ok(Json(row.into()))
    }
}

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use prepq_postings::Posting;
use prepq_schema::{
    posting_searches::{self, PostingSearch},
    postings::{self, PostingFilter, PostingRow},
};
use serde::{Deserialize, Serialize};
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

/// The filters of a posting search, as it was asked.
#[derive(Debug, Clone, Default, PartialEq, Object, Serialize, Deserialize)]
#[oai(skip_serializing_if_is_none)]
pub struct PostingSearchFilters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posted_since: Option<NaiveDate>,
}

/// One of your recent posting searches.
#[derive(Debug, Object)]
pub struct PostingSearchView {
    pub filters: PostingSearchFilters,
    /// How often you ran it, and what its first page held the last time.
    pub runs: i32,
    pub last_results: i32,
    pub first_run_at: DateTime<Utc>,
    pub last_run_at: DateTime<Utc>,
}

impl From<PostingSearch> for PostingSearchView {
    fn from(row: PostingSearch) -> Self {
        Self {
            filters: serde_json::from_value(row.filters).unwrap_or_default(),
            runs: row.runs,
            last_results: row.last_results,
            first_run_at: row.first_run_at,
            last_run_at: row.last_run_at,
        }
    }
}

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
        let blank =
            |text: Option<String>| text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let asked = PostingSearchFilters {
            q: blank(q.0),
            location: blank(location.0),
            remote: remote.0,
            company: blank(company.0),
            skill: blank(skill.0),
            posted_since: posted_since.0,
        };
        let first_page = cursor.0.is_none();
        let filter = PostingFilter {
            text: asked.q.clone(),
            location: asked.location.clone(),
            remote: asked.remote,
            company: asked.company.clone(),
            skill: asked.skill.clone(),
            posted_since: asked.posted_since,
            include_closed: false,
            before: parse_cursor(cursor.0)?,
        };
        let mut conn = me.state.conn().await?;
        let rows = postings::search(&mut conn, &filter, limit.0.fetch()).await?;
        let page = Page::of(rows, limit.0, |r| r.id, PostingView::from);
        if first_page && asked != PostingSearchFilters::default() {
            remember(&mut conn, me.caller.user_id, &asked, page.items.len()).await;
        }
        Ok(Json(page))
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

/// Records a search for the dashboard. A search is answered even when this fails: the
/// history is a convenience, not the record.
async fn remember(
    conn: &mut prepq_schema::PooledConn,
    owner: Uuid,
    asked: &PostingSearchFilters,
    results: usize,
) {
    let filters = serde_json::to_value(asked).unwrap_or_default();
    let results = i32::try_from(results).unwrap_or(i32::MAX);
    if let Err(e) = posting_searches::record(conn, owner, &filters, results).await {
        tracing::warn!(error = %e, "recording a posting search failed");
    }
}

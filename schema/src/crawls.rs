//! Crawl sources, their runs, and what each page held last time. A scheduled run is keyed
//! by (source, tick), so a tick seen by any number of schedulers makes one run and one job.

use chrono::{DateTime, Utc};
use diesel::{dsl::now, prelude::*};
use diesel_async::{AsyncConnection, RunQueryDsl};
use prepq_jobs::{
    NewJob,
    kinds::{CrawlCounts, PostingsCrawl},
};
use uuid::Uuid;

use crate::{
    PooledConn, StoreError, jobs,
    schema::{crawl_pages, crawl_runs, crawl_sources},
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crawl_sources, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(
    feature = "openapi",
    oai(rename = "SourceView", skip_serializing_if_is_none)
)]
pub struct Source {
    pub id: Uuid,
    pub name: String,
    pub spec: serde_json::Value,
    pub schedule: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One crawl and what it did.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crawl_runs, check_for_backend(diesel::pg::Pg))]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(
    feature = "openapi",
    oai(rename = "CrawlRunView", skip_serializing_if_is_none)
)]
pub struct Run {
    pub id: Uuid,
    pub source_id: Uuid,
    /// The `postings.crawl` job that ran it.
    pub job_id: Uuid,
    /// The schedule's tick it ran for; none when an admin started it.
    pub tick: Option<DateTime<Utc>>,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    pub fetched: i32,
    pub new: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub closed: i32,
    pub errors: i32,
    /// The first errors: `[{url, reason}]`.
    pub error_samples: serde_json::Value,
    pub duration_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// What a page held last time.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crawl_pages, check_for_backend(diesel::pg::Pg))]
pub struct KnownPage {
    pub source_id: Uuid,
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub external_ids: Vec<String>,
}

pub async fn insert_source(conn: &mut PooledConn, source: &Source) -> Result<(), StoreError> {
    diesel::insert_into(crawl_sources::table)
        .values(source)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn list_sources(conn: &mut PooledConn) -> Result<Vec<Source>, StoreError> {
    Ok(crawl_sources::table
        .select(Source::as_select())
        .order(crawl_sources::id)
        .load(conn)
        .await?)
}

pub async fn find_source(conn: &mut PooledConn, id: Uuid) -> Result<Option<Source>, StoreError> {
    Ok(crawl_sources::table
        .find(id)
        .select(Source::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A change of a source; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = crawl_sources)]
pub struct SourceChange {
    pub name: Option<String>,
    pub spec: Option<serde_json::Value>,
    pub schedule: Option<String>,
    pub enabled: Option<bool>,
}

pub async fn update_source(
    conn: &mut PooledConn,
    id: Uuid,
    change: &SourceChange,
) -> Result<Option<Source>, StoreError> {
    Ok(diesel::update(crawl_sources::table.find(id))
        .set((change, crawl_sources::updated_at.eq(now)))
        .returning(Source::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// Deletes the source with its runs, pages and postings.
pub async fn delete_source(conn: &mut PooledConn, id: Uuid) -> Result<bool, StoreError> {
    Ok(diesel::delete(crawl_sources::table.find(id))
        .execute(conn)
        .await?
        == 1)
}

/// Records a run and enqueues its crawl, together. With a `tick`, only the first call for
/// (source, tick) does anything; the others get `None`.
pub async fn start_run(
    conn: &mut PooledConn,
    source_id: Uuid,
    tick: Option<DateTime<Utc>>,
) -> Result<Option<Uuid>, StoreError> {
    conn.transaction(async |conn| {
        let (run_id, job_id) = (Uuid::now_v7(), Uuid::now_v7());
        let inserted = diesel::insert_into(crawl_runs::table)
            .values((
                crawl_runs::id.eq(run_id),
                crawl_runs::source_id.eq(source_id),
                crawl_runs::job_id.eq(job_id),
                crawl_runs::tick.eq(tick),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 0 {
            return Ok(None);
        }
        let job = NewJob::of(&PostingsCrawl { source_id, run_id });
        jobs::insert_system_as(conn, job_id, &job).await?;
        Ok(Some(run_id))
    })
    .await
}

/// Records what run `run_id` counted; called in the transaction that marks its job
/// succeeded (the run's status follows its job).
pub async fn record_counts(
    conn: &mut PooledConn,
    run_id: Uuid,
    counts: &CrawlCounts,
    error_samples: &serde_json::Value,
    duration_ms: i64,
) -> Result<(), StoreError> {
    diesel::update(crawl_runs::table.find(run_id))
        .set((
            crawl_runs::fetched.eq(counts.fetched),
            crawl_runs::new.eq(counts.new),
            crawl_runs::updated.eq(counts.updated),
            crawl_runs::unchanged.eq(counts.unchanged),
            crawl_runs::closed.eq(counts.closed),
            crawl_runs::errors.eq(counts.errors),
            crawl_runs::error_samples.eq(error_samples),
            crawl_runs::duration_ms.eq(duration_ms),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Runs, newest first; of one source when given.
pub async fn list_runs(
    conn: &mut PooledConn,
    source_id: Option<Uuid>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Run>, StoreError> {
    let mut query = newest_first!(
        crawl_runs::table.select(Run::as_select()),
        crawl_runs::id,
        before,
        limit
    );
    if let Some(source_id) = source_id {
        query = query.filter(crawl_runs::source_id.eq(source_id));
    }
    Ok(query.load(conn).await?)
}

pub async fn known_pages(
    conn: &mut PooledConn,
    source_id: Uuid,
) -> Result<Vec<KnownPage>, StoreError> {
    Ok(crawl_pages::table
        .filter(crawl_pages::source_id.eq(source_id))
        .select(KnownPage::as_select())
        .load(conn)
        .await?)
}

/// Replaces what the source's pages held with this crawl's pages.
pub async fn replace_pages(
    conn: &mut PooledConn,
    source_id: Uuid,
    pages: &[KnownPage],
) -> Result<(), StoreError> {
    conn.transaction(async |conn| {
        diesel::delete(crawl_pages::table.filter(crawl_pages::source_id.eq(source_id)))
            .execute(conn)
            .await?;
        for chunk in pages.chunks(1000) {
            diesel::insert_into(crawl_pages::table)
                .values(chunk)
                .execute(conn)
                .await?;
        }
        Ok(())
    })
    .await
}

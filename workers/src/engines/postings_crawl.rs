//! The `postings.crawl` job: crawl one source, apply what was found to its postings, and
//! record the run. Pages that fail are counted, never fatal; only a source that cannot be
//! read at all (its spec, the database) fails the job.

use std::{collections::HashMap, time::Instant};

use prepq_crawler::{Fetcher, PageRecord, SourceSpec, Validators};
use prepq_jobs::kinds::{CrawlCounts, PostingsCrawl};
use prepq_schema::{
    StoreError,
    crawls::{self, KnownPage},
    postings::{self, Findings},
};

use crate::{
    context::{JobContext, JobError},
    kinds::Run,
};

/// Error samples kept on a run.
const SAMPLES: usize = 20;

impl Run for PostingsCrawl {
    async fn run(self, ctx: &JobContext) -> Result<CrawlCounts, JobError> {
        let started = Instant::now();
        let mut conn = ctx.db.get().await.map_err(|e| transient(e.into()))?;
        let source = crawls::find_source(&mut conn, self.source_id)
            .await
            .map_err(transient)?
            .ok_or_else(|| JobError::Permanent("the source was deleted".into()))?;
        let spec: SourceSpec = match serde_json::from_value(source.spec) {
            Ok(spec) => spec,
            Err(e) => {
                let reason = format!("the source's spec is not valid: {e}");
                crawls::fail_run(&mut conn, self.run_id, &reason)
                    .await
                    .map_err(transient)?;
                return Err(JobError::Permanent(reason));
            }
        };
        crawls::mark_running(&mut conn, self.run_id)
            .await
            .map_err(transient)?;
        let known: HashMap<String, PageRecord> = crawls::known_pages(&mut conn, self.source_id)
            .await
            .map_err(transient)?
            .into_iter()
            .map(|page| {
                let record = PageRecord {
                    url: page.url.clone(),
                    validators: Validators {
                        etag: page.etag,
                        last_modified: page.last_modified,
                    },
                    external_ids: page.external_ids,
                };
                (page.url, record)
            })
            .collect();
        drop(conn);
        let fetcher = Fetcher::new(ctx.crawl.fetch())
            .map_err(|e| JobError::Transient(format!("building the HTTP client: {e}")))?;
        let report = prepq_crawler::crawl(&spec, &fetcher, &known, ctx.crawl.crawl_max_pages).await;

        let mut conn = ctx.db.get().await.map_err(|e| transient(e.into()))?;
        let findings = Findings {
            postings: &report.postings,
            unchanged: &report.unchanged,
            kept: &report.kept,
            complete: report.complete,
        };
        let applied = postings::apply(&mut conn, self.source_id, findings)
            .await
            .map_err(transient)?;
        let pages: Vec<KnownPage> = report
            .pages
            .iter()
            .map(|page| KnownPage {
                source_id: self.source_id,
                url: page.url.clone(),
                etag: page.validators.etag.clone(),
                last_modified: page.validators.last_modified.clone(),
                external_ids: page.external_ids.clone(),
            })
            .collect();
        crawls::replace_pages(&mut conn, self.source_id, &pages)
            .await
            .map_err(transient)?;
        let counts = CrawlCounts {
            fetched: report.fetched as i32,
            new: applied.new,
            updated: applied.updated,
            unchanged: applied.unchanged,
            closed: applied.closed,
            errors: report.errors.len() as i32,
        };
        let samples = serde_json::json!(
            report
                .errors
                .iter()
                .take(SAMPLES)
                .map(|e| serde_json::json!({ "url": e.url, "reason": e.reason }))
                .collect::<Vec<_>>()
        );
        let duration_ms = started.elapsed().as_millis() as i64;
        crawls::finish_run(&mut conn, self.run_id, &counts, samples, duration_ms)
            .await
            .map_err(transient)?;
        Ok(counts)
    }
}

fn transient(e: StoreError) -> JobError {
    JobError::Transient(e.to_string())
}

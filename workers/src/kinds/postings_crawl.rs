//! `postings.crawl`: crawl one source, apply what was found to its postings, and record
//! the run's counts with the job's success (its status follows the job). Pages that fail
//! are counted, never fatal; only a source that cannot be read at all (its spec, the
//! database) fails the job.

use std::{collections::HashMap, time::Instant};

use prepq_crawler::{Fetcher, OutboundPolicy, PageRecord, SourceSpec, Validators};
use prepq_jobs::kinds::{CrawlCounts, PostingsCrawl};
use prepq_schema::{
    DbPool,
    crawls::{self, KnownPage},
    postings::{self, Findings},
};

use super::{Outcome, Run, record};
use crate::{config::CrawlConfig, context::JobContext, error::JobError};

/// Error samples kept on a run.
const SAMPLES: usize = 20;

impl Run for PostingsCrawl {
    type Needs = (DbPool, CrawlConfig, OutboundPolicy);

    async fn run(
        self,
        _: &JobContext,
        (db, crawl, outbound): (DbPool, CrawlConfig, OutboundPolicy),
    ) -> Result<Outcome<CrawlCounts>, JobError> {
        let started = Instant::now();
        let mut conn = db.get().await?;
        let source = crawls::find_source(&mut conn, self.source_id)
            .await?
            .ok_or_else(|| JobError::permanent("the source was deleted"))?;
        let spec: SourceSpec = serde_json::from_value(source.spec)
            .map_err(|e| JobError::permanent(format!("the source's spec is not valid: {e}")))?;
        let known: HashMap<String, PageRecord> = crawls::known_pages(&mut conn, self.source_id)
            .await?
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
        let fetcher = Fetcher::new(crawl.fetch(&outbound))
            .map_err(|e| JobError::transient(format!("building the HTTP client: {e}")))?;
        let report = prepq_crawler::crawl(&spec, &fetcher, &known, crawl.crawl_max_pages).await;

        let mut conn = db.get().await?;
        let findings = Findings {
            postings: &report.postings,
            unchanged: &report.unchanged,
            kept: &report.kept,
            complete: report.complete,
        };
        let applied = postings::apply(&mut conn, self.source_id, findings).await?;
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
        crawls::replace_pages(&mut conn, self.source_id, &pages).await?;
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
        let run_id = self.run_id;
        Ok(Outcome::done_keeping(
            counts.clone(),
            record((counts, samples), move |conn, _, (counts, samples)| {
                Box::pin(crawls::record_counts(
                    conn,
                    run_id,
                    counts,
                    samples,
                    duration_ms,
                ))
            }),
        ))
    }
}

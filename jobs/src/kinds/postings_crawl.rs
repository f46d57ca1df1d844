use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Job;

/// Crawl one source, as run `run_id` records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingsCrawl {
    pub source_id: Uuid,
    pub run_id: Uuid,
}

/// What a crawl did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CrawlCounts {
    /// Pages that answered (200 or 304).
    pub fetched: i32,
    pub new: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub closed: i32,
    pub errors: i32,
}

impl Job for PostingsCrawl {
    const KIND: &'static str = "postings.crawl";
    const KEPT: bool = false;
    const MAX_ATTEMPTS: i32 = 2;
    type Output = CrawlCounts;
}

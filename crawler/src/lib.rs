//! Crawling job postings politely and reading them: Greenhouse and Lever board APIs,
//! schema.org `JobPosting` JSON-LD pages (from a listing page or a sitemap), and generic
//! HTML described by CSS selectors. The `postings.crawl` job runs it and stores the result.

mod crawl;
mod fetch;
mod posting;
mod robots;
pub mod sources;
mod text;

pub use crawl::{CrawlReport, PageError, PageRecord, crawl};
pub use fetch::{FetchConfig, FetchError, Fetched, Fetcher, Validators};
pub use prepq_outbound::{OutboundPolicy, refusal};
pub use prepq_postings::{Posting, Salary};
pub use sources::SourceSpec;
pub use text::clean_html;

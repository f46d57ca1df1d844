//! PrepQ's state of record in PostgreSQL: the diesel schema, its models, the queries
//! every binary shares, the pool and the embedded migrations.

#[macro_use]
mod paging;

pub mod account_tokens;
pub mod analyses;
pub mod announcements;
pub mod batcher;
pub mod blobs;
pub mod crawls;
mod db;
mod error;
pub mod feedback;
pub mod files;
pub mod interviews;
pub mod invitations;
pub mod job_attempts;
pub mod jobs;
pub mod leaderships;
pub mod memberships;
pub mod messages;
pub mod notices;
pub mod orders;
pub mod points;
pub mod posting_searches;
pub mod postings;
pub mod queue_controls;
pub mod reconciliations;
pub mod resume_parses;
pub mod resumes;
mod schema;
pub mod sessions;
pub mod stats;
pub mod submissions;
pub mod tickets;
pub mod users;
pub mod webhooks;
pub mod worker_processes;

pub use blobs::BlobStore;
pub use db::{DbPool, PooledConn, connect, migrate, ping};
pub use error::StoreError;
pub use schema::{files as files_table, jobs as jobs_table, users as users_table};

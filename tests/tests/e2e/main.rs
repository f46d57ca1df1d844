//! End-to-end scenarios: the real `api` and `workers` binaries against a real PostgreSQL
//! and a real Redis, one fresh platform per test. Run through `scripts/test`.

mod access;
mod accounts;
mod analyses;
mod announcements;
mod backlog;
mod billing;
mod clients;
mod console;
mod contract;
mod crawl;
mod dead_letters;
mod exhaustion;
mod fencing;
mod fleet;
mod idempotency;
mod inbox;
mod interviews;
mod interviews_llm;
mod invitations;
mod job_detail;
mod lifecycle;
mod limits;
mod llm;
mod mail;
mod ocr;
mod openapi;
mod parse;
mod pipeline;
mod points;
mod priorities;
mod queues;
mod recovery;
mod requirements;
mod resumes;
mod retention;
mod scaling;
mod security;
mod startup;
mod stats;
mod submissions;
mod tickets;
mod uploads;
mod webhooks;

pub use prepq_tests::JOB_DEADLINE;

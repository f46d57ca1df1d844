//! The code that does each job kind's work.

mod analyses;
pub mod analysis;
mod billing_audit;
mod billing_reconcile;
mod dates;
mod docx;
mod echo;
pub mod email;
mod ocr;
mod pdf;
mod plain_text;
mod poppler;
mod postings_crawl;
pub mod reading;
mod resume_extract;
mod resume_ocr;
mod resume_parse;
mod sandbox;
mod tool;

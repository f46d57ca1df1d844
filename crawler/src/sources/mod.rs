//! How each kind of source is read. A source's spec is stored as JSON in its row.

pub mod board;
pub mod html;
pub mod jsonld;

pub use prepq_postings::{HtmlFields, SourceSpec};

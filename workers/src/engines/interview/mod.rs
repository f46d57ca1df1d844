//! The builtin engine of mock interviews: deterministic, offline, in both languages. An
//! answer is scored by how many of its question's key points it covers (phrases and
//! vocabulary skills), its specifics, its length and filler, and for behavioural questions
//! its STAR structure; a session's report is the mean of its questions and their trend.

mod feedback;
mod report;

pub use feedback::{Asked, feedback};
pub use report::{Scored, assess};

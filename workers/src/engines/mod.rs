//! The code that does each job kind's work.

mod echo;
pub mod email;
pub mod pdf;
mod resume_extract;

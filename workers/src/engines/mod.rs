//! The code that does each job kind's work.

mod docx;
mod echo;
pub mod email;
mod pdf;
mod resume_extract;
pub mod sandbox;

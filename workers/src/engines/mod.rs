//! The code that does each job kind's work.

mod docx;
mod echo;
pub mod email;
mod ocr;
mod pdf;
mod poppler;
mod resume_extract;
pub mod sandbox;

//! The libraries that do the work, knowing nothing of jobs: reading untrusted files (in a
//! sandbox child), parsing resumes, the analyses, mock interviews, the engine that writes
//! both and the model client it may ask, mail, webhooks, and the billing audit's rules.

pub mod analysis;
pub mod audit;
pub mod email;
mod engine;
pub mod interview;
pub mod llm;
pub mod parse;
pub mod reading;
pub mod webhook;

pub use engine::Engine;

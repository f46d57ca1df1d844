//! The libraries that do the work, knowing nothing of jobs: reading untrusted files (in a
//! sandbox child), parsing resumes, the analyses, mock interviews, the model client that
//! both can use, mail, and the billing audit's rules.

pub mod analysis;
pub mod audit;
pub mod email;
pub mod interview;
pub mod llm;
pub mod parse;
pub mod reading;

//! The libraries that do the work, knowing nothing of jobs: reading untrusted files (in a
//! sandbox child), parsing resumes, the analyses, mail, and the billing audit's rules.

pub mod analysis;
pub mod audit;
pub mod email;
pub mod interview;
pub mod parse;
pub mod reading;

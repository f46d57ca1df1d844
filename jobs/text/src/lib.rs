//! Text as PrepQ reads it, in Chinese and English: decoding plain-text uploads, telling Han
//! characters, and the skills vocabulary that resumes and job postings are matched against.

mod decode;
pub mod skills;

pub use decode::{decode, is_han};

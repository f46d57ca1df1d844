use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Job;

/// Extract the text of an uploaded resume file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResumeExtract {
    pub file_id: Uuid,
    /// The blob's content hash: where the bytes are in the blob store.
    pub sha256: String,
    pub media_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResumeText {
    pub text: String,
    pub pages: u32,
    pub chars: u64,
}

impl Job for ResumeExtract {
    const KIND: &'static str = "resume.extract";
    const MAX_ATTEMPTS: i32 = 3;
    type Output = ResumeText;
}

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    Job,
    kinds::{ResumeExtract, ResumeText},
};

/// OCR of a resume: a photo, or a PDF whose pages carry no readable text layer. A
/// `resume.extract` job hands off to this kind, keeping its id, so that operators can run
/// OCR (seconds a page) on workers of its own, apart from text reads (milliseconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResumeOcr {
    pub file_id: Uuid,
    pub sha256: String,
    pub media_type: String,
    /// Pages to read: 1 for an image.
    pub pages: u32,
}

impl Job for ResumeOcr {
    const KIND: &'static str = "resume.ocr";
    const MAX_ATTEMPTS: i32 = 2;
    type Output = ResumeText;
}

impl ResumeExtract {
    /// The OCR job that goes on with this reading, for `pages` pages.
    pub fn into_ocr(self, pages: u32) -> ResumeOcr {
        ResumeOcr {
            file_id: self.file_id,
            sha256: self.sha256,
            media_type: self.media_type,
            pages,
        }
    }
}

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Job;

/// Extract the text of an uploaded resume file, and parse it.
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
    /// The structured reading of `text`.
    #[serde(default)]
    pub parse: Option<ResumeParse>,
}

/// What the parser found in a resume's text. Spans are byte offsets into the text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct ResumeParse {
    /// `zh-CN` or `en`: the resume's main language.
    pub language: String,
    pub contact: Contact,
    pub sections: Vec<Section>,
    pub education: Vec<Education>,
    pub experience: Vec<Experience>,
    /// Vocabulary skills mentioned anywhere, most mentioned first.
    pub skills: Vec<SkillMention>,
    /// Months covered by the work entries, overlaps counted once, in years.
    pub years_of_experience: f64,
    /// 0–1: how much of what a resume usually has was found.
    pub confidence: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Contact {
    pub name: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub links: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Section {
    /// `summary`, `education`, `experience`, `projects`, `skills`, `certifications`,
    /// `languages`, `awards` or `other` (interests, strengths, miscellaneous).
    pub kind: String,
    /// The heading as written.
    pub heading: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Education {
    pub institution: Option<String>,
    pub degree: Option<String>,
    /// `YYYY` or `YYYY-MM`.
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Experience {
    /// The line that introduces the entry (title, organisation, place), as written.
    pub heading: String,
    pub start: Option<String>,
    /// `None` with `current`: still there.
    pub end: Option<String>,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct SkillMention {
    pub skill: String,
    pub mentions: u32,
}

impl Job for ResumeExtract {
    const KIND: &'static str = "resume.extract";
    const MAX_ATTEMPTS: i32 = 3;
    type Output = ResumeText;
}

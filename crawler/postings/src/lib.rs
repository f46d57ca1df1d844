//! Job postings as we keep them, whatever the source, and the sources they are crawled from.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Posting {
    /// The source's own id, else the canonical URL.
    pub external_id: String,
    /// The posting's page, http or https; empty when the source gave no such link.
    pub url: String,
    pub title: String,
    pub company: Option<String>,
    pub location: Option<String>,
    pub remote: bool,
    pub salary: Option<Salary>,
    /// `full-time`, `part-time`, `contract`, `internship`, `temporary`, as given.
    pub employment_type: Option<String>,
    pub description: String,
    /// Lines of the description that state requirements.
    pub requirements: Vec<String>,
    /// Vocabulary skills it mentions, spelt as resumes' skills are.
    pub skills: Vec<String>,
    /// `YYYY-MM-DD`.
    pub posted_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
pub struct Salary {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub currency: Option<String>,
    /// `year`, `month`, `hour`, ... as given.
    pub period: Option<String>,
}

/// Headings of a job description under which the lines are requirements (lower case), read
/// the same way by the crawler and the analyses.
pub const REQUIREMENT_HEADINGS: &[&str] = &[
    "requirements",
    "qualifications",
    "must have",
    "required",
    "what you need",
    "what you'll need",
    "what we're looking for",
    "you have",
    "任职要求",
    "岗位要求",
    "任职资格",
    "职位要求",
];

impl Posting {
    /// Changes when anything we keep changes.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }
}

/// Where postings come from and how to read them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceSpec {
    /// A Greenhouse job board: `{api}/v1/boards/{board}/jobs?content=true`.
    Greenhouse {
        /// `https://boards-api.greenhouse.io` in production.
        api: String,
        board: String,
        company: String,
    },
    /// A Lever site: `{api}/v0/postings/{site}?mode=json`.
    Lever {
        /// `https://api.lever.co` in production.
        api: String,
        site: String,
        company: String,
    },
    /// Pages with schema.org `JobPosting` JSON-LD, found from a listing page's links (those
    /// matching `link_selector`) or a `sitemap.xml`.
    JsonLd {
        listing_url: Option<String>,
        sitemap_url: Option<String>,
        #[serde(default = "any_link")]
        link_selector: String,
    },
    /// Plain HTML, described by CSS selectors.
    Html {
        listing_url: String,
        link_selector: String,
        next_selector: Option<String>,
        fields: HtmlFields,
    },
}

/// Selectors of a detail page's fields; the text of the first match is taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HtmlFields {
    pub title: String,
    pub description: String,
    pub company: Option<String>,
    pub location: Option<String>,
    pub posted: Option<String>,
    pub employment_type: Option<String>,
    /// A fixed company name when the page does not say.
    pub company_name: Option<String>,
}

fn any_link() -> String {
    "a[href]".into()
}

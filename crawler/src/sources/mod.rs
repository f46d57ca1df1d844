//! The kinds of source and how each is read. A source's spec is stored as JSON in its row.

pub mod board;
pub mod html;
pub mod jsonld;

use serde::{Deserialize, Serialize};

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

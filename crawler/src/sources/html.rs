//! Generic HTML sources: links and pagination from a listing, fields from each detail page,
//! each by a CSS selector.

use scraper::{Html, Selector};
use url::Url;

use super::HtmlFields;
use crate::{
    posting::{Posting, finish},
    text::{text_of, tidy},
};

/// A selector from a source's spec: its fault is the source's, said in words.
pub fn selector(css: &str) -> Result<Selector, String> {
    Selector::parse(css).map_err(|e| format!("the selector `{css}` is not valid: {e}"))
}

/// Absolute URLs of the links `links` selects on the page, and of the next page.
pub fn listing(
    page: &str,
    base: &Url,
    links: &Selector,
    next: Option<&Selector>,
) -> (Vec<Url>, Option<Url>) {
    let document = Html::parse_document(page);
    let href = |element: scraper::ElementRef<'_>| {
        element.value().attr("href").and_then(|h| base.join(h).ok())
    };
    let mut found: Vec<Url> = document.select(links).filter_map(href).collect();
    found.dedup();
    let next = next.and_then(|s| document.select(s).next()).and_then(href);
    (found, next)
}

/// The posting on a detail page, by the source's selectors.
pub fn detail(page: &str, url: &Url, fields: &HtmlFields) -> Result<Option<Posting>, String> {
    let document = Html::parse_document(page);
    let first = |css: &Option<String>| -> Result<Option<String>, String> {
        let Some(css) = css else { return Ok(None) };
        let selector = selector(css)?;
        Ok(document.select(&selector).next().map(|e| text_of(*e)))
    };
    let Some(title) = first(&Some(fields.title.clone()))? else {
        return Ok(None);
    };
    let description = first(&Some(fields.description.clone()))?.unwrap_or_default();
    Ok(Some(finish(Posting {
        external_id: url.to_string(),
        url: url.to_string(),
        title,
        company: first(&fields.company)?.or_else(|| fields.company_name.clone()),
        location: first(&fields.location)?,
        employment_type: first(&fields.employment_type)?,
        description: tidy(&description),
        posted_on: first(&fields.posted)?,
        ..Posting::default()
    })))
}

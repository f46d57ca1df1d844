//! One crawl of one source: fetch its listing, then its postings, each page on its own so
//! that one bad page is an error counted, never a failed run. Pages known from last time go
//! out conditionally; a 304 keeps their postings as they were.

use std::collections::HashMap;

use url::Url;

use crate::{
    fetch::{Fetched, Fetcher, Validators},
    posting::Posting,
    sources::{SourceSpec, board, html, jsonld},
};

/// What a page held last time, to ask for it conditionally and to know what a 304 keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageRecord {
    pub url: String,
    pub validators: Validators,
    pub external_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PageError {
    pub url: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct CrawlReport {
    /// Postings read from pages fetched in full.
    pub postings: Vec<Posting>,
    /// Ids of postings whose pages answered 304.
    pub unchanged: Vec<String>,
    /// Ids of postings whose pages failed this time: kept as they are, not closed.
    pub kept: Vec<String>,
    /// The pages to remember for next time.
    pub pages: Vec<PageRecord>,
    /// Pages that answered (200 or 304).
    pub fetched: u32,
    pub errors: Vec<PageError>,
    /// The listing was read in full, so a posting not seen has gone.
    pub complete: bool,
}

/// Crawls `spec` with `fetcher`; `known` is last time's pages by URL; at most `max_pages`
/// listing pages are followed.
pub async fn crawl(
    spec: &SourceSpec,
    fetcher: &Fetcher,
    known: &HashMap<String, PageRecord>,
    max_pages: usize,
) -> CrawlReport {
    let mut report = CrawlReport::default();
    match spec {
        SourceSpec::Greenhouse {
            api,
            board,
            company,
        } => {
            let url = format!(
                "{}/v1/boards/{board}/jobs?content=true",
                api.trim_end_matches('/')
            );
            report
                .board(fetcher, &url, known, |body| {
                    board::greenhouse(body, company)
                })
                .await;
        }
        SourceSpec::Lever { api, site, company } => {
            let url = format!("{}/v0/postings/{site}?mode=json", api.trim_end_matches('/'));
            report
                .board(fetcher, &url, known, |body| board::lever(body, company))
                .await;
        }
        SourceSpec::JsonLd {
            listing_url,
            sitemap_url,
            link_selector,
        } => {
            let links = match (sitemap_url, listing_url) {
                (Some(sitemap), _) => report.sitemap(fetcher, sitemap).await,
                (None, Some(listing)) => match html::selector(link_selector) {
                    Ok(links) => {
                        report
                            .listings(fetcher, listing, &links, None, max_pages)
                            .await
                    }
                    Err(reason) => report.fail(listing, reason),
                },
                (None, None) => report.fail(
                    "",
                    "the source has neither a listing nor a sitemap URL".into(),
                ),
            };
            for url in links {
                report
                    .detail(fetcher, &url, known, |page| {
                        jsonld::posting(page, url.as_str())
                            .ok_or_else(|| "no JobPosting JSON-LD on the page".to_owned())
                    })
                    .await;
            }
        }
        SourceSpec::Html {
            listing_url,
            link_selector,
            next_selector,
            fields,
        } => {
            let selectors = html::selector(link_selector).and_then(|links| {
                next_selector
                    .as_deref()
                    .map(html::selector)
                    .transpose()
                    .map(|next| (links, next))
            });
            let links = match selectors {
                Ok((links, next)) => {
                    report
                        .listings(fetcher, listing_url, &links, next.as_ref(), max_pages)
                        .await
                }
                Err(reason) => report.fail(listing_url, reason),
            };
            for url in links {
                report
                    .detail(fetcher, &url, known, |page| {
                        html::detail(page, &url, fields)?
                            .ok_or_else(|| "the title selector matched nothing".to_owned())
                    })
                    .await;
            }
        }
    }
    report
}

impl CrawlReport {
    fn fail(&mut self, url: &str, reason: String) -> Vec<Url> {
        self.errors.push(PageError {
            url: url.to_owned(),
            reason,
        });
        self.complete = false;
        Vec::new()
    }

    /// A board API: one page lists every posting.
    async fn board(
        &mut self,
        fetcher: &Fetcher,
        url: &str,
        known: &HashMap<String, PageRecord>,
        read: impl Fn(&str) -> Result<Vec<Posting>, String>,
    ) {
        let Ok(parsed) = Url::parse(url) else {
            self.fail(url, "not a valid URL".into());
            return;
        };
        let last = known.get(url);
        match fetcher.get(&parsed, last.map(|p| &p.validators)).await {
            Ok(Fetched::Page { body, validators }) => {
                self.fetched += 1;
                match read(&body) {
                    Ok(postings) => {
                        self.complete = true;
                        self.pages.push(PageRecord {
                            url: url.to_owned(),
                            validators,
                            external_ids: postings.iter().map(|p| p.external_id.clone()).collect(),
                        });
                        self.postings.extend(postings);
                    }
                    Err(reason) => {
                        self.fail(url, reason);
                    }
                }
            }
            Ok(Fetched::NotModified) => {
                self.fetched += 1;
                self.complete = true;
                if let Some(last) = last {
                    self.unchanged.extend(last.external_ids.iter().cloned());
                    self.pages.push(last.clone());
                }
            }
            Err(e) => {
                self.fail(url, e.to_string());
            }
        }
    }

    async fn sitemap(&mut self, fetcher: &Fetcher, url: &str) -> Vec<Url> {
        let Ok(parsed) = Url::parse(url) else {
            return self.fail(url, "not a valid URL".into());
        };
        match fetcher.get(&parsed, None).await {
            Ok(Fetched::Page { body, .. }) => {
                self.fetched += 1;
                self.complete = true;
                jsonld::sitemap_urls(&body)
                    .iter()
                    .filter_map(|u| Url::parse(u).ok())
                    .collect()
            }
            Ok(Fetched::NotModified) => self.fail(url, "a 304 to an unconditional request".into()),
            Err(e) => self.fail(url, e.to_string()),
        }
    }

    /// Detail links from the listing and the pages after it.
    async fn listings(
        &mut self,
        fetcher: &Fetcher,
        first: &str,
        links: &scraper::Selector,
        next: Option<&scraper::Selector>,
        max_pages: usize,
    ) -> Vec<Url> {
        let Ok(mut page_url) = Url::parse(first) else {
            return self.fail(first, "not a valid URL".into());
        };
        let mut found = Vec::new();
        for _ in 0..max_pages {
            match fetcher.get(&page_url, None).await {
                Ok(Fetched::Page { body, .. }) => {
                    self.fetched += 1;
                    let (mut page_links, next_page) = html::listing(&body, &page_url, links, next);
                    found.append(&mut page_links);
                    match next_page {
                        Some(next_url) if next_url != page_url => page_url = next_url,
                        _ => {
                            self.complete = true;
                            break;
                        }
                    }
                }
                Ok(Fetched::NotModified) => {
                    self.fail(
                        page_url.as_str(),
                        "a 304 to an unconditional request".into(),
                    );
                    break;
                }
                Err(e) => {
                    self.fail(page_url.as_str(), e.to_string());
                    break;
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        found.retain(|u| seen.insert(u.clone()));
        found
    }

    /// One posting's page.
    async fn detail(
        &mut self,
        fetcher: &Fetcher,
        url: &Url,
        known: &HashMap<String, PageRecord>,
        read: impl Fn(&str) -> Result<Posting, String>,
    ) {
        let last = known.get(url.as_str());
        let keep = |report: &mut Self| {
            if let Some(last) = last {
                report.kept.extend(last.external_ids.iter().cloned());
            }
        };
        match fetcher.get(url, last.map(|p| &p.validators)).await {
            Ok(Fetched::Page { body, validators }) => {
                self.fetched += 1;
                match read(&body) {
                    Ok(posting) => {
                        self.pages.push(PageRecord {
                            url: url.to_string(),
                            validators,
                            external_ids: vec![posting.external_id.clone()],
                        });
                        self.postings.push(posting);
                    }
                    Err(reason) => {
                        keep(self);
                        self.errors.push(PageError {
                            url: url.to_string(),
                            reason,
                        });
                    }
                }
            }
            Ok(Fetched::NotModified) => {
                self.fetched += 1;
                if let Some(last) = last {
                    self.unchanged.extend(last.external_ids.iter().cloned());
                    self.pages.push(last.clone());
                }
            }
            Err(e) => {
                keep(self);
                self.errors.push(PageError {
                    url: url.to_string(),
                    reason: e.to_string(),
                });
            }
        }
    }
}

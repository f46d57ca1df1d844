//! schema.org `JobPosting` in JSON-LD: the structured form most career pages embed. A page
//! may hold it alone, in a list, or in an `@graph`.

use serde_json::Value;

use crate::{
    posting::{Posting, Salary, finish},
    text::clean_html,
};

/// The first `JobPosting` on the page at `url`, if any.
pub fn posting(page: &str, url: &str) -> Option<Posting> {
    ld_json_scripts(page)
        .filter_map(|script| serde_json::from_str::<Value>(script.trim()).ok())
        .find_map(|json| find_job_posting(&json).cloned())
        .and_then(|json| read(&json, url))
}

/// The contents of the page's `<script type="application/ld+json">` elements. A script's
/// text is raw up to `</script>`, so a scan finds them without building the page's DOM,
/// which was most of the time a page took.
fn ld_json_scripts(page: &str) -> impl Iterator<Item = &str> {
    let lower = page.to_ascii_lowercase();
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let open = from + lower[from..].find("<script")?;
            let tag_end = open + lower[open..].find('>')?;
            let close = tag_end + lower[tag_end..].find("</script")?;
            from = close;
            if lower[open..tag_end].contains("application/ld+json") {
                return page.get(tag_end + 1..close);
            }
        }
    })
}

fn find_job_posting(json: &Value) -> Option<&Value> {
    match json {
        Value::Array(items) => items.iter().find_map(find_job_posting),
        Value::Object(map) => {
            let is_posting = match &map.get("@type") {
                Some(Value::String(t)) => t == "JobPosting",
                Some(Value::Array(types)) => types.iter().any(|t| t == "JobPosting"),
                _ => false,
            };
            if is_posting {
                Some(json)
            } else {
                map.get("@graph").and_then(find_job_posting)
            }
        }
        _ => None,
    }
}

fn read(json: &Value, page_url: &str) -> Option<Posting> {
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o
                .get("name")
                .or(o.get("value"))
                .and_then(|n| n.as_str())
                .map(str::to_owned),
            Value::Array(items) => items.first().and_then(|i| i.as_str()).map(str::to_owned),
            _ => None,
        }
    };
    let url = json["url"].as_str().unwrap_or(page_url).to_owned();
    let external_id = text(&json["identifier"]).unwrap_or_else(|| url.clone());
    let location = location(&json["jobLocation"]);
    let remote = json["jobLocationType"].as_str() == Some("TELECOMMUTE");
    let salary = json.get("baseSalary").filter(|s| s.is_object()).map(|s| {
        let value = &s["value"];
        let number = |v: &Value| v.as_f64().or_else(|| v.as_str()?.parse().ok());
        Salary {
            min: number(&value["minValue"]).or_else(|| number(&value["value"])),
            max: number(&value["maxValue"]).or_else(|| number(&value["value"])),
            currency: s["currency"].as_str().map(str::to_owned),
            period: value["unitText"].as_str().map(|u| u.to_lowercase()),
        }
    });
    Some(finish(Posting {
        external_id,
        url,
        title: text(&json["title"])?,
        company: text(&json["hiringOrganization"]),
        location,
        remote,
        salary,
        employment_type: text(&json["employmentType"]),
        description: clean_html(json["description"].as_str().unwrap_or_default()),
        posted_on: json["datePosted"].as_str().map(str::to_owned),
        ..Posting::default()
    }))
}

fn location(value: &Value) -> Option<String> {
    let place = match value {
        Value::Array(items) => items.first()?,
        other => other,
    };
    let address = &place["address"];
    if let Some(text) = address.as_str() {
        return Some(text.to_owned());
    }
    let parts: Vec<&str> = ["addressLocality", "addressRegion", "addressCountry"]
        .iter()
        .filter_map(|k| address[k].as_str().or(address[k]["name"].as_str()))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The `<loc>` URLs of a sitemap.
pub fn sitemap_urls(xml: &str) -> Vec<String> {
    xml.split("<loc>")
        .skip(1)
        .filter_map(|rest| rest.split("</loc>").next())
        .map(|u| u.trim().replace("&amp;", "&"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_are_found_alone_in_lists_and_in_graphs() {
        let page = r#"<html><head><SCRIPT type="text/javascript">var x = "<b>";</SCRIPT>
            <script type='application/ld+json'>{"@graph": [{"@type": "WebSite"},
              {"@type": ["JobPosting"], "title": "SRE", "identifier": "J-1",
               "hiringOrganization": {"name": "Acme"}, "jobLocationType": "TELECOMMUTE",
               "description": "<p>Kubernetes &amp; Go</p>"}]}</script></head></html>"#;
        let found = posting(page, "https://jobs.example/1").unwrap();
        assert_eq!(
            (found.title.as_str(), found.external_id.as_str()),
            ("SRE", "J-1")
        );
        assert_eq!(found.company.as_deref(), Some("Acme"));
        assert!(found.remote);
        assert_eq!(found.description, "Kubernetes & Go");
        assert!(posting("<script>{}</script>", "u").is_none());
    }
}

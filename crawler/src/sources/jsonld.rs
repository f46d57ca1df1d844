//! schema.org `JobPosting` in JSON-LD: the structured form most career pages embed. A page
//! may hold it alone, in a list, or in an `@graph`.

use scraper::{Html, Selector};
use serde_json::Value;
use std::sync::LazyLock;

use crate::{
    posting::{Draft, Posting, Salary},
    text::clean_html,
};

static SCRIPT: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse(r#"script[type="application/ld+json"]"#).expect("a valid selector")
});

/// The first `JobPosting` on the page at `url`, if any.
pub fn posting(page: &str, url: &str) -> Option<Posting> {
    let document = Html::parse_document(page);
    document
        .select(&SCRIPT)
        .filter_map(|script| serde_json::from_str::<Value>(&script.inner_html()).ok())
        .find_map(|json| find_job_posting(&json).cloned())
        .and_then(|json| read(&json, url))
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
    Some(
        Draft {
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
        }
        .finish(),
    )
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

//! The public JSON board APIs: Greenhouse and Lever. One request lists every posting.

use serde_json::Value;

use crate::{
    posting::{Posting, Salary, finish},
    text::clean_html,
};

/// Greenhouse `jobs?content=true`: `content` is HTML, entity-escaped once more.
pub fn greenhouse(body: &str, company: &str) -> Result<Vec<Posting>, String> {
    let root: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let jobs = root["jobs"].as_array().ok_or("no `jobs` list")?;
    Ok(jobs
        .iter()
        .filter_map(|job| {
            let id = job["id"].as_u64().map(|n| n.to_string())?;
            let location = job["location"]["name"].as_str().map(str::to_owned);
            let escaped = job["content"].as_str().unwrap_or_default();
            Some(finish(Posting {
                url: job["absolute_url"].as_str()?.to_owned(),
                external_id: id,
                title: job["title"].as_str()?.to_owned(),
                company: Some(company.to_owned()),
                location,
                description: clean_html(&clean_html(escaped)),
                posted_on: job["first_published"]
                    .as_str()
                    .or(job["updated_at"].as_str())
                    .map(str::to_owned),
                ..Posting::default()
            }))
        })
        .collect())
}

/// Lever `postings/{site}?mode=json`: a list; lists of requirements beside the description.
pub fn lever(body: &str, company: &str) -> Result<Vec<Posting>, String> {
    let root: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let jobs = root.as_array().ok_or("not a list of postings")?;
    Ok(jobs
        .iter()
        .filter_map(|job| {
            let mut description = job["descriptionPlain"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| clean_html(job["description"].as_str().unwrap_or_default()));
            for list in job["lists"].as_array().into_iter().flatten() {
                description.push_str("\n\n");
                description.push_str(list["text"].as_str().unwrap_or_default());
                description.push('\n');
                description.push_str(&clean_html(list["content"].as_str().unwrap_or_default()));
            }
            let salary = job
                .get("salaryRange")
                .filter(|s| s.is_object())
                .map(|s| Salary {
                    min: s["min"].as_f64(),
                    max: s["max"].as_f64(),
                    currency: s["currency"].as_str().map(str::to_owned),
                    period: s["interval"].as_str().map(str::to_owned),
                });
            let posted_on = job["createdAt"]
                .as_i64()
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|at| at.format("%Y-%m-%d").to_string());
            Some(finish(Posting {
                external_id: job["id"].as_str()?.to_owned(),
                url: job["hostedUrl"].as_str()?.to_owned(),
                title: job["text"].as_str()?.to_owned(),
                company: Some(company.to_owned()),
                location: job["categories"]["location"].as_str().map(str::to_owned),
                remote: job["workplaceType"].as_str() == Some("remote"),
                salary,
                employment_type: job["categories"]["commitment"].as_str().map(str::to_owned),
                description,
                posted_on,
                ..Posting::default()
            }))
        })
        .collect())
}

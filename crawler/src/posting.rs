//! Normalising what a source gives into a `Posting`: the description as clean text, its
//! requirement lines, and the vocabulary skills the resume parser uses.

use prepq_postings::REQUIREMENT_HEADINGS;
pub use prepq_postings::{Posting, Salary};
use prepq_text::skills;

use crate::text::{clean_html, tidy};

/// A source's posting as we keep it: its requirement lines and skills derived, its text
/// fields cleaned. A source fills the fields it reads and leaves the derived ones default.
pub fn finish(raw: Posting) -> Posting {
    let description = tidy(&raw.description);
    let location = raw.location.map(|l| plain(&l)).filter(|l| !l.is_empty());
    let remote = raw.remote
        || location
            .as_deref()
            .is_some_and(|l| l.to_lowercase().contains("remote") || l.contains("远程"));
    Posting {
        requirements: requirement_lines(&description),
        skills: skills::find(&format!("{}\n{description}", raw.title))
            .into_iter()
            .map(|m| m.skill.to_owned())
            .collect(),
        external_id: raw.external_id,
        url: web_link(&raw.url),
        title: plain(&raw.title),
        company: raw.company.map(|c| plain(&c)).filter(|c| !c.is_empty()),
        location,
        remote,
        salary: raw.salary,
        employment_type: raw.employment_type.map(|e| normalise_type(&e)),
        description,
        posted_on: raw.posted_on.and_then(|d| d.get(..10).map(str::to_owned)),
    }
}

/// A one-line field as text: a source's markup in a title is not ours to serve.
fn plain(field: &str) -> String {
    tidy(&clean_html(field))
}

/// The link, if it is one a browser may follow (http or https); else none (empty).
fn web_link(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(link) if matches!(link.scheme(), "http" | "https") => link.into(),
        _ => String::new(),
    }
}

fn requirement_lines(description: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut under = false;
    for line in description.lines().filter(|l| !l.trim().is_empty()) {
        let lower = line.to_lowercase();
        let trimmed = lower.trim_end_matches([':', '：']).trim();
        let heading = line.chars().count() <= 40 && !line.starts_with("- ");
        if heading && REQUIREMENT_HEADINGS.iter().any(|h| trimmed.contains(h)) {
            under = true;
            continue;
        }
        if heading && !line.starts_with(char::is_numeric) && under && skills::find(line).is_empty()
        {
            under = false;
        }
        if under {
            lines.push(line.trim_start_matches("- ").to_owned());
        }
    }
    lines
}

fn normalise_type(kind: &str) -> String {
    kind.trim().to_lowercase().replace(['_', ' '], "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_titles_and_links_a_browser_would_run_are_dropped() {
        let draft = Posting {
            external_id: "x".into(),
            url: "javascript:alert(document.cookie)".into(),
            title: "<img src=x onerror=alert(1)>Backend &amp; Platform <b>Engineer</b>".into(),
            company: Some("<script>evil()</script>Acme".into()),
            ..Posting::default()
        };
        let posting = finish(draft);
        assert_eq!(posting.url, "");
        assert_eq!(posting.title, "Backend & Platform Engineer");
        assert_eq!(posting.company.as_deref(), Some("Acme"));
        assert_eq!(web_link("https://jobs.example/1"), "https://jobs.example/1");
    }

    #[test]
    fn lines_under_a_requirements_heading_are_requirements_until_the_next_heading() {
        let text = "About the role\n\nBuild things.\n\nRequirements:\n\n- Go in production\n- Kubernetes\n\nBenefits\n- Lunch";
        assert_eq!(requirement_lines(text), ["Go in production", "Kubernetes"]);
        assert_eq!(
            requirement_lines("任职要求：\n1. 熟悉 Python\n2. 三年经验"),
            ["1. 熟悉 Python", "2. 三年经验"]
        );
    }
}

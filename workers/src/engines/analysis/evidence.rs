//! What the builtin engine reads from a parsed resume: its skills, and the lines that state
//! work done (the bullets of the experience and project sections), which diagnoses quote
//! and questions probe.

use std::{collections::HashMap, sync::LazyLock};

use prepq_jobs::kinds::{Language, ResumeParse};
use prepq_text::skills;
use regex::Regex;

use crate::engines::parse::{
    dates::{self, Point},
    entries::{self, Entry, bare},
};

pub struct Evidence<'a> {
    pub text: &'a str,
    pub parse: &'a ResumeParse,
    /// Lines of the experience and project sections that say what was done.
    pub work_lines: Vec<&'a str>,
    /// Lines of the projects section (the experience section's when there is none).
    pub project_lines: Vec<&'a str>,
    /// Each line of the resume (without its bullet) and the skills it names: looked up
    /// once, as every requirement asks again.
    named: HashMap<&'a str, Vec<&'static str>>,
}

/// A figure that quantifies: digits, a percentage, or a Chinese magnitude.
static FIGURE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d|%|百分之|[万亿倍]").expect("figure pattern"));

/// Shorter lines are headings, dates or fragments, not statements of work.
const MIN_STATEMENT_CHARS: usize = 16;

impl<'a> Evidence<'a> {
    pub fn of(text: &'a str, parse: &'a ResumeParse) -> Self {
        let lines_of = |kinds: &[&str]| -> Vec<&'a str> {
            parse
                .sections
                .iter()
                .filter(|s| kinds.contains(&s.kind.as_str()))
                .filter_map(|s| text.get(s.start..s.end))
                .flat_map(str::lines)
                .map(bare)
                .filter(|line| is_statement(line))
                .collect()
        };
        let mut work_lines = lines_of(&["experience", "projects"]);
        if parse.sections.is_empty() {
            work_lines = text.lines().map(bare).filter(|l| is_statement(l)).collect();
        }
        let mut project_lines = lines_of(&["projects"]);
        if project_lines.is_empty() {
            project_lines = work_lines.clone();
        }
        let named = text
            .lines()
            .map(bare)
            .map(|line| (line, skills::locate(line).iter().map(|m| m.skill).collect()))
            .collect();
        Self {
            text,
            parse,
            work_lines,
            project_lines,
            named,
        }
    }

    /// Whether a line of the resume (without its bullet) names `skill`.
    fn names(&self, line: &str, skill: &str) -> bool {
        self.named
            .get(line)
            .is_some_and(|skills| skills.contains(&skill))
    }

    pub fn has_skill(&self, skill: &str) -> bool {
        self.parse.skills.iter().any(|s| s.skill == skill)
    }

    /// The first line of the resume that names `skill`, without its bullet.
    pub fn line_naming(&self, skill: &str) -> Option<&'a str> {
        self.text
            .lines()
            .map(bare)
            .find(|line| self.names(line, skill))
    }

    /// Years of the work entries whose lines name `skill` (overlaps counted once, open
    /// ranges up to `now`), and those entries' first lines.
    pub fn years_with(&self, skill: &str, now: Point) -> (f64, Vec<&'a str>) {
        self.years_where(now, |entry| {
            entry.lines.iter().any(|line| self.names(line, skill))
        })
    }

    /// Years of the work entries that speak of `field` (a field no vocabulary skill names:
    /// "web development" is any entry that says "web"), and those entries' first lines.
    pub fn years_in(&self, field: &str, now: Point) -> (f64, Vec<&'a str>) {
        let words = field_words(field);
        if words.is_empty() {
            return (self.parse.years_of_experience, Vec::new());
        }
        self.years_where(now, |entry| {
            let text = entry.lines.join(" ").to_lowercase();
            words.iter().all(|word| says(&text, word))
        })
    }

    fn years_where(&self, now: Point, takes: impl Fn(&Entry<'a>) -> bool) -> (f64, Vec<&'a str>) {
        let mut ranges = Vec::new();
        let mut headings = Vec::new();
        for entry in self.work_entries() {
            if takes(&entry) {
                ranges.push(entry.range);
                headings.push(entry.lines[0]);
            }
        }
        // No subset of the entries outlasts them all: the parse counted those to the date
        // the document was written, which `now` may be years past.
        let years = dates::years_covered(&ranges, now).min(self.parse.years_of_experience);
        (years, headings)
    }

    /// The professional entries of the experience sections (no projects, no internships).
    fn work_entries(&self) -> Vec<Entry<'a>> {
        entries::of_sections(&self.parse.sections, self.text)
            .into_iter()
            .filter(Entry::is_professional)
            .collect()
    }

    pub fn quantified(line: &str) -> bool {
        FIGURE.is_match(&dates::without_years(line))
    }

    pub fn has_section(&self, kind: &str) -> bool {
        self.parse.sections.iter().any(|s| s.kind == kind)
    }

    /// How long the resume is, in the unit readers count: words, or characters for Chinese.
    pub fn length(&self, language: Language) -> usize {
        match language {
            Language::En => self.text.split_whitespace().count(),
            Language::ZhCn => self.text.chars().filter(|c| !c.is_whitespace()).count(),
        }
    }
}

/// Words of a field name that say which field it is, lower-cased: `web` of "web
/// development", `后端` of "后端开发".
fn field_words(field: &str) -> Vec<String> {
    const PLAIN: &[&str] = &[
        "development",
        "developing",
        "developer",
        "engineering",
        "engineer",
        "building",
        "working",
        "experience",
        "programming",
        "the",
        "and",
        "of",
    ];
    field
        .to_lowercase()
        .split([' ', '-'])
        .map(|word| {
            let mut word = word;
            while let Some(shorter) = ["开发", "工作", "经验"]
                .iter()
                .find_map(|plain| word.strip_suffix(plain))
            {
                word = shorter;
            }
            // "applications" is said as "application" too.
            match word.strip_suffix('s') {
                Some(stem) if word.is_ascii() && stem.len() >= 4 => stem.to_owned(),
                _ => word.to_owned(),
            }
        })
        .filter(|word| !word.is_empty() && !PLAIN.contains(&word.as_str()))
        .collect()
}

/// Whether `text` has `word` at the start of a word (Chinese, anywhere).
fn says(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        !word.is_ascii()
            || !text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// Long enough, not a heading, and not an entry's title line (those carry its dates).
fn is_statement(line: &str) -> bool {
    line.chars().count() >= MIN_STATEMENT_CHARS
        && !line.ends_with([':', '：'])
        && dates::ranges(line).is_empty()
}

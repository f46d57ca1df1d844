//! What the builtin engine reads from a parsed resume: its skills, and the lines that state
//! work done (the bullets of the experience and project sections), which diagnoses quote
//! and questions probe.

use std::sync::LazyLock;

use prepq_jobs::kinds::{Language, ResumeParse};
use regex::Regex;

use crate::engines::parse::dates;

pub struct Evidence<'a> {
    pub text: &'a str,
    pub parse: &'a ResumeParse,
    /// Lines of the experience and project sections that say what was done.
    pub work_lines: Vec<&'a str>,
    /// Lines of the projects section (the experience section's when there is none).
    pub project_lines: Vec<&'a str>,
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
                .map(clean)
                .filter(|line| is_statement(line))
                .collect()
        };
        let mut work_lines = lines_of(&["experience", "projects"]);
        if parse.sections.is_empty() {
            work_lines = text
                .lines()
                .map(clean)
                .filter(|l| is_statement(l))
                .collect();
        }
        let mut project_lines = lines_of(&["projects"]);
        if project_lines.is_empty() {
            project_lines = work_lines.clone();
        }
        Self {
            text,
            parse,
            work_lines,
            project_lines,
        }
    }

    pub fn has_skill(&self, skill: &str) -> bool {
        self.parse.skills.iter().any(|s| s.skill == skill)
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

/// A line without its bullet.
fn clean(line: &str) -> &str {
    line.trim()
        .trim_start_matches(['-', '•', '*', '·', '●', '▪', '◦', '–'])
        .trim()
}

/// Long enough, not a heading, and not an entry's title line (those carry its dates).
fn is_statement(line: &str) -> bool {
    line.chars().count() >= MIN_STATEMENT_CHARS
        && !line.ends_with([':', '：'])
        && dates::ranges(line).is_empty()
}

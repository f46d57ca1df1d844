//! The experience section cut into entries, read the same way by the parse (work entries,
//! years of experience) and the analyses (years in a skill): each entry starts at a line
//! with a date range and runs to the next. An entry that calls itself a project is one,
//! wherever it stands; an internship, a student's job or volunteering is work, but not
//! professional years.

use std::sync::LazyLock;

use prepq_jobs::kinds::Section;
use regex::Regex;

use super::dates::{self, Range};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Job,
    /// An internship or a job held as a student (teaching or research assistant,
    /// undergraduate researcher, a summer's job).
    StudentJob,
    /// Unpaid: volunteering, clubs, campus involvement.
    Volunteering,
    /// An individual or side project listed among the jobs ("Individual Projects", 个人项目).
    Project,
}

#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub range: Range,
    pub kind: EntryKind,
    /// What introduces it: the range's line without the dates, or the nearest line above
    /// when the range stands alone.
    pub heading: String,
    /// Its lines, bullets stripped: the range's line (with the line above when it is
    /// short), then every line to the next entry.
    pub lines: Vec<&'a str>,
}

impl Entry<'_> {
    /// Counts towards years of professional experience.
    pub fn is_professional(&self) -> bool {
        self.kind == EntryKind::Job
    }
}

static PROJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:individual|personal|side|hobby|open[- ]source|course|school)\s+projects?\b|个人项目|开源项目|课程项目|毕业设计")
        .expect("project pattern")
});
static STUDENT_JOB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bintern(?:ship)?s?\b|\b(?:teaching|research|graduate|student) assistant|\b(?:undergraduate|graduate|student) researcher|\bsummers? (?:19|20)\d\d|实习|助教")
        .expect("student job pattern")
});
static VOLUNTEERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bvolunteer(?:ing|s)?\b|志愿者?").expect("volunteering pattern")
});
/// Headings whose entries are unpaid whatever their lines say: "On Campus Involvement",
/// "Activities", 社团经历.
static UNPAID_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bvolunteer|\binvolvement\b|\bactivities\b|\bextracurricular|\bcommunity\b|志愿|社团|校园|学生工作")
        .expect("unpaid heading pattern")
});

/// Lines after the range's own that still describe the entry rather than its work.
const HEADER_LINES: usize = 2;

/// The entries of every experience section of a resume's `text`.
pub fn of_sections<'a>(sections: &[Section], text: &'a str) -> Vec<Entry<'a>> {
    sections
        .iter()
        .filter(|s| s.kind == "experience")
        .filter_map(|s| Some(entries(&s.heading, text.get(s.start..s.end)?)))
        .flatten()
        .collect()
}

/// The entries of one experience section under `heading`.
pub fn entries<'a>(heading: &str, body: &'a str) -> Vec<Entry<'a>> {
    let unpaid = UNPAID_HEADING.is_match(heading);
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(range) = dates::ranges(line).into_iter().next() else {
            if let Some(entry) = entries.last_mut() {
                entry.lines.push(bare(line));
            }
            continue;
        };
        let own = super::without_dates(line);
        let mut own_lines = vec![bare(line)];
        if i > 0 && line.chars().count() < 40 {
            own_lines.insert(0, bare(lines[i - 1]));
        }
        let heading = if own.chars().count() >= 3 {
            own
        } else {
            lines[..i]
                .iter()
                .rev()
                .find(|l| !l.starts_with(['•', '-', '*']) && l.chars().count() >= 3)
                .map_or_else(String::new, |l| l.to_string())
        };
        entries.push(Entry {
            range,
            kind: EntryKind::Job,
            heading,
            lines: own_lines,
        });
    }
    for entry in &mut entries {
        let at = entry
            .lines
            .iter()
            .position(|l| !dates::ranges(l).is_empty());
        let header = at.map_or(0, |at| at + 1 + HEADER_LINES);
        let header = &entry.lines[..header.min(entry.lines.len())];
        entry.kind = if header.iter().any(|l| PROJECT.is_match(l)) {
            EntryKind::Project
        } else if header.iter().any(|l| STUDENT_JOB.is_match(l)) {
            EntryKind::StudentJob
        } else if unpaid || header.iter().any(|l| VOLUNTEERING.is_match(l)) {
            EntryKind::Volunteering
        } else {
            EntryKind::Job
        };
    }
    entries
}

/// A line without its bullet.
pub fn bare(line: &str) -> &str {
    line.trim()
        .trim_start_matches(['-', '•', '*', '·', '●', '▪', '◦', '–'])
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn individual_projects_among_the_jobs_are_projects_and_an_internship_is_no_professional_year() {
        let body = "FLAG Inc. California, America 2012 – Present\nSummer Intern Manager: xxx\n\
            • Implemented xxx feature\nxxx Projects Jan. 2015 – Present\n\
            C, Python, Django, Linux Individual Projects, collaborated with xxx\n• Optimized xxx 5%\n\
            Acme Corp 2016 – 2018\nBackend Engineer\n• Built the billing service\n";
        let found = entries("Experience", body);
        let kinds: Vec<EntryKind> = found.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [EntryKind::StudentJob, EntryKind::Project, EntryKind::Job]
        );
        assert_eq!(found[2].heading, "Acme Corp");
        assert!(found[2].lines.contains(&"Built the billing service"));
    }

    #[test]
    fn student_jobs_and_volunteering_are_no_professional_years() {
        let body = "Google Oct 2016 - Present\nSoftware Engineer\n\
            Georgia Tech Jan 2012 - Dec 2013\nResearch and Teaching Assistant\n\
            CORNELL PHONETICS LAB | HEAD UNDERGRADUATE RESEARCHER\nMar 2012 - May 2013\n\
            YMCA, Pomona, CA June 2012 - Present\nVolunteer Swim Coach\n\
            Lucena Research Atlanta, GA\nData Scientist Summer 2012 and 2013\n";
        let kinds: Vec<EntryKind> = entries("Experience", body).iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EntryKind::Job,
                EntryKind::StudentJob,
                EntryKind::StudentJob,
                EntryKind::Volunteering,
                EntryKind::StudentJob
            ]
        );
    }

    #[test]
    fn entries_under_an_involvement_heading_are_unpaid() {
        let body = "Enactus, University of La Verne August 2013 - Present\nMember\n";
        let kind = |heading| entries(heading, body)[0].kind;
        assert_eq!(kind("ON CAMPUS INVOLVEMENT"), EntryKind::Volunteering);
        assert_eq!(kind("社团经历"), EntryKind::Volunteering);
        assert_eq!(kind("Work Experience"), EntryKind::Job);
    }

    #[test]
    fn a_chinese_personal_project_is_a_project() {
        let body = "黑科技公司上海\n2015 年 3 月 – 2015 年 5 月\n实习 经理: 高富帅\n• 实现了 xxx 特性\n\
            分布式科学上网姿势\nGolang, Linux\n2014 年 6 月 – 至今\n个人项目，和富帅糕合作开发\n• 修复了 bug\n";
        let kinds: Vec<EntryKind> = entries("Experience", body).iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EntryKind::StudentJob, EntryKind::Project]);
    }
}

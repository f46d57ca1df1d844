//! The structured reading of a resume's text, in Chinese or English: contact details,
//! sections with their spans, education and work entries with dates, vocabulary skills,
//! years of experience, and how confident the reading is. Plain rules over lines: resumes
//! are short and their conventions few.

use std::sync::LazyLock;

use prepq_jobs::kinds::{Contact, Education, Experience, ResumeParse, Section, SkillMention};
use prepq_text::{is_han, skills};
use regex::Regex;

pub mod columns;
pub mod dates;
pub mod entries;

use dates::Point;

const HEADINGS: &[(&str, &[&str])] = &[
    (
        "summary",
        &[
            "summary",
            "professional summary",
            "profile",
            "about me",
            "objective",
            "个人简介",
            "自我评价",
            "个人总结",
            "个人优势",
        ],
    ),
    ("education", &["education", "教育背景", "教育经历", "学历"]),
    (
        "experience",
        &[
            "experience",
            "work experience",
            "professional experience",
            "employment",
            "employment history",
            "work history",
            "career history",
            "previous jobs",
            "volunteer experience",
            "volunteering",
            "research experience",
            "research",
            "leadership experience",
            "on campus involvement",
            "campus involvement",
            "工作经历",
            "工作经验",
            "实习经历",
            "实习/项目经历",
        ],
    ),
    (
        "projects",
        &[
            "projects",
            "project experience",
            "personal projects",
            "项目经历",
            "项目经验",
        ],
    ),
    (
        "skills",
        &[
            "skills",
            "technical skills",
            "core skills",
            "技能",
            "专业技能",
            "技能清单",
            "it 技能",
        ],
    ),
    (
        "certifications",
        &[
            "certifications",
            "certificates",
            "licenses",
            "证书",
            "资格证书",
        ],
    ),
    ("languages", &["languages", "语言", "语言能力"]),
    (
        "awards",
        &[
            "awards",
            "honors",
            "honours",
            "honors and awards",
            "awards and honors",
            "awards and recognitions",
            "selected honors",
            "honors and recognitions",
            "achievements",
            "获奖情况",
            "获奖经历",
            "荣誉奖项",
            "荣誉证书",
        ],
    ),
    (
        "other",
        &[
            "miscellaneous",
            "additional information",
            "interests",
            "hobbies",
            "strengths",
            "weaknesses",
            "coursework",
            "relevant coursework",
            "links",
            "community",
            "publications",
            "patents",
            "invited talks",
            "references",
            "其他",
            "兴趣爱好",
        ],
    ),
];

const INSTITUTION: &[&str] = &[
    "university",
    "college",
    "institute",
    "school",
    "academy",
    "大学",
    "学院",
    "学校",
];
const DEGREE: &[&str] = &[
    "bachelor",
    "master",
    "phd",
    "ph.d",
    "doctor",
    "b.sc",
    "b.tech",
    "btech",
    "m.tech",
    "b.s.",
    "b.a.",
    "b.tech",
    "m.sc",
    "m.s.",
    "mba",
    "学士",
    "硕士",
    "博士",
    "本科",
    "研究生",
];

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("email pattern")
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+86[ -]?)?1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?-u:\b)|(?:\+[0-9]{1,3}[ -]?)?\(?[0-9]{3}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{4}(?-u:\b)")
        .expect("phone pattern")
});
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:https?://[^\s|,;·]+|(?:www\.)?(?:linkedin|github|gitlab)\.com/[^\s|,;·]+)",
    )
    .expect("link pattern")
});

/// Parses `text`; `now` closes ranges that run to the present.
pub fn parse(text: &str, now: Point) -> ResumeParse {
    with_skills(layout(text, now), text)
}

/// Everything but the skills: what the sandbox child reads. Matching the vocabulary needs
/// it built (thousands of aliases, ~15 ms), which a long-lived worker does once and a child
/// per file would do every time; the worker adds them with `with_skills`.
pub fn layout(text: &str, now: Point) -> ResumeParse {
    let sections = sections(text);
    // A resume may have several of a kind: `Experience` and `Research`, or `Volunteer
    // Experience` after `On Campus Involvement`.
    let bodies = |kind: &'static str| {
        sections
            .iter()
            .filter(move |s| s.kind == kind)
            .map(|s| &text[s.start..s.end])
    };
    let education: Vec<Education> = bodies("education").flat_map(education).collect();
    let entries = entries::of_sections(&sections, text);
    let professional: Vec<dates::Range> = entries
        .iter()
        .filter(|e| e.is_professional())
        .map(|e| e.range)
        .collect();
    let mut experience = experience(&entries);
    if entries.is_empty() {
        experience = bodies("experience").flat_map(undated).collect();
    }
    let mut parse = ResumeParse {
        language: language(text).to_owned(),
        years_of_experience: dates::years_covered(&professional, now),
        contact: contact(text),
        sections,
        education,
        experience,
        skills: Vec::new(),
        confidence: 0.0,
    };
    parse.confidence = confidence(&parse);
    parse
}

/// The parse with the vocabulary skills `text` mentions, and its confidence with them.
pub fn with_skills(mut parse: ResumeParse, text: &str) -> ResumeParse {
    parse.skills = skills::find(text)
        .into_iter()
        .map(|m| SkillMention {
            skill: m.skill.to_owned(),
            mentions: m.count,
        })
        .collect();
    parse.confidence = confidence(&parse);
    parse
}

/// The share of what a resume should show that the reading found, to two decimals.
fn confidence(parse: &ResumeParse) -> f64 {
    let found = [
        parse.contact.name.is_some(),
        !parse.contact.emails.is_empty() || !parse.contact.phones.is_empty(),
        parse.sections.len() >= 2,
        !parse.education.is_empty(),
        !parse.experience.is_empty(),
        !parse.skills.is_empty(),
    ];
    let share = found.iter().filter(|f| **f).count() as f64 / found.len() as f64;
    (share * 100.0).round() / 100.0
}

fn language(text: &str) -> &'static str {
    let cjk = text.chars().filter(|c| is_han(*c)).count();
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if cjk * 5 > letters { "zh-CN" } else { "en" }
}

/// Lines with their byte offsets.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |offset, line| {
        let at = *offset;
        *offset += line.len();
        Some((at, line.trim_end_matches(['\n', '\r'])))
    })
}

fn heading_kind(line: &str) -> Option<&'static str> {
    // Icons (private-use glyphs of icon fonts), bullets and numbering before a heading.
    let normal = line
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim()
        .trim_end_matches([':', '：'])
        .trim()
        .to_lowercase();
    // `skills.` ends a sentence wrapped onto its own line ("…my strong communication /
    // skills.").
    if normal.is_empty() || normal.chars().count() > 30 || normal.ends_with(['.', '。']) {
        return None;
    }
    // `Honors & Awards` and `HONORS/AWARDS` are `honors and awards`; `实习/项目经历`
    // stays as written.
    let joined = normal
        .replace(['&', '/'], " and ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let exact = HEADINGS.iter().find(|(_, aliases)| {
        aliases.contains(&normal.as_str()) || aliases.contains(&joined.as_str())
    });
    let normal = joined;
    // OCR misreads a letter or two of a styled heading ("Experienoe", "EDUCATlON").
    let misread = || {
        HEADINGS.iter().find(|(_, aliases)| {
            aliases
                .iter()
                .any(|alias| alias.is_ascii() && misreads(alias, &normal))
        })
    };
    exact.or_else(misread).map(|(kind, _)| *kind)
}

/// Whether `read` is `heading` with at most one letter wrong, added or lost (two for long
/// headings); short headings must match exactly, as one letter makes another word.
fn misreads(heading: &str, read: &str) -> bool {
    let allowed = match heading.len() {
        0..=5 => return false,
        6..=11 => 1,
        _ => 2,
    };
    let (a, b): (Vec<char>, Vec<char>) = (heading.chars().collect(), read.chars().collect());
    if a.len().abs_diff(b.len()) > allowed {
        return false;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()] <= allowed
}

fn sections(text: &str) -> Vec<Section> {
    let mut found: Vec<Section> = Vec::new();
    for (at, line) in lines(text) {
        if let Some(kind) = heading_kind(line) {
            if let Some(last) = found.last_mut() {
                last.end = at;
            }
            let start = (at + line.len() + 1).min(text.len());
            found.push(Section {
                kind: kind.to_owned(),
                heading: line.trim().to_owned(),
                start,
                end: text.len(),
            });
        }
    }
    found
}

fn contact(text: &str) -> Contact {
    let mut emails: Vec<String> = EMAIL
        .find_iter(text)
        .map(|m| m.as_str().to_owned())
        .collect();
    emails.dedup();
    let phones = PHONE
        .find_iter(text)
        .map(|m| m.as_str().trim().to_owned())
        .filter(|p| p.chars().filter(char::is_ascii_digit).count() >= 10)
        .collect();
    let links = LINK
        .find_iter(text)
        .map(|m| m.as_str().trim_end_matches(['.', ')']).to_owned())
        .filter(|l| !l.contains('@'))
        .collect();
    let name = text
        .lines()
        .map(clean_field)
        .filter(|l| !l.is_empty())
        .take(5)
        .map(|line| name_part(&line).to_owned())
        .find(|part| looks_like_name(part));
    Contact {
        name,
        emails,
        phones,
        links,
    }
}

/// Template text that stands where a name goes.
const PLACEHOLDER_NAMES: &[&str] = &[
    "first name",
    "last name",
    "your name",
    "full name",
    "name surname",
    "first last",
];

/// A Chinese line's name is what precedes its first separator (`常建良，男，1990年生`).
fn name_part(line: &str) -> &str {
    if line.chars().next().is_some_and(is_han) {
        line.split([',', '，', '、', '|', '｜', '/', ' ', '(', '（'])
            .next()
            .unwrap_or(line)
    } else {
        line
    }
}

/// A field without tabs, carriage returns or no-break spaces, and single-spaced.
fn clean_field(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn looks_like_name(line: &str) -> bool {
    if PLACEHOLDER_NAMES.contains(&line.to_lowercase().as_str()) {
        return false;
    }
    if heading_kind(line).is_some()
        || line.contains('@')
        || line.chars().any(|c| c.is_ascii_digit())
    {
        return false;
    }
    let cjk = line.chars().filter(|c| is_han(*c)).count();
    if cjk > 0 {
        return (2..=6).contains(&line.chars().count());
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '.')
        })
}

/// Abbreviated degrees count only before what they are in: `BS in Computer Science`,
/// `MEng in CS`, never `MS Office`.
static DEGREE_ABBREVIATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:b\.?s|m\.?s|b\.?a|m\.?a|b\.?sc|m\.?sc|b\.?eng|m\.?eng|b\.?e|m\.?e)\.?\s+(?:in|of)\s")
        .expect("degree abbreviation pattern")
});

fn names_degree(line: &str) -> bool {
    contains_any(line, DEGREE) || DEGREE_ABBREVIATION.is_match(line)
}

fn contains_any(line: &str, words: &[&str]) -> bool {
    let lower = line.to_lowercase();
    words.iter().any(|w| lower.contains(w))
}

/// Entries anchored on lines that date them: a range, or a year on a line naming a school
/// (or short enough to be one: `MIT, 2022`). The layout decides where the degree is: when
/// the section opens with a degree, each degree precedes its school; else it follows.
fn education(body: &str) -> Vec<Education> {
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let degree_first = lines.first().is_some_and(|l| names_degree(l));
    let anchors: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let line = lines[i];
            if !dates::ranges(line).is_empty() {
                return true;
            }
            // `Dec 2014 | Ithaca, NY`: a month and separators are no words of a name.
            let rest = without_dates(line);
            let words = rest
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric) && !dates::is_month(w))
                .count();
            dates::last_date(line).is_some() && (contains_any(line, INSTITUTION) || words <= 3)
        })
        .collect();
    anchors
        .iter()
        .enumerate()
        .map(|(n, &at)| {
            let previous = if n == 0 { 0 } else { anchors[n - 1] + 1 };
            let next = anchors.get(n + 1).copied().unwrap_or(lines.len());
            let line = lines[at];
            // A school's own lines stand next to its date: the lines further up belong to
            // the entry before (`College of Engineering`, `Magna Cum Laude`).
            let own_lines = previous.max(at.saturating_sub(2))..at;
            let institution_at = std::iter::once(at)
                .chain(own_lines.clone().rev())
                .find(|&i| contains_any(lines[i], INSTITUTION));
            let institution = institution_at
                .map(|i| part_with(&without_dates(lines[i]), INSTITUTION))
                .or_else(|| {
                    // `LA MARTINIERE FOR BOYS` / `Grad. May 2011 | Kolkata, India`.
                    let above = lines[own_lines.end.checked_sub(1)?];
                    let named = own_lines.start < own_lines.end
                        && !names_degree(above)
                        && !above.chars().any(|c| c.is_ascii_digit())
                        && above
                            .chars()
                            .filter(|c| c.is_alphabetic())
                            .all(char::is_uppercase);
                    named.then(|| above.to_owned())
                })
                .or_else(|| school_named(&without_dates(line)));
            let degree_lines: Vec<usize> = if degree_first {
                (previous..at).rev().collect()
            } else {
                (at + 1..next).collect()
            };
            // `Bachelor of Science, State University, 2016`: both on the anchor line;
            // `CORNELL UNIVERSITY` / `BS IN COMPUTER SCIENCE` / `May 2014 | Ithaca`:
            // between the school and its date.
            let degree = std::iter::once(at)
                .filter(|_| names_degree(line))
                .chain(institution_at.map_or(0..0, |i| i + 1..at))
                .chain(
                    degree_lines
                        .into_iter()
                        .filter(|&i| !contains_any(lines[i], INSTITUTION)),
                )
                .map(|i| lines[i])
                .find(|l| names_degree(l))
                .map(degree_of);
            let (start, end) = match dates::ranges(line).first() {
                Some(range) => (Some(range.start.label()), range.end.map(Point::label)),
                None => (None, dates::last_date(line).map(Point::label)),
            };
            Education {
                institution: institution.as_deref().map(clean_field),
                degree: degree.as_deref().map(clean_field),
                start,
                end,
            }
        })
        .collect()
}

/// Words of what a degree is in, or about it (`Computer Science`, `Specialization in AI`).
const ABOUT_THE_DEGREE: &[&str] = &[
    "science",
    "engineering",
    "computer",
    "business",
    "arts",
    "studies",
    "mathematics",
    "economics",
    "management",
    "technology",
    "design",
    "physics",
    "chemistry",
    "biology",
    "finance",
    "accounting",
    "statistics",
    "information",
    "specialization",
    "specialisation",
    "major",
    "minor",
    "concentration",
    "gpa",
    "thesis",
    "honours",
    "honors",
    "科学",
    "工程",
    "技术",
    "专业",
    "方向",
];

/// The school of an education line whose school says neither "University" nor "College"
/// (`PhD in Computer Science, CalTech, Pasadena, USA`): its first comma-separated part that
/// is neither the degree nor what the degree is in; else the line's first part.
fn school_named(line: &str) -> Option<String> {
    let parts: Vec<&str> = line
        .split([',', '，', '|'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    parts
        .iter()
        .find(|p| !names_degree(p) && !contains_any(p, ABOUT_THE_DEGREE))
        .or(parts.first())
        .map(|p| (*p).to_owned())
}

/// The comma-separated part of `line` that holds one of `words`, else its first part.
fn part_with(line: &str, words: &[&str]) -> String {
    let mut parts = line.split([',', '，']).map(str::trim);
    let first = parts.clone().next().unwrap_or(line);
    parts
        .find(|p| contains_any(p, words))
        .unwrap_or(first)
        .to_owned()
}

/// The degree of an education line with its field: the comma-separated part naming the
/// degree and those after it up to the institution (`B.Tech, Computer Science and
/// Engineering, Indian Institute of Technology` → `B.Tech, Computer Science and Engineering`).
fn degree_of(line: &str) -> String {
    let line = without_dates(line);
    let parts: Vec<&str> = line.split([',', '，']).map(str::trim).collect();
    let Some(at) = parts.iter().position(|p| names_degree(p)) else {
        return part_with(&line, DEGREE);
    };
    let field = parts[at + 1..]
        .iter()
        .take_while(|p| !contains_any(p, INSTITUTION) && contains_any(p, ABOUT_THE_DEGREE));
    std::iter::once(&parts[at])
        .chain(field)
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

fn without_dates(line: &str) -> String {
    let ranged = dates::ranges(line)
        .iter()
        .rev()
        .fold(line.to_owned(), |mut l, r| {
            l.replace_range(r.span.0..r.span.1, "");
            l
        });
    dates::without_years(&ranged)
        .trim()
        .trim_matches([',', '，', ' ', '-', '–'])
        .trim()
        .to_owned()
}

/// Work entries: the experience section's entries but the projects listed among them.
/// Jobs listed without dates, one short line each (`Previous jobs` / `- Pastry Chef`): when
/// the section has no dated entry and nothing but such lines.
fn undated(body: &str) -> Vec<Experience> {
    const MAX_WORDS: usize = 6;
    let items: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // OCR often loses the bullets: a short line that is no sentence counts too.
    let listed = |line: &&str| {
        let item = entries::bare(line);
        item.split_whitespace().count() <= MAX_WORDS && !item.ends_with(['.', '。', ':', '：'])
    };
    if items.is_empty() || !items.iter().all(listed) {
        return Vec::new();
    }
    items
        .iter()
        .map(|line| Experience {
            heading: clean_field(entries::bare(line)),
            start: None,
            end: None,
            current: false,
        })
        .collect()
}

fn experience(entries: &[entries::Entry<'_>]) -> Vec<Experience> {
    entries
        .iter()
        .filter(|e| e.kind != entries::EntryKind::Project)
        .map(|e| Experience {
            heading: clean_field(&e.heading),
            start: Some(e.range.start.label()),
            end: e.range.end.map(Point::label),
            current: e.range.end.is_none(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Point = Point {
        year: 2020,
        month: Some(12),
    };

    #[test]
    fn headings_behind_icons_open_sections_with_spans() {
        let text = "王小明\n\u{f19d} 教育背景\n北京大学, 2016 – 2020\n本科 计算机科学\n专业技能：\nRust, k8s\n";
        let parse = parse(text, NOW);
        let kinds: Vec<&str> = parse.sections.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["education", "skills"]);
        let skills = &parse.sections[1];
        assert_eq!(&text[skills.start..skills.end], "Rust, k8s\n");
        assert_eq!(parse.contact.name.as_deref(), Some("王小明"));
        assert_eq!(parse.language, "zh-CN");
        let school = &parse.education[0];
        assert_eq!(school.institution.as_deref(), Some("北京大学"));
        assert_eq!(school.degree.as_deref(), Some("本科 计算机科学"));
        assert_eq!(
            (school.start.as_deref(), school.end.as_deref()),
            (Some("2016"), Some("2020"))
        );
    }

    #[test]
    fn headings_misread_by_ocr_still_open_their_sections_but_short_words_must_match() {
        assert_eq!(heading_kind("Experienoe"), Some("experience"));
        assert_eq!(heading_kind("EDUCATlON"), Some("education"));
        assert_eq!(heading_kind("Work Histroy"), Some("experience"));
        assert_eq!(heading_kind("Previous jobs"), Some("experience"));
        assert_eq!(heading_kind("Honors and Awards"), Some("awards"));
        assert_eq!(heading_kind("Honors & Awards"), Some("awards"));
        assert_eq!(heading_kind("HONORS/AWARDS"), Some("awards"));
        assert_eq!(heading_kind("实习/项目经历"), Some("experience"));
        assert_eq!(heading_kind("VOLUNTEER EXPERIENCE"), Some("experience"));
        assert_eq!(heading_kind("Skilts"), Some("skills"));
        assert_eq!(heading_kind("Skiing"), None);
        assert_eq!(heading_kind("skills."), None);
        assert_eq!(heading_kind("Expected salary"), None);
    }

    #[test]
    fn names_stop_at_chinese_punctuation_and_placeholders_are_no_names() {
        let now = Point {
            year: 2024,
            month: Some(1),
        };
        assert_eq!(
            parse("常建良，男，1990年生\n电话：13800000000\n", now)
                .contact
                .name
                .as_deref(),
            Some("常建良")
        );
        assert_eq!(
            parse("Last Name\nJane\u{a0}Smith\njane@example.com\n", now)
                .contact
                .name
                .as_deref(),
            Some("Jane Smith")
        );
    }

    #[test]
    fn jobs_listed_without_dates_are_entries_and_a_paragraph_is_not() {
        let listed = "Previous jobs\n\n- Private Detective\n- Neurosurgeon\n- Pastry Chef\n\nAwards\n- Nobel Prize\n";
        let headings: Vec<String> = parse(listed, NOW)
            .experience
            .into_iter()
            .map(|e| e.heading)
            .collect();
        assert_eq!(
            headings,
            ["Private Detective", "Neurosurgeon", "Pastry Chef"]
        );
        let prose = "Experience\n- Built the billing service and ran it for three years at scale\n- Led it.\n";
        assert!(parse(prose, NOW).experience.is_empty());
    }

    #[test]
    fn schools_without_university_in_their_name_are_not_the_degree() {
        let text = "Education\n\
                    2009 – 2012 PhD in Computer Science, CalTech, Pasadena, USA\n\
                    2014 – 2016 Master of Science in Computer Science, Specialization in AI, MIT, Cambridge,\n\
                    2010 – 2014 Bachelor of Science in Computer Science, UC San Diego, San Diego, USA\n";
        let parse = parse(text, NOW);
        let schools: Vec<Option<&str>> = parse
            .education
            .iter()
            .map(|e| e.institution.as_deref())
            .collect();
        assert_eq!(
            schools,
            [Some("CalTech"), Some("MIT"), Some("UC San Diego")]
        );
        assert_eq!(
            parse.education[0].degree.as_deref(),
            Some("PhD in Computer Science")
        );
    }

    #[test]
    fn a_degree_keeps_its_field_and_drops_dates_and_school() {
        assert_eq!(
            degree_of(
                "2018 – 2022 B.Tech, Computer Science and Engineering, Indian Institute of Technology"
            ),
            "B.Tech, Computer Science and Engineering"
        );
        assert_eq!(
            degree_of("华东大学 计算机科学与技术 本科 2015.09 - 2019.06"),
            "华东大学 计算机科学与技术 本科"
        );
    }

    #[test]
    fn overlapping_jobs_count_once_towards_years_of_experience() {
        let text = "Experience\nDev, A, Jan 2018 - Dec 2019\nDev, B, Jan 2019 - Present\n";
        let parse = parse(text, NOW);
        assert_eq!(parse.experience.len(), 2);
        assert!(parse.experience[1].current);
        assert_eq!(parse.years_of_experience, 3.0);
    }

    #[test]
    fn a_school_above_its_degree_and_dated_line_is_one_entry() {
        // As in the Deedy two-column template.
        let body = "CORNELL UNIVERSITY\nMENG IN COMPUTER SCIENCE\nDec 2014 | Ithaca, NY\n\
                    CORNELL UNIVERSITY\nBS IN COMPUTER SCIENCE\nMay 2014 | Ithaca, NY\n\
                    College of Engineering\nMagna Cum Laude\n\
                    LA MARTINIERE FOR BOYS\nGrad. May 2011| Kolkata, India\n";
        let found: Vec<(Option<String>, Option<String>, Option<String>)> = education(body)
            .into_iter()
            .map(|e| (e.institution, e.degree, e.end))
            .collect();
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            found,
            [
                (
                    some("CORNELL UNIVERSITY"),
                    some("MENG IN COMPUTER SCIENCE"),
                    some("2014-12")
                ),
                (
                    some("CORNELL UNIVERSITY"),
                    some("BS IN COMPUTER SCIENCE"),
                    some("2014-05")
                ),
                (some("LA MARTINIERE FOR BOYS"), None, some("2011-05")),
            ]
        );
    }
}

//! The builtin diagnosis: the job's requirements against the resume's skills, and checks of
//! the resume itself (figures in achievements, action verbs, sections, length, what
//! applicant-tracking systems read). Deterministic: the same inputs give the same answer.

use prepq_jobs::kinds::{
    DimensionScores, Keywords, Language, RequirementCheck, ResumeDiagnosis, Suggestion,
};

use super::{
    Input,
    checks::{self, MET, PARTLY_MET},
    evidence::Evidence,
    requirements::Requirements,
    say,
};
use crate::engines::parse::dates::Point;

/// Lines opening with these state duties, not results.
const DUTY_OPENINGS: &[&str] = &[
    "responsible for",
    "in charge of",
    "worked on",
    "involved in",
    "helped",
    "participated in",
    "duties included",
    "负责",
    "参与",
    "协助",
];

/// The sections a resume is expected to have, and the ones that help.
const EXPECTED: &[&str] = &["experience", "education", "skills"];
const HELPFUL: &[&str] = &["summary", "projects"];

pub fn diagnose(input: &Input) -> ResumeDiagnosis {
    let evidence = Evidence::of(&input.resume_text, &input.parse);
    let language = input.language;
    let checked = checked(input, &evidence);
    let keywords = keywords(&checked);
    let skills: Vec<&RequirementCheck> = checked.iter().filter(|c| c.kind == "skill").collect();
    let dimensions = DimensionScores {
        requirements_match: requirements_match(&checked),
        skills_coverage: share(
            skills.iter().filter(|c| c.status == MET).count(),
            skills.len(),
        ),
        quantified_impact: quantified_impact(&evidence),
        structure: structure(&evidence),
        clarity: clarity(&evidence, language),
        ats_readability: ats_readability(&evidence),
    };
    let overall_score = weighted(&dimensions);
    let mut diagnosis = ResumeDiagnosis {
        language: language.as_str().to_owned(),
        overall_score,
        strengths: strengths(&dimensions, &keywords, language),
        weaknesses: weaknesses(&dimensions, &keywords, language),
        suggestions: Vec::new(),
        dimensions,
        keywords,
        requirements: checked,
        engine: Default::default(),
    };
    diagnosis.suggestions = suggestions(&evidence, &diagnosis, language);
    diagnosis
}

/// The job's requirements checked against the resume: what both engines report.
pub fn checked(input: &Input, evidence: &Evidence) -> Vec<RequirementCheck> {
    let requirements = Requirements::of(&input.target.description);
    checks::check(&requirements, evidence, input.language, Point::today())
}

/// The requirements by name: met ones as matched, the rest (partly met too) as missing.
fn keywords(checked: &[RequirementCheck]) -> Keywords {
    let names = |must: bool, met: bool| -> Vec<String> {
        checked
            .iter()
            .filter(|c| c.must_have == must && (c.status == MET) == met)
            .map(|c| c.label.clone())
            .collect()
    };
    Keywords {
        matched_must_have: names(true, true),
        missing_must_have: names(true, false),
        matched_nice_to_have: names(false, true),
        missing_nice_to_have: names(false, false),
    }
}

/// Weighted coverage: must-haves weigh three times what nice-to-haves do, and a
/// requirement partly met counts half.
fn requirements_match(checked: &[RequirementCheck]) -> u32 {
    let weight = |c: &RequirementCheck| if c.must_have { 6 } else { 2 };
    let earned = |c: &RequirementCheck| match c.status.as_str() {
        MET => weight(c),
        PARTLY_MET => weight(c) / 2,
        _ => 0,
    };
    share(
        checked.iter().map(earned).sum(),
        checked.iter().map(weight).sum(),
    )
}

/// Half the statements of work with a figure is as good as it gets.
fn quantified_impact(evidence: &Evidence) -> u32 {
    let lines = &evidence.work_lines;
    if lines.is_empty() {
        return 0;
    }
    let with_figures = lines.iter().filter(|l| Evidence::quantified(l)).count();
    share(with_figures * 2, lines.len())
}

fn structure(evidence: &Evidence) -> u32 {
    let expected = EXPECTED.iter().filter(|k| evidence.has_section(k)).count();
    let helpful = HELPFUL.iter().filter(|k| evidence.has_section(k)).count();
    share(expected * 4 + helpful, EXPECTED.len() * 4 + HELPFUL.len())
}

/// Length in the usual range, and statements of work that open with what was achieved.
fn clarity(evidence: &Evidence, language: Language) -> u32 {
    let length = evidence.length(language);
    let (short, long) = match language {
        Language::En => (250, 1100),
        Language::ZhCn => (400, 2500),
    };
    let length_score: u32 = if length < short {
        share(length, short)
    } else if length > long {
        share(long, length)
    } else {
        100
    };
    let lines = &evidence.work_lines;
    let duties = lines.iter().filter(|l| opens_with_duty(l)).count();
    let active = if lines.is_empty() {
        50
    } else {
        100 - share(duties, lines.len())
    };
    (length_score + active) / 2
}

fn ats_readability(evidence: &Evidence) -> u32 {
    let contact = &evidence.parse.contact;
    let dated = evidence.parse.experience.iter().any(|e| e.start.is_some())
        || evidence
            .parse
            .education
            .iter()
            .any(|e| e.start.is_some() || e.end.is_some());
    let headings = evidence.parse.sections.len();
    let mut score = 0;
    score += if contact.emails.is_empty() { 0 } else { 30 };
    score += if contact.phones.is_empty() { 0 } else { 20 };
    score += if dated { 25 } else { 0 };
    score += (headings.min(3) * 25 / 3) as u32;
    score
}

fn weighted(d: &DimensionScores) -> u32 {
    let total = d.requirements_match * 30
        + d.skills_coverage * 20
        + d.quantified_impact * 15
        + d.structure * 10
        + d.clarity * 10
        + d.ats_readability * 15;
    (total + 50) / 100
}

fn opens_with_duty(line: &str) -> bool {
    let lower = line.to_lowercase();
    DUTY_OPENINGS.iter().any(|d| lower.starts_with(d))
}

/// `part` of `whole` as 0–100; nothing asked is all met.
fn share(part: usize, whole: usize) -> u32 {
    if whole == 0 {
        return 100;
    }
    ((part.min(whole) * 100 + whole / 2) / whole) as u32
}

fn strengths(d: &DimensionScores, keywords: &Keywords, language: Language) -> Vec<String> {
    let mut found = Vec::new();
    if !keywords.matched_must_have.is_empty() {
        let met = keywords.matched_must_have.join(", ");
        found.push(say(
            language,
            format!("Meets the job's core requirements: {met}."),
            format!("满足岗位的核心要求：{met}。"),
        ));
    }
    if d.quantified_impact >= 60 {
        found.push(say(
            language,
            "Achievements are backed by figures.".into(),
            "成果有数据支撑。".into(),
        ));
    }
    if d.structure >= 90 {
        found.push(say(
            language,
            "Complete structure: experience, education and skills are all there.".into(),
            "结构完整：工作经历、教育背景和技能齐全。".into(),
        ));
    }
    if d.ats_readability >= 75 {
        found.push(say(
            language,
            "Easy for applicant-tracking systems to read: contact details, dates and standard headings.".into(),
            "便于招聘系统识别：联系方式、日期和标准标题齐全。".into(),
        ));
    }
    found
}

fn weaknesses(d: &DimensionScores, keywords: &Keywords, language: Language) -> Vec<String> {
    let mut found = Vec::new();
    if !keywords.missing_must_have.is_empty() {
        let missing = keywords.missing_must_have.join(", ");
        found.push(say(
            language,
            format!("Falls short of what the job requires: {missing}."),
            format!("未满足岗位的要求：{missing}。"),
        ));
    }
    if d.quantified_impact < 40 {
        found.push(say(
            language,
            "Few achievements are quantified: numbers make impact credible.".into(),
            "成果缺少量化数据，难以体现影响力。".into(),
        ));
    }
    if d.structure < 80 {
        found.push(say(
            language,
            "Sections a reader expects are missing.".into(),
            "缺少招聘方期望看到的板块。".into(),
        ));
    }
    if d.ats_readability < 60 {
        found.push(say(
            language,
            "Applicant-tracking systems may miss contact details, dates or headings.".into(),
            "招聘系统可能无法识别联系方式、日期或标题。".into(),
        ));
    }
    if d.clarity < 60 {
        found.push(say(
            language,
            "Length or wording gets in the way: lines list duties rather than results.".into(),
            "篇幅或措辞欠佳：多在罗列职责而非成果。".into(),
        ));
    }
    found
}

fn suggestions(
    evidence: &Evidence,
    diagnosis: &ResumeDiagnosis,
    language: Language,
) -> Vec<Suggestion> {
    let mut found = Vec::new();
    let short = diagnosis
        .requirements
        .iter()
        .filter(|c| c.must_have && c.status != MET);
    for check in short.take(3) {
        let (asked, line) = (&check.label, &check.line);
        found.push(Suggestion {
            dimension: "requirements_match".into(),
            passage: check.evidence.clone().unwrap_or_default(),
            advice: say(
                language,
                format!("The job asks for {asked} (\"{line}\"). If you have it, say where and to what end; if not, name the closest experience you have."),
                format!("岗位要求 {asked}（“{line}”）。如有相关经验，请写明在哪里、做成了什么；如没有，写出最接近的经验。"),
            ),
            example_rewrite: say(
                language,
                format!("Used {asked} to <what you built or ran>, <result with a figure>."),
                format!("使用 {asked} <完成了什么>，<带数据的成果>。"),
            ),
        });
    }
    let unquantified = evidence
        .work_lines
        .iter()
        .filter(|l| !Evidence::quantified(l))
        .take(2);
    for line in unquantified {
        found.push(Suggestion {
            dimension: "quantified_impact".into(),
            passage: (*line).to_owned(),
            advice: say(
                language,
                "Say how much: users, time saved, money, percentages. A figure makes the line an achievement.".into(),
                "写出量化结果：用户数、节省的时间、金额或百分比，让这一条成为成果。".into(),
            ),
            example_rewrite: say(
                language,
                format!("{}, cutting <metric> by <N>% for <N> users.", line.trim_end_matches('.')),
                format!("{}，使<指标>提升<N>%，覆盖<N>名用户。", line.trim_end_matches('。')),
            ),
        });
    }
    if let Some(line) = evidence.work_lines.iter().find(|l| opens_with_duty(l)) {
        found.push(Suggestion {
            dimension: "clarity".into(),
            passage: (*line).to_owned(),
            advice: say(
                language,
                "Open with an action verb and the result, not the duty.".into(),
                "以动词和成果开头，而不是职责。".into(),
            ),
            example_rewrite: say(
                language,
                format!("Led {}", strip_duty(line)),
                format!("主导{}", strip_duty(line)),
            ),
        });
    }
    for kind in EXPECTED.iter().filter(|k| !evidence.has_section(k)) {
        found.push(Suggestion {
            dimension: "structure".into(),
            passage: String::new(),
            advice: say(
                language,
                format!("Add a section for {kind}, under a standard heading."),
                format!("添加“{}”板块，使用标准标题。", section_name_zh(kind)),
            ),
            example_rewrite: say(
                language,
                section_name_en(kind).to_owned(),
                section_name_zh(kind).to_owned(),
            ),
        });
    }
    if evidence.parse.contact.emails.is_empty() || evidence.parse.contact.phones.is_empty() {
        found.push(Suggestion {
            dimension: "ats_readability".into(),
            passage: String::new(),
            advice: say(
                language,
                "Put your email address and phone number at the top, as plain text.".into(),
                "在顶部以纯文本写明邮箱和电话。".into(),
            ),
            example_rewrite: "name@example.com | +86 138 0000 0000".into(),
        });
    }
    found
}

fn strip_duty(line: &str) -> &str {
    let lower = line.to_lowercase();
    DUTY_OPENINGS
        .iter()
        .find(|d| lower.starts_with(*d))
        .and_then(|d| line.get(d.len()..))
        .unwrap_or(line)
        .trim()
}

fn section_name_en(kind: &str) -> &'static str {
    match kind {
        "experience" => "Work Experience",
        "education" => "Education",
        _ => "Skills",
    }
}

fn section_name_zh(kind: &str) -> &'static str {
    match kind {
        "experience" => "工作经历",
        "education" => "教育背景",
        _ => "专业技能",
    }
}

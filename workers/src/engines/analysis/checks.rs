//! Each requirement of the job against the resume: met, partly met or missing, with what
//! the resume shows — the line that names a skill, the years of the entries that use it,
//! the degree held.

use prepq_jobs::kinds::{Language, RequirementCheck};

use super::{
    degree::{self, Degree},
    evidence::Evidence,
    requirements::{Ask, Requirement, Requirements, Subject},
    say,
};
use crate::engines::parse::dates::Point;

pub const MET: &str = "met";
pub const PARTLY_MET: &str = "partly_met";
pub const MISSING: &str = "missing";

/// Every requirement checked, must-haves first.
pub fn check(
    requirements: &Requirements,
    evidence: &Evidence,
    language: Language,
    now: Point,
) -> Vec<RequirementCheck> {
    let musts = requirements.must_have.iter().map(|r| (r, true));
    let nices = requirements.nice_to_have.iter().map(|r| (r, false));
    musts
        .chain(nices)
        .map(|(requirement, must_have)| {
            let (status, shown) = meet(requirement, evidence, language, now);
            RequirementCheck {
                kind: kind(&requirement.ask).to_owned(),
                must_have,
                label: label(requirement, language),
                alternatives: requirement
                    .skills()
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                level: requirement.level.map(str::to_owned),
                years: match requirement.ask {
                    Ask::Years { years, .. } => Some(years),
                    _ => None,
                },
                status: status.to_owned(),
                evidence: shown,
                line: requirement.line.clone(),
            }
        })
        .collect()
}

fn kind(ask: &Ask) -> &'static str {
    match ask {
        Ask::Skill(_) => "skill",
        Ask::Years { .. } => "years",
        Ask::Degree { .. } => "degree",
    }
}

/// What is asked, named in the answer's language.
pub fn label(requirement: &Requirement, language: Language) -> String {
    match &requirement.ask {
        Ask::Skill(any_of) => any_of.join(" / "),
        Ask::Years { years, of } => match (language, of) {
            (Language::En, Some(Subject::Skill(skill))) => format!("{years}+ years of {skill}"),
            (Language::En, Some(Subject::Field(field))) => format!("{years}+ years in {field}"),
            (Language::En, None) => format!("{years}+ years of experience"),
            (Language::ZhCn, Some(Subject::Skill(skill))) => {
                format!("{years}年以上 {skill} 经验")
            }
            (Language::ZhCn, Some(Subject::Field(field))) => format!("{years}年以上{field}经验"),
            (Language::ZhCn, None) => format!("{years}年以上工作经验"),
        },
        Ask::Degree { level, fields } => {
            let level = level.name(language);
            match (language, fields.is_empty()) {
                (Language::En, true) => format!("{level} or higher"),
                (Language::En, false) => format!("{level} or higher in {}", fields.join(" or ")),
                (Language::ZhCn, true) => format!("{level}及以上学历"),
                (Language::ZhCn, false) => format!("{level}及以上学历（{}）", fields.join("/")),
            }
        }
    }
}

/// How the resume meets one requirement, and what it shows for it.
fn meet(
    requirement: &Requirement,
    evidence: &Evidence,
    language: Language,
    now: Point,
) -> (&'static str, Option<String>) {
    match &requirement.ask {
        Ask::Skill(any_of) => any_of
            .iter()
            .find(|skill| evidence.has_skill(skill))
            .map_or((MISSING, None), |skill| {
                let line = evidence.line_naming(skill).unwrap_or(skill);
                (MET, Some(line.to_owned()))
            }),
        Ask::Years { years, of } => {
            let (held, entries) = match of {
                Some(Subject::Skill(skill)) => evidence.years_with(skill, now),
                Some(Subject::Field(field)) => evidence.years_in(field, now),
                None => (evidence.parse.years_of_experience, Vec::new()),
            };
            let status = if held >= *years {
                MET
            } else if held > 0.0 {
                PARTLY_MET
            } else {
                MISSING
            };
            let shown = (held > 0.0).then(|| {
                let across = entries.join("; ");
                match (language, across.is_empty()) {
                    (Language::En, true) => format!("{held} years of dated work entries"),
                    (Language::En, false) => format!("{held} years ({across})"),
                    (Language::ZhCn, true) => format!("工作经历共 {held} 年"),
                    (Language::ZhCn, false) => format!("{held} 年（{across}）"),
                }
            });
            (status, shown)
        }
        Ask::Degree { level, fields } => {
            let held = evidence
                .parse
                .education
                .iter()
                .filter_map(|e| e.degree.as_deref())
                .filter_map(|text| Some((Degree::held(text)?, text)))
                .max_by_key(|(degree, _)| *degree);
            let Some((held, text)) = held else {
                return (MISSING, None);
            };
            let (status, shown) = match (held >= *level, degree::field_matches(fields, text)) {
                (true, true) => (MET, text.to_owned()),
                (true, false) => (
                    PARTLY_MET,
                    say(
                        language,
                        format!("{text}: the level, in another field"),
                        format!("{text}：学历达到，专业不同"),
                    ),
                ),
                (false, _) => (
                    PARTLY_MET,
                    say(
                        language,
                        format!("{text}: below the level asked"),
                        format!("{text}：学历低于要求"),
                    ),
                ),
            };
            (status, Some(shown))
        }
    }
}

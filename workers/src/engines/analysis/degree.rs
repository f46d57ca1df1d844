//! Degrees, in English and Chinese: the level and fields a job asks for, the level a
//! resume's education holds, and whether its field is one the job names.

use std::sync::LazyLock;

use prepq_jobs::kinds::Language;
use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Degree {
    Associate,
    Bachelor,
    Master,
    Doctorate,
}

/// Each level's words; those of a job must be unmistakable ("mastery" is no master's).
static LEVELS: LazyLock<Vec<(Degree, Regex)>> = LazyLock::new(|| {
    [
        (
            Degree::Doctorate,
            r"(?i)\bph\.?\s?d\b|\bdoctora(?:te|l)\b|博士",
        ),
        (
            Degree::Master,
            r"(?i)\bmaster'?s\b|\bmasters?\s+(?:degree|of)\b|\bm\.\s?sc?\b|\bmsc\b|\bm\.?eng\b|\bm\.?\s?tech\b|\bmba\b|硕士|研究生",
        ),
        (
            Degree::Bachelor,
            r"(?i)\bbachelor'?s?\b|\bb\.\s?sc?\b|\bbsc\b|\bb\.?a\.|\bb\.?eng\b|\bb\.?\s?tech\b|\bb\.e\.|\bundergraduate\b|本科|学士",
        ),
        (
            Degree::Associate,
            r"(?i)\bassociate'?s?\s+degree\b|大专|专科",
        ),
    ]
    .into_iter()
    .map(|(degree, pattern)| (degree, Regex::new(pattern).expect("degree pattern")))
    .collect()
});

/// A degree asked without its level: "a degree in …", "学历".
static ANY_DEGREE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bdegree\b|学历|学位").expect("degree word"));

/// The field after the degree: "degree in Computer Science, Engineering, or a related field".
static FIELD_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:degree|bachelor'?s?|master'?s?|ph\.?d|b\.?sc?|m\.?sc?)\b\s+(?:degree\s+)?(?:in|of)\s+([^.;:()]+)")
        .expect("field pattern")
});

/// 计算机相关专业, 计算机、软件工程等专业.
static FIELD_ZH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([\p{Han}A-Za-z、/]{2,20}?)(?:等)?(?:相关)?专业").expect("field pattern")
});

/// Fields that are one for our purpose, in the words people write them.
const KINDRED_FIELDS: &[&[&str]] = &[
    &[
        "computer science",
        "computing",
        "cs",
        "software",
        "informatics",
        "计算机",
        "软件",
    ],
    &["electrical", "electronic", "ee", "电子", "电气", "通信"],
    &["mathematics", "math", "statistics", "数学", "统计"],
    &["business", "management", "mba", "管理", "商科"],
];

impl Degree {
    /// The degree a job's clause asks for: its lowest level named (higher ones are the
    /// "preferred"), a bachelor's when only "a degree"; and the fields it names.
    pub fn asked(clause: &str) -> Option<(Self, Vec<String>)> {
        let named = LEVELS
            .iter()
            .filter(|(_, words)| words.is_match(clause))
            .map(|(degree, _)| *degree)
            .min();
        let level = named.or_else(|| ANY_DEGREE.is_match(clause).then_some(Self::Bachelor))?;
        Some((level, fields(clause)))
    }

    /// The highest level a resume's degree text names.
    pub fn held(text: &str) -> Option<Self> {
        LEVELS
            .iter()
            .filter(|(_, words)| words.is_match(text))
            .map(|(degree, _)| *degree)
            .max()
    }

    pub fn name(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Associate, Language::En) => "an associate degree",
            (Self::Bachelor, Language::En) => "a bachelor's degree",
            (Self::Master, Language::En) => "a master's degree",
            (Self::Doctorate, Language::En) => "a doctorate",
            (Self::Associate, Language::ZhCn) => "大专",
            (Self::Bachelor, Language::ZhCn) => "本科",
            (Self::Master, Language::ZhCn) => "硕士",
            (Self::Doctorate, Language::ZhCn) => "博士",
        }
    }
}

fn fields(clause: &str) -> Vec<String> {
    let named = FIELD_EN
        .captures(clause)
        .or_else(|| FIELD_ZH.captures(clause))
        .map(|c| c[1].to_owned())
        .unwrap_or_default();
    named
        .split([',', '，', '、', '/'])
        .flat_map(|part| part.split(" or "))
        .flat_map(|part| part.split(" and "))
        .map(|part| {
            part.trim()
                .trim_start_matches("or ")
                .trim_start_matches("a ")
                .trim()
        })
        .filter(|part| {
            let lower = part.to_lowercase();
            !part.is_empty()
                && !["related", "equivalent", "similar", "relevant", "other"]
                    .iter()
                    .any(|w| lower.contains(w))
        })
        .map(str::to_owned)
        .collect()
}

/// Whether a resume's degree text is in one of the fields asked (any, when none are).
pub fn field_matches(asked: &[String], degree_text: &str) -> bool {
    if asked.is_empty() {
        return true;
    }
    let held = degree_text.to_lowercase();
    let has = |text: &str, word: &str| {
        if word.is_ascii() {
            text.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == word)
                || (word.contains(' ') && text.contains(word))
        } else {
            text.contains(word)
        }
    };
    asked.iter().any(|field| {
        let field = field.to_lowercase();
        held.contains(&field)
            || KINDRED_FIELDS
                .iter()
                .any(|kin| kin.iter().any(|w| has(&field, w)) && kin.iter().any(|w| has(&held, w)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lowest_level_named_is_the_one_asked() {
        assert_eq!(
            Degree::asked("Bachelor's degree in Computer Science (master's preferred)"),
            Some((Degree::Bachelor, vec!["Computer Science".to_owned()]))
        );
        assert_eq!(
            Degree::asked("Degree in Computer Science, Engineering, or a related field."),
            Some((
                Degree::Bachelor,
                vec!["Computer Science".to_owned(), "Engineering".to_owned()]
            ))
        );
        assert_eq!(
            Degree::asked("本科及以上学历，计算机相关专业"),
            Some((Degree::Bachelor, vec!["计算机".to_owned()]))
        );
        assert_eq!(Degree::asked("mastery of distributed systems"), None);
    }

    #[test]
    fn a_resume_holds_its_highest_level_and_fields_match_by_kin() {
        assert_eq!(
            Degree::held("M.Sc. Electrical Engineering"),
            Some(Degree::Master)
        );
        assert_eq!(Degree::held("计算机科学与技术 硕士"), Some(Degree::Master));
        let cs = ["CS".to_owned()];
        assert!(field_matches(&cs, "B.Sc. Computer Science"));
        assert!(!field_matches(&cs, "M.Sc. Electrical Engineering"));
        assert!(field_matches(&["计算机".to_owned()], "软件工程 本科"));
    }
}

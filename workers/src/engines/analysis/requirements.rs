//! What a job description asks for, as requirements rather than words: a skill (met by any
//! of its alternatives: "Python, Ruby or Java", "React/Vue/Angular", "languages such as
//! Python, Ruby and Java"), years of experience (in a skill when the line names one, else in
//! the field it names: "in web development", "后端开发经验"), or a degree (level and field). Each is a
//! must-have or a nice-to-have — by its line's words ("preferred", "加分") or the heading it
//! sits under ("Nice to have", "任职要求") — with the level words of its line (精通, "expert").
//! Tokens inside URLs, e-mail addresses and file names are never skills.

use std::sync::LazyLock;

use prepq_postings::REQUIREMENT_HEADINGS;
use prepq_text::skills;
use regex::Regex;

use super::degree::Degree;

/// The job's requirements, must-haves first, each with the line of the job text that asks
/// for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Requirements {
    pub must_have: Vec<Requirement>,
    pub nice_to_have: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub ask: Ask,
    /// `expert`, `proficient` or `familiar`, when the line says.
    pub level: Option<&'static str>,
    /// The line that asks for it, as written.
    pub line: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    /// Any of these skills (vocabulary spelling) meets it.
    Skill(Vec<&'static str>),
    /// This many years of experience, in general or in what the line names.
    Years { years: f64, of: Option<Subject> },
    /// A degree of at least this level, in one of these fields (any field when empty).
    Degree { level: Degree, fields: Vec<String> },
}

/// What years of experience are asked in.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// A vocabulary skill (`5+ years of Go`).
    Skill(&'static str),
    /// A field the vocabulary does not name, as written (`web development`, `后端开发`).
    Field(String),
}

impl Requirement {
    /// The skills that meet it; empty for years in general and degrees.
    pub fn skills(&self) -> &[&'static str] {
        match &self.ask {
            Ask::Skill(any_of) => any_of,
            Ask::Years {
                of: Some(Subject::Skill(skill)),
                ..
            } => std::slice::from_ref(skill),
            _ => &[],
        }
    }
}

const NICE_WORDS: &[&str] = &[
    "nice to have",
    "nice-to-have",
    "preferred",
    "a plus",
    "is a plus",
    "bonus",
    "desirable",
    "optional",
    "优先",
    "加分",
    "更佳",
    "者佳",
];

/// Level words, strongest first.
const LEVELS: &[(&str, &[&str])] = &[
    (
        "expert",
        &[
            "expert",
            "deep knowledge",
            "in-depth",
            "mastery",
            "精通",
            "深入理解",
            "深刻理解",
        ],
    ),
    (
        "proficient",
        &["proficien", "strong", "solid", "熟练", "熟悉", "掌握"],
    ),
    (
        "familiar",
        &["familiar", "knowledge of", "exposure", "了解", "接触过"],
    ),
];

/// Any level word, to find where each stands in a clause.
static LEVEL_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    let words: Vec<String> = LEVELS
        .iter()
        .flat_map(|(_, words)| words.iter().map(|w| regex::escape(w)))
        .collect();
    Regex::new(&format!("(?i){}", words.join("|"))).expect("level words")
});

/// The level of what stands at `at` in `clause`: the last level word before it, else the
/// clause's first ("精通 Java，熟悉 MySQL": Java expert, MySQL proficient).
fn level_at(clause: &str, at: usize) -> Option<&'static str> {
    let words: Vec<regex::Match> = LEVEL_WORDS.find_iter(clause).collect();
    let word = words
        .iter()
        .rev()
        .find(|w| w.start() < at)
        .or(words.first())?
        .as_str()
        .to_lowercase();
    LEVELS
        .iter()
        .find(|(_, words)| words.iter().any(|w| word.starts_with(w)))
        .map(|(level, _)| *level)
}

/// Years asked: `4+ years`, `3-5 years`, `at least 2 years`, `3年以上`, `五年`.
static YEARS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\d+(?:\.\d+)?|[一二三四五六七八九十两]+)\s*\+?\s*(?:[-–~到至]\s*\d+\s*)?(?:\+\s*)?(?:years?|yrs?|年)")
        .expect("years pattern")
});

/// The field of a years ask that names no skill: `5+ years of experience in web
/// development`, `3年以上后端开发经验`.
static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:years?|yrs?)\s+(?:of\s+)?(?:(?:professional|relevant|hands-on|industry|work|proven)\s+)*(?:experience\s+)?(?:in|of|with|as)\s+(?:an?\s+|the\s+)?([a-z][a-z -]{2,40}?)(?:\s+(?:experience|roles?|positions?))?\s*(?:[.,;:(]|$|\s(?:and|or|with|at|for|using|is|are)\s)|年(?:以上|及以上)?的?([\p{Han}A-Za-z]{2,12}?)(?:工作)?经验",
    )
    .expect("field pattern")
});

/// Words of a field that say nothing of which one it is.
const PLAIN_FIELD_WORDS: &[&str] = &[
    "experience",
    "work",
    "professional",
    "relevant",
    "相关",
    "工作",
];

/// Words that join alternatives; a list joined only by commas is several asks.
static OR_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|[\s,，(（])(?:or|either|或者?|或是)(?:$|[\s,，)）])|/|\||any of|one of|之一",
    )
    .expect("or pattern")
});

/// Words that make the list after them examples of one kind, any of which meets it:
/// "languages such as Python, Ruby, and Java", "a framework (React, Vue)", "toolkits, such
/// as R, Weka, NumPy" (the vocabulary may not know the first few examples).
static EXAMPLES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i){EXAMPLE_WORDS}[\s:：,，]*(?:[^\s,，、;；]{{1,20}}[,，、]\s*){{0,3}}$"
    ))
    .expect("examples pattern")
});

/// A vocabulary category named before its examples: "NoSQL databases, such as MongoDB,
/// HBase" is one ask that NoSQL or any example meets, not a NoSQL ask beside it.
static CATEGORY_GAP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^[\s\p{{L}}-]{{0,30}}?[,，]?\s*{EXAMPLE_WORDS}[\s:：,，]*$"
    ))
    .expect("category gap pattern")
});

const EXAMPLE_WORDS: &str =
    r"(?:\bsuch as|\be\.g\.?|\bfor (?:example|instance)|\bincluding|\blike|例如|比如|诸如|[(（])";

/// What may stand between two skills of one list: separators, `or`/`and`, `.js`.
static LIST_GAP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:\s|[,，、/|]|\.js|or|and|either|或者?|或是|和|及|与|以及|&)*$")
        .expect("gap pattern")
});

impl Requirements {
    pub fn of(description: &str) -> Self {
        let mut requirements = Self::default();
        let mut under_nice_heading = false;
        for line in description.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let lower = line.to_lowercase();
            let nice_words = NICE_WORDS.iter().any(|w| lower.contains(w));
            let asks = asks_of(line);
            if asks.is_empty() && is_heading(line) {
                under_nice_heading = nice_words
                    || (under_nice_heading
                        && !REQUIREMENT_HEADINGS.iter().any(|h| lower.contains(h)));
                continue;
            }
            for (ask, level, clause_nice) in asks {
                let requirement = Requirement {
                    ask,
                    level,
                    line: line.to_owned(),
                };
                requirements.add(requirement, clause_nice || under_nice_heading);
            }
        }
        requirements
    }

    /// Adds a requirement unless one like it is known; a must-have replaces a nice-to-have,
    /// and years in something replace as many years in general.
    fn add(&mut self, requirement: Requirement, nice: bool) {
        let same = |r: &Requirement| same_ask(&r.ask, &requirement.ask);
        let list = if nice {
            &mut self.nice_to_have
        } else {
            &mut self.must_have
        };
        if let Some(known) = list.iter_mut().find(|r| same(r)) {
            if general_years(&known.ask) && !general_years(&requirement.ask) {
                *known = requirement;
            }
            return;
        }
        if self.must_have.iter().any(same) {
            return;
        }
        if nice {
            self.nice_to_have.push(requirement);
        } else {
            self.nice_to_have.retain(|r| !same(r));
            self.must_have.push(requirement);
        }
    }
}

fn general_years(ask: &Ask) -> bool {
    matches!(ask, Ask::Years { of: None, .. })
}

/// Two asks are one when they name the same skills, the same degree, or years in the same
/// skill; years in a field or in general are one ask with as many years in anything but a
/// skill (a posting says "5+ years" in its title and "5+ years in web development" below).
fn same_ask(a: &Ask, b: &Ask) -> bool {
    match (a, b) {
        (Ask::Skill(x), Ask::Skill(y)) => x == y || (x.len() == 1 && y.len() == 1 && x[0] == y[0]),
        (Ask::Years { years: n, of: x }, Ask::Years { years: m, of: y }) => {
            x == y
                || (n == m
                    && !matches!(x, Some(Subject::Skill(_)))
                    && !matches!(y, Some(Subject::Skill(_))))
        }
        (Ask::Degree { .. }, Ask::Degree { .. }) => true,
        _ => false,
    }
}

/// The asks of one line, clause by clause, each with its level and whether its own words
/// make it a nice-to-have.
fn asks_of(line: &str) -> Vec<(Ask, Option<&'static str>, bool)> {
    let mut asks = Vec::new();
    for clause in line
        .split([';', '；', '。'])
        .filter(|c| !c.trim().is_empty())
    {
        let lower = clause.to_lowercase();
        let nice = NICE_WORDS.iter().any(|w| lower.contains(w));
        let mentions = skills::locate(clause);
        if let Some(years) = years_in(clause) {
            let of = match mentions.first() {
                Some(mention) => Some(Subject::Skill(mention.skill)),
                None => field_in(clause).map(Subject::Field),
            };
            asks.push((Ask::Years { years, of }, level_at(clause, 0), nice));
        }
        if let Some((level, fields)) = Degree::asked(clause) {
            asks.push((Ask::Degree { level, fields }, None, nice));
        }
        for (at, any_of) in alternatives(clause, &mentions) {
            asks.push((Ask::Skill(any_of), level_at(clause, at), nice));
        }
    }
    asks
}

/// The skill mentions of a clause grouped into asks: a list whose joins include an `or`
/// (or a slash) is one ask met by any of them; other mentions are one ask each.
fn alternatives(clause: &str, mentions: &[skills::Located]) -> Vec<(usize, Vec<&'static str>)> {
    type Asks = Vec<(usize, Vec<&'static str>)>;
    let mut asks: Asks = Vec::new();
    let mut run: Vec<&skills::Located> = Vec::new();
    let mut category = false;
    let flush = |run: &mut Vec<&skills::Located>, category: &mut bool, asks: &mut Asks| {
        let Some(first) = run.first() else {
            return;
        };
        let last = run[run.len() - 1];
        let joined = &clause[first.end.min(last.start)..last.start];
        let examples = *category || EXAMPLES.is_match(&clause[..first.start]);
        *category = false;
        if run.len() > 1 && (examples || OR_WORDS.is_match(joined)) {
            let mut any_of: Vec<&'static str> = run.iter().map(|m| m.skill).collect();
            any_of.dedup();
            asks.push((first.start, any_of));
        } else {
            asks.extend(run.iter().map(|m| (m.start, vec![m.skill])));
        }
        run.clear();
    };
    for mention in mentions {
        if let Some(previous) = run.last() {
            let gap = clause.get(previous.end..mention.start).unwrap_or("");
            if run.len() == 1 && CATEGORY_GAP.is_match(gap) {
                category = true;
            } else if !LIST_GAP.is_match(gap) {
                flush(&mut run, &mut category, &mut asks);
            }
        }
        run.push(mention);
    }
    flush(&mut run, &mut category, &mut asks);
    let mut unique: Asks = Vec::new();
    for ask in asks {
        if !unique.iter().any(|(_, known)| *known == ask.1) {
            unique.push(ask);
        }
    }
    unique
}

/// The field a years ask names when it names no skill: a noun phrase, without the verb
/// before it ("developing web applications" → `web applications`); none where the line
/// breaks off in the middle of it ("developing scalable and").
fn field_in(clause: &str) -> Option<String> {
    let found = FIELD.captures(clause)?;
    let field = found.get(1).or(found.get(2))?.as_str().trim();
    let words: Vec<&str> = field.split_whitespace().collect();
    let (last, _) = words.split_last()?;
    if [
        "and", "or", "with", "to", "of", "in", "for", "the", "a", "an",
    ]
    .contains(last)
    {
        return None;
    }
    let field = match words.split_first() {
        Some((verb, rest)) if verb.ends_with("ing") && !rest.is_empty() => rest.join(" "),
        _ => field.to_owned(),
    };
    (!PLAIN_FIELD_WORDS.contains(&field.to_lowercase().as_str())).then_some(field)
}

/// The years a clause asks for, if it asks for some.
fn years_in(clause: &str) -> Option<f64> {
    let found = YEARS.captures(clause)?;
    let figure = &found[1];
    let years = figure
        .parse::<f64>()
        .ok()
        .or_else(|| chinese_number(figure))?;
    (years > 0.0 && years <= 40.0).then_some(years)
}

fn chinese_number(text: &str) -> Option<f64> {
    let digit = |c: char| "零一二三四五六七八九".find(c).map(|i| (i / 3) as f64);
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['两'] => Some(2.0),
        ['十'] => Some(10.0),
        ['十', units] => Some(10.0 + digit(*units)?),
        [tens, '十'] => Some(digit(*tens)? * 10.0),
        [tens, '十', units] => Some(digit(*tens)? * 10.0 + digit(*units)?),
        [one] => digit(*one),
        _ => None,
    }
}

/// A short line ending in a colon, or a short line without sentence punctuation.
fn is_heading(line: &str) -> bool {
    let chars = line.chars().count();
    let trimmed = line.trim_end_matches([':', '：']);
    chars <= 40 && (trimmed.len() < line.len() || !line.contains(['.', '。', ',', '，', ';', '；']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skills(list: &[Requirement]) -> Vec<Vec<&str>> {
        list.iter()
            .filter(|r| matches!(r.ask, Ask::Skill(_)))
            .map(|r| r.skills().to_vec())
            .collect()
    }

    #[test]
    fn headings_and_words_tell_musts_from_nice_to_haves() {
        let job = "Backend Engineer\n\nRequirements:\n- 3+ years of Go in production\n\
                   - Kubernetes and Docker\n- Experience with Redis is a plus\n\n\
                   Nice to have:\n- Rust\n- Docker in CI";
        let found = Requirements::of(job);
        assert_eq!(
            skills(&found.must_have),
            [["Go"], ["Kubernetes"], ["Docker"]]
        );
        assert_eq!(skills(&found.nice_to_have), [["Redis"], ["Rust"]]);
        assert_eq!(
            found.must_have[0].ask,
            Ask::Years {
                years: 3.0,
                of: Some(Subject::Skill("Go"))
            }
        );
        assert_eq!(found.must_have[0].line, "- 3+ years of Go in production");
    }

    #[test]
    fn a_list_joined_by_or_is_one_requirement() {
        let job = "Requirements:\n- Python, Ruby, Java, PHP or .Net\n- React/Vue/Angular\n\
                   - HTML, CSS and JavaScript\n- Docker and orchestration with Kubernetes or ECS";
        let found = Requirements::of(job);
        assert_eq!(
            skills(&found.must_have),
            [
                vec!["Python", "Ruby", "Java", "PHP", ".NET"],
                vec!["React", "Vue.js", "Angular"],
                vec!["HTML"],
                vec!["CSS"],
                vec!["JavaScript"],
                vec!["Docker"],
                vec!["Kubernetes", "ECS"],
            ]
        );
    }

    #[test]
    fn addresses_and_file_names_are_not_skills() {
        let job = "Requirements:\n- Apply at https://jobs.example.com/backend/job.html\n\
                   - Send your CV to hr@golang.example.org\n- Rust";
        let found = Requirements::of(job);
        assert_eq!(skills(&found.must_have), [["Rust"]]);
    }

    #[test]
    fn chinese_postings_are_read_the_same_way() {
        let job = "岗位要求：\n1. 本科及以上学历，计算机相关专业\n2. 3年以上后端开发经验\n\
                   3. 精通 Java，熟悉 MySQL 和 Redis\n4. 有 Kubernetes 经验者优先\n加分项\n机器学习";
        let found = Requirements::of(job);
        assert_eq!(
            found.must_have[0].ask,
            Ask::Degree {
                level: Degree::Bachelor,
                fields: vec!["计算机".to_owned()]
            }
        );
        assert_eq!(
            found.must_have[1].ask,
            Ask::Years {
                years: 3.0,
                of: Some(Subject::Field("后端开发".to_owned()))
            }
        );
        assert_eq!(skills(&found.must_have), [["Java"], ["MySQL"], ["Redis"]]);
        assert_eq!(found.must_have[2].level, Some("expert"));
        assert_eq!(found.must_have[3].level, Some("proficient"));
        assert_eq!(
            skills(&found.nice_to_have),
            [["Kubernetes"], ["Machine Learning"]]
        );
    }

    #[test]
    fn a_list_of_examples_is_one_requirement_met_by_any() {
        let job = "Requirements\n\
                   - Proficiency with server-side languages such as Python, Ruby, Java, PHP, and .Net.\n\
                   - Experience with at least one web framework (JSF, Spring MVC).\n\
                   - Kubernetes and Docker";
        let found = Requirements::of(job);
        assert_eq!(
            skills(&found.must_have),
            [
                vec!["Python", "Ruby", "Java", "PHP", ".NET"],
                vec!["JSF", "Spring"],
                vec!["Kubernetes"],
                vec!["Docker"]
            ]
        );
    }

    #[test]
    fn a_category_before_its_examples_is_one_requirement_with_them() {
        let job = "Requirements\n\
                   - Experience with NoSQL databases, such as MongoDB, Redis\n\
                   - Experience with common data science toolkits, such as R, Weka, NumPy, OpenCV, MatLab, etc.\n\
                   - Kubernetes and Docker";
        let found = Requirements::of(job);
        assert_eq!(
            skills(&found.must_have),
            [
                vec!["NoSQL", "MongoDB", "Redis"],
                vec!["Weka", "NumPy", "OpenCV", "MATLAB"],
                vec!["Kubernetes"],
                vec!["Docker"]
            ]
        );
    }

    #[test]
    fn years_in_a_field_no_skill_names_keep_the_field() {
        let found = Requirements::of(
            "- 5+ years of experience in web development.\n- 3 years of experience.",
        );
        assert_eq!(
            found.must_have[0].ask,
            Ask::Years {
                years: 5.0,
                of: Some(Subject::Field("web development".to_owned()))
            }
        );
        assert_eq!(
            found.must_have[1].ask,
            Ask::Years {
                years: 3.0,
                of: None
            }
        );
    }
}

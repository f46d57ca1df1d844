//! The builtin question prediction: templates from the shipped bank
//! (`workers/data/question_templates.tsv`) filled from the gaps between resume and job
//! first, then the candidate's own projects and jobs, then the behavioural and situational
//! questions every interview has. Near-duplicates are dropped.

use std::{collections::HashSet, sync::LazyLock};

use prepq_jobs::kinds::{Language, Question, QuestionSet};

use super::{
    Input,
    evidence::Evidence,
    requirements::{Ask, Requirements},
    say,
};

struct Template {
    language: &'static str,
    category: &'static str,
    trigger: &'static str,
    difficulty: &'static str,
    question: &'static str,
    key_points: Vec<&'static str>,
}

static BANK: LazyLock<Vec<Template>> = LazyLock::new(|| {
    include_str!("../../../data/question_templates.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let mut fields = line.split('\t');
            Some(Template {
                language: fields.next()?,
                category: fields.next()?,
                trigger: fields.next()?,
                difficulty: fields.next()?,
                question: fields.next()?,
                key_points: fields.next()?.split(" | ").collect(),
            })
        })
        .collect()
});

/// Two questions this alike (character-bigram Jaccard) say the same thing.
pub(super) const NEAR_DUPLICATE: f64 = 0.6;

/// A question waiting for a template: what triggers it and what fills it.
struct Prompt {
    trigger: &'static str,
    skill: String,
    line: String,
    heading: String,
    why: String,
}

pub fn predict(input: &Input, count: usize) -> QuestionSet {
    let evidence = Evidence::of(&input.resume_text, &input.parse);
    let requirements = Requirements::of(&input.target.description);
    let language = input.language;
    let title = input
        .target
        .title
        .clone()
        .unwrap_or_else(|| say(language, "this role".into(), "这个岗位".into()));
    let prompts = prompts(&evidence, &requirements, language);
    let mut questions: Vec<Question> = Vec::new();
    // Neighbouring prompts of one trigger take different templates, and each further round
    // the next one, so that a long list of gaps does not repeat one wording.
    for round in 0..3 {
        for (i, prompt) in prompts.iter().enumerate() {
            if questions.len() >= count {
                break;
            }
            let templates: Vec<&Template> = BANK
                .iter()
                .filter(|t| t.language == language.as_str() && t.trigger == prompt.trigger)
                .collect();
            if templates.is_empty() {
                continue;
            }
            let template = templates[(i + round) % templates.len()];
            let fill = |text: &str| {
                text.replace("{skill}", &prompt.skill)
                    .replace("{line}", &prompt.line)
                    .replace("{heading}", &prompt.heading)
                    .replace("{title}", &title)
            };
            let question = fill(template.question);
            if questions
                .iter()
                .any(|q| similar(&q.question, &question) >= NEAR_DUPLICATE)
            {
                continue;
            }
            questions.push(Question {
                category: template.category.to_owned(),
                difficulty: template.difficulty.to_owned(),
                question,
                why: prompt.why.clone(),
                key_points: template.key_points.iter().map(|p| fill(p)).collect(),
            });
        }
    }
    QuestionSet {
        language: language.as_str().to_owned(),
        questions,
        engine: Default::default(),
    }
}

/// What to ask about, most telling first: the job's must-haves the resume lacks, the
/// candidate's projects, the must-haves they have, their jobs, then the usual questions.
fn prompts(evidence: &Evidence, requirements: &Requirements, language: Language) -> Vec<Prompt> {
    let mut prompts = Vec::new();
    let prompt = |trigger, skill: &str, line: &str, heading: &str, why: String| Prompt {
        trigger,
        skill: skill.to_owned(),
        line: line.to_owned(),
        heading: heading.to_owned(),
        why,
    };
    // Skills asked for, each named by its alternatives (`Python / Ruby`).
    let asked = requirements
        .must_have
        .iter()
        .chain(&requirements.nice_to_have)
        .filter(|r| matches!(r.ask, Ask::Skill(_)))
        .map(|r| (r.skills().join(" / "), r));
    let (missing, matched): (Vec<_>, Vec<_>) =
        asked.partition(|(_, r)| !r.skills().iter().any(|s| evidence.has_skill(s)));
    for (skill, r) in &missing {
        prompts.push(prompt(
            "missing_skill",
            skill,
            "",
            "",
            say(
                language,
                format!(
                    "The job asks for {skill} (\"{}\"); the resume does not mention it.",
                    r.line
                ),
                format!("岗位要求 {skill}（“{}”），简历中没有提到。", r.line),
            ),
        ));
    }
    let mut projects: Vec<&str> = evidence.project_lines.clone();
    // Lines with figures first: they are the claims an interviewer checks.
    projects.sort_by_key(|l| !Evidence::quantified(l));
    for line in projects.iter().take(3) {
        prompts.push(prompt(
            "project",
            "",
            line,
            "",
            say(
                language,
                format!("Your resume says: \"{line}\"."),
                format!("简历中写道：“{line}”。"),
            ),
        ));
    }
    for (skill, r) in &matched {
        prompts.push(prompt(
            "matched_skill",
            skill,
            "",
            "",
            say(
                language,
                format!(
                    "The job asks for {skill} (\"{}\") and your resume lists it.",
                    r.line
                ),
                format!("岗位要求 {skill}（“{}”），你的简历中有这项技能。", r.line),
            ),
        ));
    }
    for job in evidence.parse.experience.iter().take(2) {
        prompts.push(prompt(
            "experience",
            "",
            "",
            &job.heading,
            say(
                language,
                format!("Your resume lists \"{}\".", job.heading),
                format!("简历中列有“{}”。", job.heading),
            ),
        ));
    }
    let focus = requirements
        .must_have
        .iter()
        .find_map(|r| r.skills().first())
        .map_or_else(
            || say(language, "your main stack".into(), "你的主要技术栈".into()),
            |skill| (*skill).to_owned(),
        );
    let usual = say(
        language,
        "Asked in almost every interview for this kind of role.".into(),
        "这类岗位几乎每场面试都会问到。".into(),
    );
    for trigger in [
        "background",
        "behavioural",
        "situational",
        "behavioural",
        "situational",
    ] {
        prompts.push(prompt(trigger, &focus, "", "", usual.clone()));
    }
    prompts
}

/// Jaccard similarity of the two texts' character bigrams.
pub(super) fn similar(a: &str, b: &str) -> f64 {
    let bigrams = |s: &str| -> HashSet<(char, char)> {
        let chars: Vec<char> = s
            .to_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (a, b) = (bigrams(a), bigrams(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

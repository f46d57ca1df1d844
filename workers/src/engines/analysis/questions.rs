//! The builtin question prediction: templates from the shipped bank
//! (`workers/data/question_templates.tsv`) filled from the gaps between resume and job
//! first, then the candidate's own projects and jobs, then the behavioural and situational
//! questions every interview has. Near-duplicates are dropped.

use std::{collections::HashSet, sync::LazyLock};

use prepq_jobs::kinds::{Language, Question, QuestionSet, RequirementCheck};

use super::{Input, checks, evidence::Evidence, say};

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
    let language = input.language;
    let title = input
        .target
        .title
        .clone()
        .unwrap_or_else(|| say(language, "this role".into(), "这个岗位".into()));
    let checked = super::diagnose::checked(input, &evidence);
    let prompts = prompts(&evidence, &checked, language);
    let mut questions: Vec<Question> = Vec::new();
    // No template twice in a set: a prompt takes the first of its trigger's templates not
    // used yet, and a further round gives prompts left without one another chance.
    let mut used: HashSet<usize> = HashSet::new();
    // The bigrams of each question kept, computed once.
    let mut asked: Vec<HashSet<(char, char)>> = Vec::new();
    for _round in 0..3 {
        for prompt in &prompts {
            if questions.len() >= count {
                break;
            }
            let Some((index, template)) = BANK.iter().enumerate().find(|(index, t)| {
                t.language == language.as_str()
                    && t.trigger == prompt.trigger
                    && !used.contains(index)
            }) else {
                continue;
            };
            let fill = |text: &str| {
                text.replace("{skill}", &prompt.skill)
                    .replace("{line}", &prompt.line)
                    .replace("{heading}", &prompt.heading)
                    .replace("{title}", &title)
            };
            let question = fill(template.question);
            let shape = bigrams(&question);
            if asked
                .iter()
                .any(|earlier| jaccard(earlier, &shape) >= NEAR_DUPLICATE)
            {
                continue;
            }
            asked.push(shape);
            used.insert(index);
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

/// What to ask about, most telling first: every must-have the resume falls short of, the
/// candidate's projects, the nice-to-haves it lacks, the skills it has, its jobs, then the
/// usual questions.
fn prompts(evidence: &Evidence, checked: &[RequirementCheck], language: Language) -> Vec<Prompt> {
    let mut prompts = Vec::new();
    let prompt = |trigger, skill: &str, line: &str, heading: &str, why: String| Prompt {
        trigger,
        skill: skill.to_owned(),
        line: line.to_owned(),
        heading: heading.to_owned(),
        why,
    };
    let gap = |check: &RequirementCheck| {
        let (asked, line) = (&check.label, &check.line);
        let why = say(
            language,
            format!("The job asks for {asked} (\"{line}\"); the resume does not show it in full."),
            format!("岗位要求 {asked}（“{line}”），简历中没有充分体现。"),
        );
        if check.kind == "skill" {
            prompt("missing_skill", asked, "", "", why)
        } else {
            let shown = check
                .evidence
                .clone()
                .unwrap_or_else(|| say(language, "nothing of it".into(), "没有相关内容".into()));
            prompt("missing_requirement", asked, &shown, "", why)
        }
    };
    let short = |must: bool| {
        checked
            .iter()
            .filter(move |c| c.must_have == must && c.status != checks::MET)
    };
    prompts.extend(short(true).map(gap));
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
    prompts.extend(short(false).map(gap));
    let matched = checked
        .iter()
        .filter(|c| c.kind == "skill" && c.status == checks::MET);
    for check in matched {
        let (skill, line) = (&check.label, &check.line);
        prompts.push(prompt(
            "matched_skill",
            skill,
            "",
            "",
            say(
                language,
                format!("The job asks for {skill} (\"{line}\") and your resume lists it."),
                format!("岗位要求 {skill}（“{line}”），你的简历中有这项技能。"),
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
    let focus = checked
        .iter()
        .filter(|c| c.must_have)
        .find_map(|c| c.alternatives.first())
        .map_or_else(
            || say(language, "your main stack".into(), "你的主要技术栈".into()),
            String::clone,
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
    jaccard(&bigrams(a), &bigrams(b))
}

/// The text's character bigrams, lower-cased, whitespace left out.
fn bigrams(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = text
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

fn jaccard(a: &HashSet<(char, char)>, b: &HashSet<(char, char)>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use prepq_jobs::kinds::Target;

    use super::*;
    use crate::engines::parse::{dates::Point, parse};

    const RESUME: &str = "Sam Park\nsam@example.com | 555 010 4455\n\nExperience\n\
        Backend Engineer, Beta Systems, Jan 2022 - Dec 2023\n\
        - Wrote Go services that handle 2 million requests a day\n\n\
        Skills\nGo, Linux\n";

    fn input(description: &str) -> Input {
        Input {
            resume_text: RESUME.to_owned(),
            parse: parse(
                RESUME,
                Point {
                    year: 2024,
                    month: Some(1),
                },
            ),
            target: Target {
                title: None,
                description: description.to_owned(),
            },
            language: Language::En,
        }
    }

    #[test]
    fn every_missing_must_have_is_asked_about_first_and_no_template_twice() {
        let job = "Requirements:\n- 5+ years of Go\n- Kubernetes\n- Kafka\n- Redis\n\
                   - Terraform\n- Docker\n- PostgreSQL";
        let set = predict(&input(job), 10);
        let first: Vec<&str> = set.questions[..7].iter().map(|q| q.why.as_str()).collect();
        for asked in [
            "5+ years of Go",
            "Kubernetes",
            "Kafka",
            "Redis",
            "Terraform",
            "Docker",
            "PostgreSQL",
        ] {
            assert!(
                first
                    .iter()
                    .any(|why| why.contains(&format!("asks for {asked} "))),
                "{asked} among the first questions: {first:#?}"
            );
        }
        let mut templates = HashSet::new();
        for question in &set.questions {
            let template = BANK
                .iter()
                .position(|t| {
                    let head = t.question.split('{').next().unwrap_or_default();
                    question.question.starts_with(head) && !head.is_empty()
                })
                .expect("a question from the bank");
            assert!(
                templates.insert(template),
                "template {template} twice: {set:#?}"
            );
        }
    }
}

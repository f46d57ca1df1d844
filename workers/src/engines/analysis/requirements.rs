//! What a job description asks for: its vocabulary skills, each a must-have or a
//! nice-to-have. A line says which by its words ("preferred", "加分") or by the heading it
//! sits under ("Nice to have", "任职要求"); a skill asked for anywhere as a must is a must.

use prepq_postings::REQUIREMENT_HEADINGS;
use prepq_text::skills;

/// The job's skills, must-haves first, each in the vocabulary's spelling, with the line of
/// the job text that asks for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Requirements {
    pub must_have: Vec<Requirement>,
    pub nice_to_have: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub skill: &'static str,
    /// The line that asks for it, as written.
    pub line: String,
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

impl Requirements {
    pub fn of(description: &str) -> Self {
        let mut requirements = Self::default();
        let mut under_nice_heading = false;
        for line in description.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let lower = line.to_lowercase();
            let nice_words = NICE_WORDS.iter().any(|w| lower.contains(w));
            let found = skills::find(line);
            if found.is_empty() && is_heading(line) {
                under_nice_heading = nice_words
                    || (under_nice_heading
                        && !REQUIREMENT_HEADINGS.iter().any(|h| lower.contains(h)));
                continue;
            }
            let nice = nice_words || under_nice_heading;
            for mention in found {
                requirements.add(mention.skill, line, nice);
            }
        }
        requirements
    }

    fn add(&mut self, skill: &'static str, line: &str, nice: bool) {
        let known = |list: &Vec<Requirement>| list.iter().any(|r| r.skill == skill);
        if known(&self.must_have) {
            return;
        }
        let requirement = Requirement {
            skill,
            line: line.to_owned(),
        };
        if nice {
            if !known(&self.nice_to_have) {
                self.nice_to_have.push(requirement);
            }
        } else {
            self.nice_to_have.retain(|r| r.skill != skill);
            self.must_have.push(requirement);
        }
    }

    pub fn len(&self) -> usize {
        self.must_have.len() + self.nice_to_have.len()
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

    fn skills(list: &[Requirement]) -> Vec<&str> {
        list.iter().map(|r| r.skill).collect()
    }

    #[test]
    fn headings_and_words_tell_musts_from_nice_to_haves() {
        let job = "Backend Engineer\n\nRequirements:\n- 3+ years of Go in production\n\
                   - Kubernetes and Docker\n- Experience with Redis is a plus\n\n\
                   Nice to have:\n- Rust\n- Docker in CI";
        let found = Requirements::of(job);
        assert_eq!(skills(&found.must_have), ["Go", "Docker", "Kubernetes"]);
        assert_eq!(skills(&found.nice_to_have), ["Redis", "Rust"]);
        assert_eq!(found.must_have[0].line, "- 3+ years of Go in production");
    }

    #[test]
    fn chinese_postings_are_read_the_same_way() {
        let job =
            "岗位要求：\n1. 熟悉 Java 和 MySQL\n2. 有 Kubernetes 经验者优先\n加分项\n机器学习";
        let found = Requirements::of(job);
        assert_eq!(skills(&found.must_have), ["Java", "MySQL"]);
        assert_eq!(
            skills(&found.nice_to_have),
            ["Kubernetes", "Machine Learning"]
        );
    }
}

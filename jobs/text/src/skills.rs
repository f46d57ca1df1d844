//! The skills vocabulary: one canonical name per skill and the ways people write it
//! (`k8s` → Kubernetes, `JS` → JavaScript, `机器学习` → Machine Learning). Shipped in
//! `jobs/text/data/skills.tsv`; resumes and job postings are matched against the same list, so
//! their skills compare. Beside it, `onet-technology.tsv` adds the thousands of tools of
//! O*NET's technology skills (derived by `scripts/derive-vocabulary`; attribution in
//! `data/README.md`); its lines that name a skill of the first add aliases to it.

use std::{collections::HashMap, sync::LazyLock};

use aho_corasick::AhoCorasick;
use regex::Regex;

/// The vocabulary, and its aliases in two automata that find every alias in one pass over
/// a text (one search per alias was most of an analysis's time).
struct Vocabulary {
    /// Canonical names.
    skills: Vec<&'static str>,
    /// Aliases matched in lower case, and the skill of each.
    folded: AhoCorasick,
    folded_skill: Vec<usize>,
    /// Matched as written: words that are skills only when capitalised (`Go`, not "go").
    exact: AhoCorasick,
    exact_skill: Vec<usize>,
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let mut skills: Vec<&'static str> = Vec::new();
    let mut index_of: HashMap<&'static str, usize> = HashMap::new();
    let (mut folded, mut folded_skill) = (Vec::new(), Vec::new());
    let (mut exact, mut exact_skill) = (Vec::new(), Vec::new());
    let rows = [
        include_str!("../data/skills.tsv"),
        include_str!("../data/onet-technology.tsv"),
    ]
    .into_iter()
    .flat_map(str::lines)
    .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
    .filter_map(|line| line.split_once('\t'));
    for (name, aliases) in rows {
        let index = *index_of.entry(name).or_insert_with(|| {
            skills.push(name);
            skills.len() - 1
        });
        // The canonical name is not an alias by itself: `Go` must not match "go".
        let mut lower: Vec<String> = Vec::new();
        for alias in aliases.split(',').map(str::trim) {
            match alias.strip_prefix('=') {
                Some(as_written) => {
                    exact.push(as_written.to_owned());
                    exact_skill.push(index);
                }
                None => lower.push(alias.to_lowercase()),
            }
        }
        lower.sort();
        lower.dedup();
        folded_skill.extend(std::iter::repeat_n(index, lower.len()));
        folded.extend(lower);
    }
    let automaton = |patterns: &[String]| AhoCorasick::new(patterns).expect("skill aliases");
    Vocabulary {
        folded: automaton(&folded),
        exact: automaton(&exact),
        skills,
        folded_skill,
        exact_skill,
    }
});

impl Vocabulary {
    /// Every word-bounded mention in `text` (`lower` is `text` lower-cased), as the index
    /// of its skill and its place: in `lower` for folded aliases, in `text` for exact ones.
    fn mentions<'t>(
        &'t self,
        lower: &'t str,
        text: &'t str,
    ) -> impl Iterator<Item = (usize, usize, usize)> + 't {
        let folded = self
            .folded
            .find_overlapping_iter(lower)
            .map(|m| {
                (
                    self.folded_skill[m.pattern().as_usize()],
                    m.start(),
                    m.end(),
                )
            })
            .filter(|&(_, start, end)| stands_as_word(lower, start, end));
        let exact = self
            .exact
            .find_overlapping_iter(text)
            .map(|m| (self.exact_skill[m.pattern().as_usize()], m.start(), m.end()))
            .filter(|&(_, start, end)| stands_as_word(text, start, end));
        folded.chain(exact)
    }
}

/// A skill found in a text, with how often it is mentioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub skill: &'static str,
    pub count: u32,
}

/// Every vocabulary skill the text mentions, most mentioned first; a mention inside a longer
/// one is that one's (`Oracle Java` is Java, not Oracle too).
pub fn find(text: &str) -> Vec<Mention> {
    let mut counts = vec![0_u32; VOCABULARY.skills.len()];
    for (skill, _, _) in kept_mentions(text) {
        counts[skill] += 1;
    }
    let mut found: Vec<Mention> = counts
        .into_iter()
        .enumerate()
        .filter(|&(_, count)| count > 0)
        .map(|(skill, count)| Mention {
            skill: VOCABULARY.skills[skill],
            count,
        })
        .collect();
    found.sort_by(|a, b| b.count.cmp(&a.count).then(a.skill.cmp(b.skill)));
    found
}

/// A skill mentioned at a place in a text: `text[start..end]` is the words that name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub skill: &'static str,
    pub start: usize,
    pub end: usize,
}

/// Every mention of a vocabulary skill in `text`, in order; where two overlap, the longer
/// (`React Native` over `React`) is kept.
pub fn locate(text: &str) -> Vec<Located> {
    kept_mentions(text)
        .into_iter()
        .map(|(skill, start, end)| Located {
            skill: VOCABULARY.skills[skill],
            start,
            end,
        })
        .collect()
}

/// Addresses and file names, with the label before one (`GitHub: https://…`): their tokens
/// (`job.html`, `node.js@…`, `github.com/…`, `Github:// deedydas`) name no skill.
static ADDRESSES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\b[\w-]+ ?[:：] ?)?\b\w+:// ?\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+\.(?:html?|php|aspx?|jsp|pdf|docx?|xlsx?|png|jpe?g)\b|\b(?:github|gitlab|linkedin)\.com/\S*",
    )
    .expect("address pattern")
});

/// Every mention as its skill's index and place, in order, the longer of two that overlap,
/// none inside an address.
fn kept_mentions(text: &str) -> Vec<(usize, usize, usize)> {
    // ASCII lower-casing keeps every byte offset of `text`.
    let lower = text.to_ascii_lowercase();
    let addresses: Vec<(usize, usize)> = ADDRESSES
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    let mut found: Vec<(usize, usize, usize)> = VOCABULARY
        .mentions(&lower, text)
        .filter(|&(_, start, end)| !addresses.iter().any(|&(a, b)| start < b && a < end))
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)));
    let mut kept: Vec<(usize, usize, usize)> = Vec::new();
    for mention in found {
        match kept.last() {
            Some(last) if mention.1 < last.2 => {}
            _ => kept.push(mention),
        }
    }
    kept
}

/// Whether the alias found at `text[start..end]` stands there as a word. An alias that
/// starts or ends with a letter or digit must not continue a word there (`java` is not in
/// `javascript`); Chinese has no spaces, so a CJK alias counts anywhere.
fn stands_as_word(text: &str, start: usize, end: usize) -> bool {
    let alias = &text[start..end];
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let first = alias
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let last = alias
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    // `js` in `Next.js` is no JavaScript: a dot before a word joins it to the last.
    let cut_before = first && (word(before) || before == Some('.'));
    // `C++` and `C#` end in symbols; `Node.js`'s dot is part of the alias.
    let cut_after = last && (word(after) || (alias.len() == 1 && matches!(after, Some('+' | '#'))));
    !cut_before && !cut_after
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&'static str> {
        let mut names: Vec<_> = find(text).into_iter().map(|m| m.skill).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn addresses_and_their_labels_name_no_skill() {
        let text = "GitHub: https://github.com/rustacean · Github:// deedydas · cv.pdf\n\
                    dev@golang.example.org · Skills: Git, Rust";
        let skills: Vec<&str> = find(text).iter().map(|m| m.skill).collect();
        assert_eq!(skills, ["Git", "Rust"]);
    }

    #[test]
    fn aliases_normalise_in_both_languages() {
        assert_eq!(names("k8s and Docker"), ["Docker", "Kubernetes"]);
        assert_eq!(names("JS, TypeScript"), ["JavaScript", "TypeScript"]);
        assert_eq!(
            names("熟悉机器学习与分布式系统"),
            ["Distributed Systems", "Machine Learning"]
        );
        assert_eq!(names("C++ and C# and Go lang"), ["C#", "C++", "Go"]);
        assert_eq!(names("Go and Kubernetes; we go far"), ["Go", "Kubernetes"]);
    }

    #[test]
    fn mentions_are_located_in_order_longest_first() {
        let text = "Kotlin, JavaScript or Go; 熟悉机器学习";
        let located: Vec<(&str, &str)> = locate(text)
            .iter()
            .map(|m| (m.skill, &text[m.start..m.end]))
            .collect();
        assert_eq!(
            located,
            [
                ("Kotlin", "Kotlin"),
                ("JavaScript", "JavaScript"),
                ("Go", "Go"),
                ("Machine Learning", "机器学习")
            ]
        );
    }

    #[test]
    fn words_are_not_found_inside_other_words() {
        assert_eq!(names("JavaScript only"), ["JavaScript"]);
        assert!(names("gitter scalable reacted").is_empty());
        assert_eq!(names("Next.js and Node.js"), ["Next.js", "Node.js"]);
        assert_eq!(
            find("Python, python3 and Python").first().map(|m| m.count),
            Some(3)
        );
    }

    #[test]
    fn the_onet_tools_are_known_by_their_product_names_and_common_words_stay_words() {
        assert!(
            VOCABULARY.skills.len() > 5_000,
            "thousands of skills and tools"
        );
        assert_eq!(
            names("Excel, Atlassian JIRA, Microsoft Visual Studio and Amazon S3"),
            [
                "Amazon Simple Storage Service (S3)",
                "Excel",
                "Jira",
                "Microsoft Visual Studio"
            ]
        );
        // A vendor's name adds aliases to the skill the hand-written list has.
        assert_eq!(names("Apache Kafka"), ["Kafka"]);
        assert_eq!(names("Oracle Java"), ["Java"]);
        // Words, a kind of tool and a link are no skills.
        assert!(
            names("I excel at access to a word project; any IDE; linkedin.com/in/me").is_empty()
        );
        assert!(names("Email software and programming languages").is_empty());
    }
}

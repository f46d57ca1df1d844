//! The skills vocabulary: one canonical name per skill and the ways people write it
//! (`k8s` → Kubernetes, `JS` → JavaScript, `机器学习` → Machine Learning). Shipped in
//! `jobs/text/data/skills.tsv`; resumes and job postings are matched against the same list, so
//! their skills compare.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

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
    let mut skills = Vec::new();
    let (mut folded, mut folded_skill) = (Vec::new(), Vec::new());
    let (mut exact, mut exact_skill) = (Vec::new(), Vec::new());
    let rows = include_str!("../data/skills.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split_once('\t'));
    for (name, aliases) in rows {
        let index = skills.len();
        skills.push(name);
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

/// Every vocabulary skill the text mentions, most mentioned first.
pub fn find(text: &str) -> Vec<Mention> {
    let lower = text.to_lowercase();
    let mut counts = vec![0_u32; VOCABULARY.skills.len()];
    for (skill, _, _) in VOCABULARY.mentions(&lower, text) {
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
    // ASCII lower-casing keeps every byte offset of `text`.
    let lower = text.to_ascii_lowercase();
    let mut found: Vec<Located> = VOCABULARY
        .mentions(&lower, text)
        .map(|(skill, start, end)| Located {
            skill: VOCABULARY.skills[skill],
            start,
            end,
        })
        .collect();
    found.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<Located> = Vec::new();
    for mention in found {
        match kept.last() {
            Some(last) if mention.start < last.end => {}
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
}

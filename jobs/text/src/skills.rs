//! The skills vocabulary: one canonical name per skill and the ways people write it
//! (`k8s` → Kubernetes, `JS` → JavaScript, `机器学习` → Machine Learning). Shipped in
//! `jobs/text/data/skills.tsv`; resumes and job postings are matched against the same list, so
//! their skills compare.

use std::sync::LazyLock;

pub struct Skill {
    pub name: &'static str,
    /// Matched in lower case.
    aliases: Vec<String>,
    /// Matched as written: words that are skills only when capitalised (`Go`, not "go").
    exact: Vec<&'static str>,
}

static VOCABULARY: LazyLock<Vec<Skill>> = LazyLock::new(|| {
    include_str!("../data/skills.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (name, aliases) = line.split_once('\t')?;
            // The canonical name is not an alias by itself: `Go` must not match "go".
            let (exact, aliases): (Vec<&str>, Vec<&str>) = aliases
                .split(',')
                .map(str::trim)
                .partition(|a| a.starts_with('='));
            let exact = exact.into_iter().map(|a| &a[1..]).collect();
            let mut aliases: Vec<String> = aliases.into_iter().map(str::to_lowercase).collect();
            aliases.sort();
            aliases.dedup();
            Some(Skill {
                name,
                aliases,
                exact,
            })
        })
        .collect()
});

/// A skill found in a text, with how often it is mentioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub skill: &'static str,
    pub count: u32,
}

/// Every vocabulary skill the text mentions, most mentioned first.
pub fn find(text: &str) -> Vec<Mention> {
    let lower = text.to_lowercase();
    let mut found: Vec<Mention> = VOCABULARY
        .iter()
        .filter_map(|skill| {
            let count: u32 = skill
                .aliases
                .iter()
                .map(|alias| occurrences(&lower, alias))
                .chain(skill.exact.iter().map(|alias| occurrences(text, alias)))
                .sum();
            (count > 0).then_some(Mention {
                skill: skill.name,
                count,
            })
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
    let mut found: Vec<Located> = Vec::new();
    for skill in VOCABULARY.iter() {
        let places = skill
            .aliases
            .iter()
            .flat_map(|alias| places(&lower, alias))
            .chain(skill.exact.iter().flat_map(|alias| places(text, alias)));
        found.extend(places.map(|(start, end)| Located {
            skill: skill.name,
            start,
            end,
        }));
    }
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

/// Occurrences of `alias` in `text`.
fn occurrences(text: &str, alias: &str) -> u32 {
    places(text, alias).count() as u32
}

/// Where `alias` stands in `text` as a word. An alias that starts or ends with a letter or
/// digit must not continue a word there (`java` is not in `javascript`); Chinese has no
/// spaces, so a CJK alias counts anywhere.
fn places<'t>(text: &'t str, alias: &'t str) -> impl Iterator<Item = (usize, usize)> + 't {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(at) = text.get(from..)?.find(alias) {
            let start = from + at;
            let end = start + alias.len();
            from = end;
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
            let cut_after =
                last && (word(after) || (alias.len() == 1 && matches!(after, Some('+' | '#'))));
            if !cut_before && !cut_after {
                return Some((start, end));
            }
        }
        None
    })
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

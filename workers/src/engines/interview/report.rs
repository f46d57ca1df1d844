//! A finished session's report.

use std::collections::BTreeMap;

use prepq_jobs::kinds::{AnswerFeedback, CategoryScore, InterviewAssessment, Language};

/// One asked turn as the report reads it.
pub struct Scored<'a> {
    pub question_index: i32,
    pub question: &'a str,
    pub category: &'a str,
    pub answer: Option<&'a str>,
    pub skipped: bool,
    /// None: never answered (the session ended first).
    pub feedback: Option<AnswerFeedback>,
}

pub fn assess(turns: &[Scored<'_>], earlier: &[u32], language: Language) -> InterviewAssessment {
    let zh = language == Language::ZhCn;
    // A question's score is the mean of its turns (follow-ups included); one skipped or
    // never answered counts 0.
    let mut questions: BTreeMap<i32, (&str, Vec<u32>)> = BTreeMap::new();
    for turn in turns {
        let score = turn.feedback.as_ref().map_or(0, |f| f.score);
        questions
            .entry(turn.question_index)
            .or_insert((turn.category, Vec::new()))
            .1
            .push(score);
    }
    let question_scores: Vec<(&str, u32)> = questions
        .values()
        .map(|(category, scores)| (*category, mean(scores)))
        .collect();
    let overall = mean(&question_scores.iter().map(|(_, s)| *s).collect::<Vec<_>>());
    let mut by_category: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (category, score) in &question_scores {
        by_category.entry(category).or_default().push(*score);
    }
    let categories: Vec<CategoryScore> = by_category
        .iter()
        .map(|(category, scores)| CategoryScore {
            category: (*category).to_owned(),
            score: mean(scores),
            questions: scores.len() as u32,
        })
        .collect();
    let answered: Vec<&AnswerFeedback> = turns.iter().filter_map(|t| t.feedback.as_ref()).collect();
    let dimension = |pick: fn(&AnswerFeedback) -> u32| {
        mean(&answered.iter().map(|f| pick(f)).collect::<Vec<_>>())
    };
    let dimensions = [
        (
            dimension(|f| f.dimensions.accuracy),
            "accurate answers",
            "回答准确",
        ),
        (
            dimension(|f| f.dimensions.completeness),
            "complete answers that cover the key points",
            "要点覆盖完整",
        ),
        (
            dimension(|f| f.dimensions.depth),
            "specific answers: figures, tools, reasons",
            "回答具体：有数字、工具和理由",
        ),
        (
            dimension(|f| f.dimensions.expression),
            "clear, well-sized answers",
            "表达清楚、篇幅得当",
        ),
    ];
    let strengths: Vec<String> = dimensions
        .iter()
        .filter(|(score, _, _)| *score >= 70)
        .map(|(_, en, zh_text)| say(zh, &format!("Strong: {en}."), &format!("优势：{zh_text}。")))
        .collect();
    let mut improvements: Vec<String> = dimensions
        .iter()
        .filter(|(score, _, _)| *score < 50)
        .map(|(_, en, zh_text)| {
            say(
                zh,
                &format!("Work on {en}."),
                &format!("需要加强：{zh_text}。"),
            )
        })
        .collect();
    let missed: Vec<&String> = answered
        .iter()
        .flat_map(|f| f.key_points_missed.iter())
        .take(3)
        .collect();
    if !missed.is_empty() {
        let list: Vec<&str> = missed.iter().map(|s| s.as_str()).collect();
        improvements.push(say(
            zh,
            &format!("Points you left out: {}.", list.join("; ")),
            &format!("遗漏的要点：{}。", list.join("；")),
        ));
    }
    let weakest = categories.iter().min_by_key(|c| c.score);
    let mut practise_next: Vec<String> = weakest
        .filter(|c| c.score < 80)
        .map(|c| {
            say(
                zh,
                &format!("More {} questions (scored {}).", c.category, c.score),
                &format!(
                    "多练习{}类问题（本次 {} 分）。",
                    category_zh(&c.category),
                    c.score
                ),
            )
        })
        .into_iter()
        .collect();
    practise_next.extend(missed.iter().map(|point| {
        say(
            zh,
            &format!("Prepare an example for: {point}."),
            &format!("为「{point}」准备一个例子。"),
        )
    }));
    InterviewAssessment {
        language: language.as_str().to_owned(),
        overall_score: overall,
        categories,
        strengths,
        improvements,
        earlier_scores: earlier.to_vec(),
        change: earlier.last().map(|last| overall as i32 - *last as i32),
        practise_next,
        answered: turns.iter().filter(|t| t.feedback.is_some()).count() as u32,
        skipped: turns.iter().filter(|t| t.skipped).count() as u32,
        engine: Default::default(),
    }
}

fn mean(scores: &[u32]) -> u32 {
    if scores.is_empty() {
        return 0;
    }
    (scores.iter().map(|&s| f64::from(s)).sum::<f64>() / scores.len() as f64).round() as u32
}

fn category_zh(category: &str) -> &str {
    match category {
        "background" => "背景",
        "behavioural" => "行为",
        "technical" => "技术",
        "situational" => "情景",
        other => other,
    }
}

fn say(zh: bool, en: &str, chinese: &str) -> String {
    if zh { chinese } else { en }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(index: i32, category: &'static str, score: Option<u32>) -> Scored<'static> {
        Scored {
            question_index: index,
            question: "Tell me about it.",
            category,
            answer: score.map(|_| "An answer."),
            skipped: score.is_none(),
            feedback: score.map(|score| AnswerFeedback {
                score,
                ..Default::default()
            }),
        }
    }

    #[test]
    fn questions_are_averaged_with_their_follow_ups_skips_count_zero_and_the_trend_is_against_the_last_session()
     {
        let turns = [
            scored(1, "technical", Some(80)),
            scored(1, "technical", Some(60)),
            scored(2, "behavioural", Some(90)),
            scored(3, "technical", None),
        ];
        let report = assess(&turns, &[40, 50], Language::En);
        // (70 + 90 + 0) / 3
        assert_eq!(report.overall_score, 53);
        assert_eq!(report.change, Some(3));
        let technical = report
            .categories
            .iter()
            .find(|c| c.category == "technical")
            .unwrap();
        assert_eq!((technical.score, technical.questions), (35, 2));
        assert_eq!((report.answered, report.skipped), (3, 1));
        assert!(report.practise_next[0].contains("technical"));
    }
}

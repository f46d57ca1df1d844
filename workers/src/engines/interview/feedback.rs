//! One answer's feedback.

use prepq_jobs::kinds::{AnswerFeedback, AnswerScores, Language};
use prepq_text::{is_han, skills};

/// The question an answer is to.
pub struct Asked<'a> {
    pub question: &'a str,
    /// `background`, `behavioural`, `technical` or `situational`.
    pub category: &'a str,
    pub key_points: &'a [String],
    pub language: Language,
    /// Whether a follow-up may still be asked for this question.
    pub may_follow_up: bool,
}

/// Answers that say nothing, whatever their length.
const NOTHING: &[&str] = &[
    "i don't know",
    "i dont know",
    "no idea",
    "not sure",
    "pass",
    "skip",
    "n/a",
    "不知道",
    "不清楚",
    "不会",
    "没有",
    "跳过",
];
const FILLERS: &[&str] = &[
    "um",
    "uh",
    "erm",
    "like",
    "you know",
    "basically",
    "嗯",
    "那个",
    "就是说",
    "然后然后",
];
const REASONS: &[&str] = &[
    "because",
    "so that",
    "therefore",
    "since",
    "trade-off",
    "因为",
    "所以",
    "因此",
    "权衡",
];
/// STAR cues: situation, task, action, result.
const STAR: [&[&str]; 4] = [
    &[
        "when",
        "at the time",
        "situation",
        "we had",
        "our team",
        "当时",
        "那时",
        "背景",
        "情况",
    ],
    &[
        "task",
        "goal",
        "responsible",
        "needed to",
        "had to",
        "负责",
        "目标",
        "任务",
        "需要",
    ],
    &[
        "i built",
        "i led",
        "i decided",
        "i wrote",
        "i did",
        "i changed",
        "i proposed",
        "i set up",
        "我做了",
        "我负责",
        "我采取",
        "我设计",
        "我推动",
        "我决定",
    ],
    &[
        "result",
        "as a result",
        "increased",
        "reduced",
        "improved",
        "saved",
        "%",
        "结果",
        "最终",
        "提升",
        "降低",
        "减少",
    ],
];

/// Words in the answer; Chinese counts two characters a word.
fn length(text: &str) -> usize {
    if text.chars().any(is_han) {
        text.chars().filter(|c| !c.is_whitespace()).count() / 2
    } else {
        text.split_whitespace().count()
    }
}

/// An answer with nothing in it to score: empty, a fragment, or "I don't know".
pub fn says_nothing(answer: &str) -> bool {
    let text = answer.trim();
    let lower = text.to_lowercase();
    length(text) < 3
        || NOTHING
            .iter()
            .any(|n| lower.trim_end_matches(['.', '。', '!']) == *n)
}

pub fn feedback(asked: &Asked<'_>, answer: &str) -> AnswerFeedback {
    let zh = asked.language == Language::ZhCn;
    let text = answer.trim();
    let lower = text.to_lowercase();
    let length = length(text);
    let says_nothing = says_nothing(text);
    let (hit, missed): (Vec<String>, Vec<String>) = asked
        .key_points
        .iter()
        .cloned()
        .partition(|point| !says_nothing && covers(&lower, point));
    let model_answer = model_answer(asked, zh);
    if says_nothing {
        return AnswerFeedback {
            score: 5,
            dimensions: AnswerScores {
                structure: (asked.category == "behavioural").then_some(0),
                ..Default::default()
            },
            key_points_hit: hit,
            key_points_missed: missed,
            strengths: Vec::new(),
            improvements: vec![say(
                zh,
                "The answer says nothing an interviewer can score: even when unsure, say what you know, how you would find out, and a related example.",
                "这个回答没有可评分的内容：即使不确定，也请说出你知道的部分、你会如何弄清楚，并举一个相关的例子。",
            )],
            model_answer,
            follow_up: None,
            engine: Default::default(),
        };
    }
    let points = asked.key_points.len().max(1) as f64;
    let coverage = hit.len() as f64 / points;
    let completeness = percent(coverage);
    let accuracy = percent(0.35 + 0.65 * coverage);
    let figures = text.chars().filter(char::is_ascii_digit).count().min(6) as f64 / 6.0;
    let named = skills::find(text).len().min(4) as f64 / 4.0;
    let reasons = f64::from(u8::from(REASONS.iter().any(|r| lower.contains(r))));
    let depth = percent(0.2 + 0.3 * figures + 0.3 * named + 0.2 * reasons);
    let fillers: usize = FILLERS.iter().map(|f| count_words(&lower, f)).sum();
    let band = match length {
        0..=14 => 0.35,
        15..=29 => 0.7,
        30..=300 => 1.0,
        _ => 0.75,
    };
    let expression = percent(band - (fillers as f64 / length.max(1) as f64 * 4.0).min(0.5));
    let structure = (asked.category == "behavioural").then(|| {
        let parts = STAR
            .iter()
            .filter(|cues| cues.iter().any(|c| lower.contains(c)))
            .count();
        (parts * 25) as u32
    });
    let score = match structure {
        Some(star) => {
            0.25 * f64::from(accuracy)
                + 0.25 * f64::from(completeness)
                + 0.15 * f64::from(depth)
                + 0.15 * f64::from(expression)
                + 0.2 * f64::from(star)
        }
        None => {
            0.3 * f64::from(accuracy)
                + 0.3 * f64::from(completeness)
                + 0.2 * f64::from(depth)
                + 0.2 * f64::from(expression)
        }
    };
    let dimensions = AnswerScores {
        accuracy,
        completeness,
        depth,
        expression,
        structure,
    };
    let follow_up = (asked.may_follow_up && !missed.is_empty()).then(|| {
        let point = &missed[0];
        say(
            zh,
            &format!("Your answer left out “{point}”. How would you address it?"),
            &format!("你没有提到「{point}」，能具体说说吗？"),
        )
    });
    AnswerFeedback {
        score: score.round() as u32,
        strengths: strengths(&dimensions, &hit, zh),
        improvements: improvements(&dimensions, &missed, zh),
        dimensions,
        key_points_hit: hit,
        key_points_missed: missed,
        model_answer,
        follow_up,
        engine: Default::default(),
    }
}

/// Whether the answer covers a key point: a vocabulary skill it names, or most of its
/// words (Chinese: its two-character runs).
fn covers(answer: &str, point: &str) -> bool {
    let named: Vec<&str> = skills::find(point).into_iter().map(|m| m.skill).collect();
    if !named.is_empty() {
        let said: Vec<&str> = skills::find(answer).into_iter().map(|m| m.skill).collect();
        if named.iter().any(|s| said.contains(s)) {
            return true;
        }
    }
    let point = point.to_lowercase();
    let terms: Vec<String> = if point.chars().any(is_han) {
        let han: Vec<char> = point.chars().filter(|c| is_han(*c)).collect();
        han.windows(2).map(|w| w.iter().collect()).collect()
    } else {
        point
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() >= 4)
            .map(|w| w.trim_end_matches('s').to_owned())
            .collect()
    };
    if terms.is_empty() {
        return false;
    }
    let found = terms.iter().filter(|t| answer.contains(t.as_str())).count();
    found * 2 >= terms.len()
}

fn count_words(text: &str, word: &str) -> usize {
    if word.chars().any(is_han) {
        return text.matches(word).count();
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    format!(" {} ", words.join(" "))
        .matches(&format!(" {word} "))
        .count()
}

fn strengths(d: &AnswerScores, hit: &[String], zh: bool) -> Vec<String> {
    let mut found = Vec::new();
    if !hit.is_empty() {
        found.push(say(
            zh,
            &format!("Covers {}.", hit.join("; ")),
            &format!("覆盖了：{}。", hit.join("；")),
        ));
    }
    if d.depth >= 70 {
        found.push(say(
            zh,
            "Specific: figures, named tools and reasons.",
            "具体：有数字、具体工具和理由。",
        ));
    }
    if d.structure.is_some_and(|s| s >= 75) {
        found.push(say(
            zh,
            "A clear situation, task, action and result.",
            "情境、任务、行动、结果清楚。",
        ));
    }
    found
}

fn improvements(d: &AnswerScores, missed: &[String], zh: bool) -> Vec<String> {
    let mut found = Vec::new();
    if !missed.is_empty() {
        found.push(say(
            zh,
            &format!("Also cover: {}.", missed.join("; ")),
            &format!("还应谈到：{}。", missed.join("；")),
        ));
    }
    if d.depth < 50 {
        found.push(say(
            zh,
            "Be specific: a figure, the tool you used, and why you chose it.",
            "更具体一些：给出数字、用到的工具以及选择它的理由。",
        ));
    }
    if d.expression < 50 {
        found.push(say(
            zh,
            "Give a fuller answer in plain sentences, without fillers.",
            "用完整、简洁的句子回答，避免口头禅。",
        ));
    }
    if d.structure.is_some_and(|s| s < 75) {
        found.push(say(
            zh,
            "Tell it as situation, task, what you did, and the result.",
            "按“情境—任务—行动—结果”的顺序讲述。",
        ));
    }
    found
}

fn model_answer(asked: &Asked<'_>, zh: bool) -> String {
    if asked.key_points.is_empty() {
        return say(
            zh,
            "Answer directly, then give one concrete example from your work and its result.",
            "先直接回答，再举一个你工作中的具体例子并说明结果。",
        );
    }
    say(
        zh,
        &format!(
            "A strong answer covers {}, with one concrete example from your own work and its measurable result.",
            asked.key_points.join("; ")
        ),
        &format!(
            "好的回答会谈到：{}，并结合一个你亲身经历的具体例子和可量化的结果。",
            asked.key_points.join("；")
        ),
    )
}

fn percent(share: f64) -> u32 {
    (share.clamp(0.0, 1.0) * 100.0).round() as u32
}

fn say(zh: bool, en: &str, chinese: &str) -> String {
    if zh { chinese } else { en }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked<'a>(points: &'a [String], category: &'a str, language: Language) -> Asked<'a> {
        Asked {
            question: "How do you keep a Go service reliable under load?",
            category,
            key_points: points,
            language,
            may_follow_up: true,
        }
    }

    #[test]
    fn an_empty_or_dont_know_answer_scores_low_and_says_why() {
        let points = vec!["Go concurrency".to_owned()];
        for answer in ["", "I don't know.", "不知道"] {
            let f = feedback(&asked(&points, "technical", Language::En), answer);
            assert!(f.score <= 10, "{answer}: {}", f.score);
            assert!(
                f.improvements[0].contains("nothing"),
                "{:?}",
                f.improvements
            );
            assert_eq!(f.follow_up, None);
        }
    }

    #[test]
    fn covering_the_key_points_with_specifics_scores_above_a_vague_answer_and_misses_get_a_follow_up()
     {
        let points = vec![
            "load testing before release".to_owned(),
            "timeouts and retries".to_owned(),
            "Prometheus metrics and alerts".to_owned(),
        ];
        let good = feedback(
            &asked(&points, "technical", Language::En),
            "Because our checkout service in Go took 3000 requests per second, I ran load testing before every release, set timeouts and retries with backoff on each call, and watched Prometheus metrics with alerts on p99 latency; errors fell by 40%.",
        );
        let vague = feedback(
            &asked(&points, "technical", Language::En),
            "I try to write good code and test it well so that it works when many people use it.",
        );
        assert!(
            good.score > vague.score + 30,
            "{} vs {}",
            good.score,
            vague.score
        );
        assert_eq!(good.key_points_missed, Vec::<String>::new());
        assert_eq!(good.follow_up, None);
        assert_eq!(vague.key_points_missed.len(), 3);
        assert!(
            vague
                .follow_up
                .unwrap()
                .contains("load testing before release")
        );
    }

    #[test]
    fn a_chinese_behavioural_answer_is_read_for_star_and_answered_in_chinese() {
        let points = vec!["冲突的处理过程".to_owned(), "最终结果".to_owned()];
        let f = feedback(
            &asked(&points, "behavioural", Language::ZhCn),
            "当时团队对接口设计有冲突，我负责协调，我推动大家先写设计文档再评审，冲突的处理过程很顺利，最终结果是上线时间提前了两周。",
        );
        assert_eq!(f.dimensions.structure, Some(100));
        assert_eq!(f.key_points_missed, Vec::<String>::new());
        assert!(f.model_answer.contains("好的回答"));
    }
}

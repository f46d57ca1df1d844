//! Diagnoses and question predictions: the builtin engine's reading of real resumes against
//! job descriptions, in both languages.

use prepq_tests::{
    GO_AND_KUBERNETES, PLAIN_RESUME, TestApp, analysed, fixture, read_resume, strings,
};
use serde_json::{Value, json};

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_builtin_engine_finds_the_gaps_quotes_unquantified_lines_and_asks_about_both() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.verified_user().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "jane.txt").await;
    let target = json!({ "title": "Senior Backend Engineer", "description": GO_AND_KUBERNETES });

    let view = analysed(
        &user,
        "/api/v1/diagnoses",
        json!({ "resume_id": resume, "target": target }),
    )
    .await;
    assert_eq!(view["status"], "succeeded", "{view}");
    let diagnosis = &view["diagnosis"];
    assert_eq!(diagnosis["language"], "en");
    let keywords = &diagnosis["keywords"];
    assert_eq!(
        strings(&keywords["missing_must_have"]),
        ["Go", "Kubernetes"]
    );
    assert_eq!(strings(&keywords["matched_must_have"]), ["PostgreSQL"]);
    assert_eq!(strings(&keywords["missing_nice_to_have"]), ["Rust"]);
    let score = diagnosis["overall_score"].as_u64().unwrap();
    assert!((1..100).contains(&score), "{score}");
    assert_eq!(diagnosis["engine"]["engine"], "builtin");

    let suggestions = diagnosis["suggestions"].as_array().unwrap();
    let quantify: Vec<&Value> = suggestions
        .iter()
        .filter(|s| s["dimension"] == "quantified_impact")
        .collect();
    assert!(!quantify.is_empty(), "{suggestions:?}");
    for suggestion in quantify {
        let passage = suggestion["passage"].as_str().unwrap();
        assert!(
            PLAIN_RESUME.lines().any(|line| line.ends_with(passage)) && passage.len() > 20,
            "quotes a real line of the resume: {passage:?}"
        );
        assert!(
            suggestion["example_rewrite"]
                .as_str()
                .unwrap()
                .contains('%')
        );
    }

    let view = analysed(
        &user,
        "/api/v1/question-sets",
        json!({ "resume_id": resume, "target": target }),
    )
    .await;
    assert_eq!(view["status"], "succeeded", "{view}");
    let questions = view["question_set"]["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 10);
    for skill in ["Go", "Kubernetes"] {
        assert!(
            questions
                .iter()
                .any(|q| q["category"] == "technical"
                    && q["question"].as_str().unwrap().contains(skill)),
            "a technical question on {skill}: {questions:#?}"
        );
    }
    let texts: Vec<&str> = questions
        .iter()
        .map(|q| q["question"].as_str().unwrap())
        .collect();
    let mut unique = texts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), texts.len(), "no repeats: {texts:#?}");
    assert!(
        questions
            .iter()
            .all(|q| !q["key_points"].as_array().unwrap().is_empty())
    );

    let history: Value = user.get("/api/v1/diagnoses").await.json().await.unwrap();
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
    assert_eq!(history["items"][0]["resume_id"], resume.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chinese_resume_against_a_chinese_job_is_answered_in_chinese() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.verified_user().await;
    let resume = read_resume(&user, fixture("billryan_resume-zh_CN.pdf"), "简历.pdf").await;
    let target = json!({
        "title": "后端开发工程师",
        "description": "岗位职责：\n负责后台服务开发\n岗位要求：\n1. 熟悉 Go 和 Linux\n2. 熟悉 Kubernetes\n3. 有机器学习经验者优先",
    });

    let view = analysed(
        &user,
        "/api/v1/diagnoses",
        json!({ "resume_id": resume, "target": target }),
    )
    .await;
    let diagnosis = &view["diagnosis"];
    assert_eq!(diagnosis["language"], "zh-CN", "{view}");
    assert_eq!(
        strings(&diagnosis["keywords"]["missing_must_have"]),
        ["Kubernetes"]
    );
    let sentences: Vec<&str> = strings(&diagnosis["strengths"])
        .into_iter()
        .chain(strings(&diagnosis["weaknesses"]))
        .chain(
            diagnosis["suggestions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["advice"].as_str().unwrap()),
        )
        .collect();
    assert!(!sentences.is_empty());
    assert!(sentences.iter().all(|s| has_chinese(s)), "{sentences:#?}");

    let view = analysed(
        &user,
        "/api/v1/question-sets",
        json!({ "resume_id": resume, "target": target, "count": 6 }),
    )
    .await;
    let questions = view["question_set"]["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 6);
    assert!(
        questions
            .iter()
            .all(|q| has_chinese(q["question"].as_str().unwrap()))
    );
    assert!(
        questions
            .iter()
            .any(|q| q["question"].as_str().unwrap().contains("Kubernetes"))
    );
}

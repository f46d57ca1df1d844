//! The `llm` engine against a stand-in OpenAI-compatible server on 127.0.0.1.

use std::time::Duration;

use prepq_tests::{ModelReply, ModelServer, TestApp, User, fenced, wait_until};
use reqwest::Method;
use serde_json::{Value, json};

use prepq_tests::{GO_AND_KUBERNETES, PLAIN_RESUME, analysed, ledger, read_resume};

use crate::JOB_DEADLINE;

/// A diagnosis as a model would write it.
fn answer(overall: u32, language: &str) -> String {
    json!({
        "language": language,
        "overall_score": overall,
        "dimensions": {
            "requirements_match": 40, "skills_coverage": 35, "quantified_impact": 10,
            "structure": 90, "clarity": 60, "ats_readability": 95
        },
        "keywords": {
            "matched_must_have": ["PostgreSQL"], "missing_must_have": ["Go", "Kubernetes"],
            "matched_nice_to_have": [], "missing_nice_to_have": ["Rust"]
        },
        "strengths": ["Clear structure."],
        "weaknesses": ["No Go or Kubernetes."],
        "suggestions": [{
            "dimension": "quantified_impact",
            "passage": "Built internal tools for the sales team with Python and Django",
            "advice": "Add figures.",
            "example_rewrite": "Built internal tools used by 40 sellers, saving 6 hours a week."
        }]
    })
    .to_string()
}

async fn platform(model: &ModelServer) -> TestApp {
    // As OpenAI is asked; the default for a model on this machine is llama.cpp's.
    platform_with(
        model,
        &[
            ("PREPQ_LLM_MODEL", "stand-in-1"),
            ("PREPQ_LLM_OUTPUT", "json-schema"),
        ],
    )
    .await
}

/// A platform whose workers use the model server, with these further worker settings.
async fn platform_with(model: &ModelServer, settings: &[(&str, &str)]) -> TestApp {
    platform_at(&model.base_url, settings).await
}

/// A platform whose workers use the model at `base_url`, whether or not one is there.
async fn platform_at(base_url: &str, settings: &[(&str, &str)]) -> TestApp {
    let mut builder = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "30")
        .model_at(base_url);
    for (key, value) in settings {
        builder = builder.worker_env(key, value);
    }
    builder.start().await
}

/// A worker, and a verified user with a read resume.
async fn resume_owner(app: &mut TestApp) -> (User, String) {
    app.start_worker(&[]).await;
    let user = app.verified_user().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    (user, resume)
}

/// Submits the diagnosis of `resume` and checks it was accepted.
async fn submit_diagnosis(user: &User, resume: &str) {
    let accepted = user
        .call(
            Method::POST,
            "/api/v1/diagnoses",
            Some(&diagnosis_of(resume)),
        )
        .await;
    assert_eq!(accepted.status(), 202);
}

fn diagnosis_of(resume: &str) -> Value {
    json!({ "resume_id": resume, "target": { "title": "Backend", "description": GO_AND_KUBERNETES } })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_model_gets_the_schema_and_fenced_inputs_and_a_busy_answer_is_waited_out() {
    let model = ModelServer::start().await;
    model
        .reply(ModelReply::Status(429, Some(1)))
        .reply(ModelReply::Content(answer(72, "en")));
    let mut app = platform(&model).await;
    let (user, resume) = resume_owner(&mut app).await;

    let view = analysed(&user, "/api/v1/diagnoses", diagnosis_of(&resume)).await;
    assert_eq!(view["status"], "succeeded", "{view}");
    let diagnosis = &view["diagnosis"];
    assert_eq!(diagnosis["overall_score"], 72);
    assert_eq!(
        diagnosis["keywords"]["missing_must_have"],
        json!(["Go", "Kubernetes"])
    );
    let engine = &diagnosis["engine"];
    assert_eq!(
        (
            &engine["engine"],
            &engine["model"],
            &engine["prompt_version"],
            &engine["calls"]
        ),
        (
            &json!("llm"),
            &json!("stand-in-1"),
            &json!("diagnose.v1"),
            &json!(2)
        )
    );
    assert_eq!(
        (&engine["prompt_tokens"], &engine["completion_tokens"]),
        (&json!(1200), &json!(300))
    );
    assert!(
        engine["latency_ms"].as_f64().unwrap() >= 1000.0,
        "waited the Retry-After second"
    );

    let requests = model.requests();
    assert_eq!(requests.len(), 2);
    let request = &requests[1];
    assert_eq!(request["model"], "stand-in-1");
    let format = &request["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["strict"], true);
    let required = &format["json_schema"]["schema"]["required"];
    assert!(
        required
            .as_array()
            .unwrap()
            .contains(&json!("overall_score")),
        "{format}"
    );
    assert_eq!(request["messages"][0]["role"], "system");
    let content = request["messages"][1]["content"].as_str().unwrap();
    let resume_text = fenced(content, "RESUME");
    assert!(
        resume_text.contains("Built internal tools for the sales team"),
        "{content}"
    );
    assert!(fenced(content, "JOB").contains("Several years of Go in production"));
    assert!(
        !content.split("<<<").next().unwrap().contains("Jane Smith"),
        "the resume appears only inside its fence"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn three_invalid_answers_fail_the_job_and_refund_its_points() {
    let model = ModelServer::start().await;
    model
        .reply(ModelReply::Content(
            "Sure! Here is the diagnosis you asked for.".into(),
        ))
        .reply(ModelReply::Content(answer(150, "en")))
        .reply(ModelReply::Content(answer(70, "zh-CN")));
    let mut app = platform(&model).await;
    let (user, resume) = resume_owner(&mut app).await;

    let view = analysed(&user, "/api/v1/diagnoses", diagnosis_of(&resume)).await;
    assert_eq!(view["status"], "failed", "{view}");
    assert_eq!(
        view["error"],
        "the model gave no valid answer in 3 tries; the last one: it is in zh-CN, not en"
    );
    assert!(view["diagnosis"].is_null());
    let requests = model.requests();
    assert_eq!(requests.len(), 3);
    let correction = requests[1]["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        correction["content"]
            .as_str()
            .unwrap()
            .starts_with("That answer is not valid"),
        "{correction}"
    );
    assert_eq!(
        ledger(&user).await,
        [
            ("grant".into(), 30),
            ("reserve".into(), -10),
            ("refund".into(), 10)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_diagnosis_charges_once() {
    let model = ModelServer::start().await;
    model
        .reply(ModelReply::Held(answer(60, "en")))
        .reply(ModelReply::Content(answer(61, "en")));
    let mut app = platform(&model).await;
    let (user, resume) = resume_owner(&mut app).await;

    let accepted: Value = user
        .call(
            Method::POST,
            "/api/v1/diagnoses",
            Some(&diagnosis_of(&resume)),
        )
        .await
        .json()
        .await
        .unwrap();
    wait_until("the model to be asked", JOB_DEADLINE, || async {
        (model.requests().len() == 1).then_some(())
    })
    .await;
    app.workers[0].kill_hard();
    app.start_worker(&[]).await;

    let id = accepted["id"].as_str().unwrap().parse().unwrap();
    let done = user.finished(id, Duration::from_secs(60)).await;
    model.release();
    assert_eq!(
        (done.status.as_str(), done.attempt),
        ("succeeded", 2),
        "{:?}",
        done.error
    );
    assert_eq!(done.result.unwrap()["overall_score"], 61);
    assert_eq!(
        ledger(&user).await,
        [
            ("grant".into(), 30),
            ("reserve".into(), -10),
            ("settle".into(), 0)
        ]
    );
    let points: Value = user.get("/api/v1/points").await.json().await.unwrap();
    assert_eq!(points["balance"], 20);
}

/// A 5xx that is not "busy" is said: its words reach the job's reason (and the log), and
/// the reason names no internal address.
#[tokio::test(flavor = "multi_thread")]
async fn a_model_that_refuses_the_request_says_why_in_the_jobs_reason() {
    let model = ModelServer::start().await;
    for _ in 0..5 {
        model.reply(ModelReply::Refuse(
            500,
            "Input should be 'text' or 'json_object'".into(),
        ));
    }
    let mut app = platform_with(&model, &[("PREPQ_LLM_MAX_WAIT_SECS", "1")]).await;
    let (user, resume) = resume_owner(&mut app).await;
    submit_diagnosis(&user, &resume).await;

    let reason = wait_until("the first attempt to fail", JOB_DEADLINE, || async {
        let job = app.jobs_of_kind("resume.diagnose").await.pop()?;
        job.error.filter(|_| job.attempt >= 1)
    })
    .await;
    assert!(
        reason.contains("500") && reason.contains("Input should be 'text' or 'json_object'"),
        "{reason}"
    );
    assert!(!reason.contains("127.0.0.1"), "{reason}");
}

/// A server that answers 500 to `json_schema`, as llama.cpp's does, on this machine: the
/// default for such an address asks with `json_object` and the schema, and the answer is
/// a valid diagnosis.
#[tokio::test(flavor = "multi_thread")]
async fn a_local_model_that_refuses_json_schema_is_asked_the_way_it_takes() {
    let model = ModelServer::start().await;
    model
        .like_llama_cpp()
        .reply(ModelReply::Content(answer(64, "en")));
    let mut app = platform_with(&model, &[]).await;
    let (user, resume) = resume_owner(&mut app).await;

    let view = analysed(&user, "/api/v1/diagnoses", diagnosis_of(&resume)).await;
    assert_eq!(view["status"], "succeeded", "{view}");
    assert_eq!(view["diagnosis"]["overall_score"], 64);
    assert!(
        !view["diagnosis"]["requirements"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the same requirement checks as the builtin engine"
    );
    let requests = model.requests();
    assert_eq!(requests.len(), 1, "asked once, the way it takes");
    let format = &requests[0]["response_format"];
    assert_eq!(format["type"], "json_object");
    assert!(format["schema"]["required"].is_array(), "{format}");
    let system = requests[0]["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("overall_score"),
        "the schema is in the prompt too"
    );
}

/// DeepSeek's and Qwen's mode: `json_object` alone, the schema in the prompt.
#[tokio::test(flavor = "multi_thread")]
async fn the_json_object_mode_puts_the_schema_in_the_prompt() {
    let model = ModelServer::start().await;
    model.reply(ModelReply::Content(answer(58, "en")));
    let mut app = platform_with(&model, &[("PREPQ_LLM_OUTPUT", "json-object")]).await;
    let (user, resume) = resume_owner(&mut app).await;

    let view = analysed(&user, "/api/v1/diagnoses", diagnosis_of(&resume)).await;
    assert_eq!(view["diagnosis"]["overall_score"], 58, "{view}");
    let request = &model.requests()[0];
    assert_eq!(request["response_format"], json!({ "type": "json_object" }));
    let system = request["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("json object") && system.contains("overall_score"));
}

/// `max_tokens` follows the schema; an answer stopped at it is asked again with twice the
/// room, a blank one asked again, and neither is sent back to the model as its answer.
#[tokio::test(flavor = "multi_thread")]
async fn an_answer_cut_off_at_its_limit_gets_more_room_and_a_blank_one_is_asked_again() {
    let model = ModelServer::start().await;
    let whole = answer(66, "en");
    model
        .reply(ModelReply::CutOff(whole[..whole.len() / 2].to_owned()))
        .reply(ModelReply::Blank)
        .reply(ModelReply::Content(whole.clone()));
    let mut app = platform(&model).await;
    let (user, resume) = resume_owner(&mut app).await;

    let view = analysed(&user, "/api/v1/diagnoses", diagnosis_of(&resume)).await;
    assert_eq!(view["status"], "succeeded", "{view}");
    assert_eq!(view["diagnosis"]["overall_score"], 66);
    assert_eq!(view["diagnosis"]["engine"]["calls"], 3);
    let requests = model.requests();
    let limits: Vec<u64> = requests
        .iter()
        .map(|r| r["max_tokens"].as_u64().expect("a max_tokens"))
        .collect();
    assert!(limits[0] >= 1024, "{limits:?}");
    assert_eq!(limits[1], limits[0] * 2, "{limits:?}");
    let messages: Vec<usize> = requests
        .iter()
        .map(|r| r["messages"].as_array().unwrap().len())
        .collect();
    assert_eq!(messages, [2, 2, 2]);
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_always_cut_off_fail_the_job_saying_so() {
    let model = ModelServer::start().await;
    for _ in 0..3 {
        model.reply(ModelReply::CutOff(r#"{"language": "en", "overall_"#.into()));
    }
    let mut app = platform(&model).await;
    let (user, resume) = resume_owner(&mut app).await;

    let view = analysed(&user, "/api/v1/diagnoses", diagnosis_of(&resume)).await;
    assert_eq!(view["status"], "failed", "{view}");
    let error = view["error"].as_str().unwrap();
    assert!(
        error.starts_with(
            "the model gave no valid answer in 3 tries; the last one: it was cut off at the "
        ) && error.ends_with("-token limit"),
        "{error}"
    );
}

/// A model down when the attempt starts is waited out within the attempt (up to
/// `PREPQ_LLM_MAX_WAIT_SECS`), not failed at the first refused connection.
#[tokio::test(flavor = "multi_thread")]
async fn a_model_that_cannot_be_reached_at_first_is_waited_out_within_the_attempt() {
    let port = prepq_tests::free_port();
    let mut app = platform_at(
        &format!("http://127.0.0.1:{port}/v1"),
        &[
            ("PREPQ_LLM_OUTPUT", "json-schema"),
            ("PREPQ_LLM_MAX_WAIT_SECS", "120"),
        ],
    )
    .await;
    let (user, resume) = resume_owner(&mut app).await;
    submit_diagnosis(&user, &resume).await;
    wait_until("a call to find no model", JOB_DEADLINE, || async {
        (app.worker_counter(0, "prepq_llm_calls_total").await >= 2.0).then_some(())
    })
    .await;

    let model = ModelServer::start_on(port).await;
    model.reply(ModelReply::Content(answer(68, "en")));
    let done = wait_until("the diagnosis to end", JOB_DEADLINE, || async {
        let job = app.jobs_of_kind("resume.diagnose").await.pop()?;
        matches!(job.status.as_str(), "succeeded" | "failed").then_some(job)
    })
    .await;
    assert_eq!(
        (done.status.as_str(), done.attempt),
        ("succeeded", 1),
        "{:?}",
        done.error
    );
}

/// What a failed attempt cost is counted like a successful one's.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_attempt_is_counted_with_its_calls_and_tokens() {
    let model = ModelServer::start().await;
    for _ in 0..3 {
        model.reply(ModelReply::Content("not json".into()));
    }
    let mut app = platform(&model).await;
    let (user, resume) = resume_owner(&mut app).await;

    let view = analysed(&user, "/api/v1/diagnoses", diagnosis_of(&resume)).await;
    assert_eq!(view["status"], "failed", "{view}");
    assert_eq!(app.worker_counter(0, "prepq_llm_calls_total").await, 3.0);
    // The stand-in's usage: 1,200 prompt and 300 completion tokens a call.
    assert_eq!(
        app.worker_counter(0, "prepq_llm_tokens_total").await,
        4500.0
    );
    assert_eq!(
        app.worker_counter(0, "prepq_llm_exchanges_total").await,
        1.0
    );
}

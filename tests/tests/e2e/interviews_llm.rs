//! Mock interviews written by a model (the stand-in on 127.0.0.1): its feedback on each
//! answer, checked and asked again when wrong; the report's words on computed scores; and
//! the price paid once whatever happens to a worker.

use prepq_tests::{
    ModelReply, ModelServer, PLAIN_RESUME, TestApp, User, fenced, read_resume, wait_until,
};
use serde_json::{Value, json};

use crate::{
    JOB_DEADLINE,
    interviews::{STRONG, location, next, paid_once, reply, reported, started},
};

/// A platform whose workers ask the model as OpenAI is asked; a verified user and their
/// read resume.
async fn with_model(model: &ModelServer) -> (TestApp, User, String) {
    let app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "50")
        .model_at(&model.base_url)
        .worker_env("PREPQ_LLM_MODEL", "stand-in-1")
        .worker_env("PREPQ_LLM_OUTPUT", "json-schema")
        .workers(1)
        .start()
        .await;
    let user = app.verified_user().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    (app, user, resume)
}

const RELIABILITY: &str = "How do you keep a Go service reliable under load?";
const INCIDENT: &str = "Tell me about a production incident you fixed.";

/// The plan's questions as the model writes them: a technical one, then a behavioural one.
fn planned(count: usize) -> String {
    let questions = [
        json!({ "category": "technical", "difficulty": "medium", "question": RELIABILITY,
                "why": "The job runs Go in production.", "key_points": ["timeouts and retries", "load tests"] }),
        json!({ "category": "behavioural", "difficulty": "medium", "question": INCIDENT,
                "why": "Backend roles are on call.", "key_points": ["what happened", "what you did", "the result"] }),
    ];
    json!({ "language": "en", "questions": questions[..count] }).to_string()
}

/// Feedback as the model writes it on the incident question.
fn judged(score: u32, structure: Option<u32>, follow_up: Option<&str>) -> String {
    json!({
        "language": "en",
        "score": score,
        "dimensions": { "accuracy": 85, "completeness": 80, "depth": 90, "expression": 75, "structure": structure },
        "key_points_hit": ["what happened", "what you did", "the result"],
        "key_points_missed": [],
        "strengths": ["Figures make the result concrete."],
        "improvements": ["Say what you would do differently."],
        "model_answer": "At the time checkout failed under load; I added timeouts and alerts, and errors fell by 40%.",
        "follow_up": follow_up,
    })
    .to_string()
}

fn written_report() -> String {
    json!({
        "language": "en",
        "strengths": ["The incident answer gave figures and a clear result."],
        "improvements": ["Answer every technical question, even briefly: the reliability one was left empty."],
        "practise_next": ["Timeouts, retries and load tests in Go services."],
    })
    .to_string()
}

/// The user message of the model's `n`th request.
fn asked(model: &ModelServer, n: usize) -> String {
    let requests = model.requests();
    let messages = requests[n]["messages"].as_array().unwrap();
    let user = messages.iter().find(|m| m["role"] == "user").unwrap();
    user["content"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_writes_the_feedback_is_asked_again_when_wrong_and_words_the_report() {
    let model = ModelServer::start().await;
    model
        .reply(ModelReply::Content(planned(2)))
        // A behavioural answer needs a structure score: asked again with the reason.
        .reply(ModelReply::Content(judged(81, None, None)))
        .reply(ModelReply::Content(judged(
            81,
            Some(70),
            Some("What would you change next time?"),
        )))
        .reply(ModelReply::Content(written_report()));
    let (_app, user, resume) = with_model(&model).await;
    let mut session = started(&user, &resume, 2, "practice").await;
    assert_eq!(session["current"]["question"], RELIABILITY, "{session}");

    // An empty answer has nothing to read: judged without the model.
    reply(&user, &session, json!({ "answer": "" })).await;
    session = next(&user, &location(&session)).await;
    let empty = &session["turns"][0]["feedback"];
    assert_eq!(empty["engine"]["engine"], "builtin", "{empty}");
    assert_eq!(
        model.requests().len(),
        1,
        "only the plan was asked of the model"
    );

    assert_eq!(session["current"]["question"], INCIDENT);
    reply(&user, &session, json!({ "answer": STRONG })).await;
    session = next(&user, &location(&session)).await;
    let feedback = &session["turns"][1]["feedback"];
    assert_eq!(feedback["score"], 81, "{feedback}");
    assert_eq!(feedback["dimensions"]["structure"], 70);
    assert_eq!(feedback["engine"]["engine"], "llm");
    assert_eq!(feedback["engine"]["prompt_version"], "feedback.v1");
    assert_eq!(feedback["engine"]["calls"], 2);
    let first = asked(&model, 1);
    assert_eq!(fenced(&first, "ANSWER").trim(), STRONG);
    assert_eq!(
        fenced(&first, "KEY_POINTS").trim(),
        "what happened\nwhat you did\nthe result"
    );
    let again = model.requests()[2]["messages"].to_string();
    assert!(again.contains("structure score"), "{again}");
    assert_eq!(session["current"]["follow_up"], 1);
    assert_eq!(
        session["current"]["question"],
        "What would you change next time?"
    );

    reply(&user, &session, json!({ "skip": true })).await;
    session = next(&user, &location(&session)).await;
    let done = reported(&user, &session).await;
    let report = &done["assessment"];
    assert_eq!(report["engine"]["prompt_version"], "report.v1", "{report}");
    assert_eq!(
        report["strengths"],
        json!(["The incident answer gave figures and a clear result."])
    );
    // The scores are computed from the feedback, not asked of the model.
    assert_eq!(report["overall_score"], done["overall_score"]);
    assert_eq!(report["answered"], 2);
    let words = asked(&model, 3);
    assert!(fenced(&words, "ANSWER_2").contains(STRONG), "{words}");
    paid_once(&user).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_while_the_model_judges_an_answer_charges_the_session_once() {
    let model = ModelServer::start().await;
    model
        .reply(ModelReply::Content(planned(1)))
        .reply(ModelReply::Held(String::new()))
        .reply(ModelReply::Content(
            json!({
                "language": "en", "score": 72,
                "dimensions": { "accuracy": 70, "completeness": 50, "depth": 80, "expression": 80, "structure": null },
                "key_points_hit": ["timeouts and retries"], "key_points_missed": ["load tests"],
                "strengths": ["Names the tools."], "improvements": ["Say how you load test."],
                "model_answer": "Timeouts and retries with budgets, and load tests before each release.",
                "follow_up": null,
            })
            .to_string(),
        ))
        .reply(ModelReply::Content(written_report()));
    let (mut app, user, resume) = with_model(&model).await;
    let session = started(&user, &resume, 1, "practice").await;
    reply(&user, &session, json!({ "answer": STRONG })).await;
    wait_until(
        "the model to be asked for feedback",
        JOB_DEADLINE,
        || async { (model.requests().len() == 2).then_some(()) },
    )
    .await;
    app.workers[0].kill_hard();
    app.start_worker(&[]).await;

    let done = reported(&user, &session).await;
    model.release();
    assert_eq!(done["turns"][0]["feedback"]["score"], 72, "{done}");
    let feedback = app.jobs_of_kind("interview.feedback").await;
    assert_eq!(feedback.len(), 1);
    assert_eq!(
        (feedback[0].status.as_str(), feedback[0].attempt),
        ("succeeded", 2)
    );
    paid_once(&user).await;
    let points: Value = user.get("/api/v1/points").await.json().await.unwrap();
    assert_eq!(points["balance"], 30);
}

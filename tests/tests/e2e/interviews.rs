//! Mock interviews over REST with the builtin engine: questions, an answer's feedback and
//! follow-up, the report and its trend, and the price paid once — or refunded once.

use prepq_tests::{
    GO_AND_KUBERNETES, LiveClient, PLAIN_RESUME, TestApp, User, fixture, ledger, read_resume,
    ticket, wait_until,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

const WEAK: &str = "I try to do my best and work hard with the team.";
pub(crate) const STRONG: &str = "At the time our Go checkout service took 3000 requests per second; I was responsible for its reliability, so I set timeouts and retries, added Prometheus alerts and ran load tests before each release. As a result errors fell by 40% because slow calls no longer piled up.";

async fn platform() -> (TestApp, User) {
    let app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "50")
        .workers(1)
        .start()
        .await;
    let user = app.verified_user().await;
    (app, user)
}

/// The platform with a verified user and their read resume.
async fn with_resume() -> (TestApp, User, String) {
    let (app, user) = platform().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    (app, user, resume)
}

/// Starts a session and waits for its first question.
pub(crate) async fn started(user: &User, resume: &str, count: u32, mode: &str) -> Value {
    let request = json!({
        "resume_id": resume,
        "target": { "title": "Backend Engineer", "description": GO_AND_KUBERNETES },
        "count": count,
        "mode": mode,
    });
    let created = user
        .call(Method::POST, "/api/v1/interviews", Some(&request))
        .await;
    assert_eq!(created.status(), 201, "{:?}", created.text().await);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let session: Value = created.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/interviews/{}", session["id"].as_str().unwrap())
    );
    assert_eq!(session["status"], "planning");
    next(user, &location).await
}

/// The session once it is not waiting: a current question, or ended.
pub(crate) async fn next(user: &User, location: &str) -> Value {
    wait_until(
        "the interview to be ready for an answer",
        JOB_DEADLINE,
        || async {
            let view: Value = user.get(location).await.json().await.ok()?;
            let ready = !view["current"].is_null()
                || ["finished", "abandoned", "failed"].contains(&view["status"].as_str()?);
            ready.then_some(view)
        },
    )
    .await
}

/// Skips every question left; the session as it then is.
async fn skip_rest(user: &User, mut session: Value) -> Value {
    while session["status"] == "in_progress" {
        reply(user, &session, json!({ "skip": true })).await;
        session = next(user, &location(&session)).await;
    }
    session
}

/// The session once its report is written.
pub(crate) async fn reported(user: &User, session: &Value) -> Value {
    wait_until("the report", JOB_DEADLINE, || async {
        let view: Value = user.get(&location(session)).await.json().await.ok()?;
        (view["status"] == "finished").then_some(view)
    })
    .await
}

pub(crate) fn location(session: &Value) -> String {
    format!("/api/v1/interviews/{}", session["id"].as_str().unwrap())
}

pub(crate) async fn reply(user: &User, session: &Value, body: Value) -> reqwest::Response {
    let path = format!("{}/answers", location(session));
    user.call(Method::POST, &path, Some(&body)).await
}

/// The session's price was reserved and settled, once.
pub(crate) async fn paid_once(user: &User) {
    assert_eq!(
        ledger(user).await,
        [
            ("grant".into(), 50),
            ("reserve".into(), -20),
            ("settle".into(), 0)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_practice_interview_gives_feedback_a_follow_up_and_a_report_paid_once() {
    let (_app, user, resume) = with_resume().await;
    let mut session = started(&user, &resume, 3, "practice").await;
    assert_eq!(session["status"], "in_progress", "{session}");
    assert_eq!(session["current"]["question_index"], 1);
    assert_eq!(session["current"]["follow_up"], 0);

    // A weak first answer: scored, and followed up on what it missed.
    let answered = reply(&user, &session, json!({ "answer": WEAK })).await;
    assert_eq!(answered.status(), 200);
    session = next(&user, &location(&session)).await;
    let first = &session["turns"][0];
    assert_eq!(first["answer"], WEAK);
    let feedback = &first["feedback"];
    assert!(feedback["score"].as_u64().unwrap() < 60, "{feedback}");
    assert!(!feedback["key_points_missed"].as_array().unwrap().is_empty());
    assert!(!feedback["model_answer"].as_str().unwrap().is_empty());
    assert_eq!(session["current"]["question_index"], 1);
    assert_eq!(session["current"]["follow_up"], 1, "{session}");
    assert_eq!(session["current"]["question"], feedback["follow_up"]);

    // An empty answer to the follow-up scores low and says why.
    reply(&user, &session, json!({ "answer": "" })).await;
    session = next(&user, &location(&session)).await;
    let empty = &session["turns"][1]["feedback"];
    assert!(empty["score"].as_u64().unwrap() <= 10, "{empty}");
    assert!(
        empty["improvements"][0]
            .as_str()
            .unwrap()
            .contains("nothing"),
        "{empty}"
    );

    // The rest: skip what follows up, answer the plan's questions well.
    let mut sent = vec![WEAK.to_owned(), String::new()];
    while session["status"] == "in_progress" {
        let current = &session["current"];
        let body = if current["follow_up"].as_u64().unwrap() > 0 {
            json!({ "skip": true })
        } else {
            sent.push(STRONG.to_owned());
            json!({ "answer": STRONG })
        };
        assert_eq!(reply(&user, &session, body).await.status(), 200);
        session = next(&user, &location(&session)).await;
    }
    let done = reported(&user, &session).await;
    let answers: Vec<String> = done["turns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["answer"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(answers, sent);
    let report = &done["assessment"];
    assert_eq!(report["overall_score"], done["overall_score"]);
    assert_eq!(report["language"], "en");
    assert_eq!(report["earlier_scores"], json!([]));
    assert!(report["change"].is_null());
    let scores: Vec<u64> = done["turns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["feedback"]["score"].as_u64())
        .collect();
    assert_eq!(report["answered"].as_u64().unwrap() as usize, scores.len());
    // A strong answer outscores the weak one.
    assert!(scores[2] > scores[0], "{scores:?}");

    paid_once(&user).await;
    let after = reply(&user, &done, json!({ "answer": "late" })).await;
    assert_eq!(after.status(), 409);
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["error"]["code"], "interview_not_in_progress");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interview_ended_before_any_answer_is_abandoned_and_refunded_once() {
    let (_app, user, resume) = with_resume().await;
    let session = started(&user, &resume, 2, "real").await;
    let ended = user
        .call(Method::POST, &format!("{}/end", location(&session)), None)
        .await;
    assert_eq!(ended.status(), 200);
    let view: Value = ended.json().await.unwrap();
    assert_eq!(view["status"], "abandoned", "{view}");
    // Ending again changes nothing.
    let again = user
        .call(Method::POST, &format!("{}/end", location(&session)), None)
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        ledger(&user).await,
        [
            ("grant".into(), 50),
            ("reserve".into(), -20),
            ("refund".into(), 20)
        ]
    );
    let deleted = user.call(Method::DELETE, &location(&session), None).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(user.get(&location(&session)).await.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_session_reports_the_trend_and_a_real_session_hides_feedback_until_the_end() {
    let (_app, user, resume) = with_resume().await;
    let mut scores = Vec::new();
    for answer in [WEAK, STRONG] {
        let mut session = started(&user, &resume, 1, "real").await;
        reply(&user, &session, json!({ "answer": answer })).await;
        session = next(&user, &location(&session)).await;
        while session["status"] == "in_progress" {
            // Real mode: nothing of the feedback shows while the session runs.
            assert!(session["turns"][0]["feedback"].is_null(), "{session}");
            reply(&user, &session, json!({ "skip": true })).await;
            session = next(&user, &location(&session)).await;
        }
        let done = reported(&user, &session).await;
        assert!(!done["turns"][0]["feedback"].is_null(), "{done}");
        scores.push(done["overall_score"].as_i64().unwrap());
        if scores.len() == 2 {
            let report = &done["assessment"];
            assert_eq!(report["earlier_scores"], json!([scores[0]]));
            assert_eq!(report["change"], json!(scores[1] - scores[0]));
        }
    }
    let history: Value = user.get("/api/v1/interviews").await.json().await.unwrap();
    let listed: Vec<i64> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["overall_score"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [scores[1], scores[0]]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chinese_session_is_chinese_from_question_to_report() {
    let (_app, user) = platform().await;
    let resume = read_resume(&user, fixture("billryan_resume-zh_CN.pdf"), "zh.pdf").await;
    let mut session = started(&user, &resume, 1, "practice").await;
    assert_eq!(session["language"], "zh-CN");
    let han = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    assert!(
        han(session["current"]["question"].as_str().unwrap()),
        "{session}"
    );
    reply(
        &user,
        &session,
        json!({ "answer": "当时我负责后端服务，我做了缓存优化，最终结果是延迟降低了30%。" }),
    )
    .await;
    session = next(&user, &location(&session)).await;
    let feedback = &session["turns"][0]["feedback"];
    assert!(
        han(feedback["model_answer"].as_str().unwrap()),
        "{feedback}"
    );
    session = skip_rest(&user, session).await;
    let done = reported(&user, &session).await;
    let report = &done["assessment"];
    assert_eq!(report["language"], "zh-CN");
    let words: Vec<&str> = report["improvements"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["practise_next"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    assert!(
        !words.is_empty() && words.iter().all(|w| han(w)),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_answers_and_other_users_sessions_are_refused_and_nothing_is_stored() {
    let (app, user, resume) = with_resume().await;
    let session = started(&user, &resume, 1, "practice").await;

    let both = reply(&user, &session, json!({ "answer": "x", "skip": true })).await;
    assert_eq!(both.status(), 422);
    let neither = reply(&user, &session, json!({})).await;
    assert_eq!(neither.status(), 422);
    let oversized = reply(&user, &session, json!({ "answer": "a".repeat(10_001) })).await;
    assert!(
        oversized.status().is_client_error(),
        "{}",
        oversized.status()
    );
    let malformed = user
        .http
        .post(user.url(&format!("{}/answers", location(&session))))
        .bearer_auth(&user.token)
        .header("content-type", "application/json")
        .body("{\"answer\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);

    let stranger = app.verified_user().await;
    assert_eq!(stranger.get(&location(&session)).await.status(), 404);
    assert_eq!(
        reply(&stranger, &session, json!({ "answer": "mine now" }))
            .await
            .status(),
        404
    );
    let ended = stranger
        .call(Method::POST, &format!("{}/end", location(&session)), None)
        .await;
    assert_eq!(ended.status(), 404);

    let view: Value = user.get(&location(&session)).await.json().await.unwrap();
    assert_eq!(view["status"], "in_progress");
    assert!(view["turns"][0]["answer"].is_null(), "{view}");
}

/// The same loop live: questions, feedback and a follow-up pushed as they come, a dropped
/// connection back at the same question, the report pushed at the end.
#[tokio::test(flavor = "multi_thread")]
async fn a_live_session_over_websocket_reconnects_to_the_same_question_and_ends_with_its_report() {
    let (_app, user, resume) = with_resume().await;
    let session = started(&user, &resume, 2, "practice").await;
    let id = session["id"].as_str().unwrap();

    let mut live = LiveClient::open(&user, id).await;
    let first = live.next_of("question", JOB_DEADLINE).await;
    assert_eq!(
        (
            first["question_index"].as_i64(),
            first["follow_up"].as_i64()
        ),
        (Some(1), Some(0))
    );
    assert_eq!(first["question"], session["current"]["question"]);
    live.send(json!({ "type": "answer", "text": WEAK })).await;
    let feedback = live.next_of("feedback", JOB_DEADLINE).await;
    assert_eq!(feedback["question_index"], 1);
    let follow_up = live.next_of("follow_up", JOB_DEADLINE).await;
    assert_eq!(follow_up["question"], feedback["feedback"]["follow_up"]);
    drop(live);

    let mut live = LiveClient::open(&user, id).await;
    let again = live.next_of("follow_up", JOB_DEADLINE).await;
    assert_eq!(again["question"], follow_up["question"]);
    live.send(json!({ "type": "skip" })).await;
    let second = live.next_of("question", JOB_DEADLINE).await;
    assert_eq!(second["question_index"], 2);
    live.send(json!({ "type": "answer", "text": STRONG })).await;
    live.next_of("feedback", JOB_DEADLINE).await;
    live.send(json!({ "type": "end" })).await;
    let report = live.next_of("report_ready", JOB_DEADLINE).await;
    assert!(live.closed_within(JOB_DEADLINE).await);

    let done: Value = user.get(&location(&session)).await.json().await.unwrap();
    assert_eq!(done["status"], "finished");
    assert_eq!(report["overall_score"], done["overall_score"]);
    assert_eq!(report["assessment"], done["assessment"]);
    let answers: Vec<&str> = done["turns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["answer"].as_str())
        .collect();
    assert_eq!(answers, [WEAK, STRONG]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_socket_refuses_used_and_foreign_tickets_and_bad_messages() {
    let (app, user, resume) = with_resume().await;
    let session = started(&user, &resume, 1, "practice").await;
    let id = session["id"].as_str().unwrap();

    let used = ticket(&user, id).await;
    let mut live = LiveClient::open_with(&user, id, &used).await.unwrap();
    assert_eq!(
        LiveClient::open_with(&user, id, &used).await.err(),
        Some(401)
    );
    assert_eq!(
        LiveClient::open_with(&user, id, "made-up").await.err(),
        Some(401)
    );
    let other = started(&user, &resume, 1, "practice").await;
    let for_other = ticket(&user, other["id"].as_str().unwrap()).await;
    assert_eq!(
        LiveClient::open_with(&user, id, &for_other).await.err(),
        Some(404)
    );
    let stranger = app.verified_user().await;
    let asked = stranger
        .call(
            Method::POST,
            &format!("/api/v1/interviews/{id}/ticket"),
            None,
        )
        .await;
    assert_eq!(asked.status(), 404);

    live.next_of("question", JOB_DEADLINE).await;
    live.send_text("{\"type\": \"answer\"".into()).await;
    let error = live.next_of("error", JOB_DEADLINE).await;
    assert_eq!(error["code"], "invalid_message");
    live.send(json!({ "type": "hint_request" })).await;
    let hint = live.next_of("hint", JOB_DEADLINE).await;
    assert!(!hint["hint"].as_str().unwrap().is_empty());
    // Over 16 KiB: the server closes the socket, and nothing is stored.
    live.send(json!({ "type": "answer", "text": "a".repeat(20_000) }))
        .await;
    assert!(live.closed_within(JOB_DEADLINE).await);
    let view: Value = user.get(&location(&session)).await.json().await.unwrap();
    assert!(view["turns"][0]["answer"].is_null(), "{view}");
}

/// The session is its rows, not an instance's memory: answered through a second API
/// instance, read through the first, and live on the second with a ticket from the first.
#[tokio::test(flavor = "multi_thread")]
async fn one_session_is_served_alike_by_two_api_instances() {
    let mut app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "50")
        .workers(1)
        .start()
        .await;
    let second = app.start_api().await;
    let user = app.verified_user().await;
    let on_second = User {
        base: second,
        ..user.clone()
    };
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    let mut session = started(&user, &resume, 2, "practice").await;
    let mut sent = Vec::new();
    while session["status"] == "in_progress" {
        // Alternate: answer on one instance, read the result on the other.
        let (answering, reading) = if sent.len() % 2 == 0 {
            (&on_second, &user)
        } else {
            (&user, &on_second)
        };
        if session["current"]["follow_up"].as_u64().unwrap() > 0 {
            assert_eq!(
                reply(answering, &session, json!({ "skip": true }))
                    .await
                    .status(),
                200
            );
        } else {
            let text = if sent.is_empty() { WEAK } else { STRONG };
            assert_eq!(
                reply(answering, &session, json!({ "answer": text }))
                    .await
                    .status(),
                200
            );
            sent.push(text);
        }
        session = next(reading, &location(&session)).await;
        if sent.len() == 1 && session["status"] == "in_progress" {
            let id = session["id"].as_str().unwrap();
            let issued = ticket(&user, id).await;
            let mut live = LiveClient::open_with(&on_second, id, &issued)
                .await
                .unwrap();
            let asked = live
                .next_of_any(&["question", "follow_up"], JOB_DEADLINE)
                .await;
            assert_eq!(asked["question"], session["current"]["question"]);
        }
    }
    let done = reported(&on_second, &session).await;
    let first: Value = user.get(&location(&session)).await.json().await.unwrap();
    assert_eq!(first, done);
    let answers: Vec<&str> = done["turns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["answer"].as_str())
        .collect();
    assert_eq!(answers, sent);
    paid_once(&user).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_counts_analyses_and_interviews_with_the_score_trend() {
    let (_app, user) = platform().await;
    let empty: Value = user.get("/api/v1/dashboard").await.json().await.unwrap();
    assert_eq!(empty["interviews"]["count"], 0);
    assert_eq!(empty["diagnoses"]["latest"], json!([]));

    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    let diagnosis = prepq_tests::analysed(
        &user,
        "/api/v1/diagnoses",
        json!({ "resume_id": resume, "target": { "title": "Backend", "description": GO_AND_KUBERNETES } }),
    )
    .await;
    let mut session = started(&user, &resume, 1, "practice").await;
    reply(&user, &session, json!({ "answer": STRONG })).await;
    session = next(&user, &location(&session)).await;
    session = skip_rest(&user, session).await;
    let done = reported(&user, &session).await;

    let dashboard: Value = user.get("/api/v1/dashboard").await.json().await.unwrap();
    assert_eq!(dashboard["diagnoses"]["count"], 1);
    assert_eq!(dashboard["diagnoses"]["latest"][0]["id"], diagnosis["id"]);
    assert_eq!(dashboard["question_sets"]["count"], 0);
    assert_eq!(dashboard["interviews"]["count"], 1);
    assert_eq!(dashboard["interviews"]["latest"][0]["id"], done["id"]);
    assert_eq!(
        dashboard["interviews"]["score_trend"],
        json!([done["overall_score"]])
    );
}

//! One trace per job: the request that enqueued it, each attempt the workers ran, and the
//! calls they made, across processes, sent to a stand-in OTLP collector.

use prepq_tests::{
    CollectedSpan, GO_AND_KUBERNETES, ModelReply, ModelServer, OtlpCollector, PLAIN_RESUME,
    TestApp, analysed, read_resume, wait_until,
};
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

fn diagnosis(score: u32) -> String {
    json!({
        "language": "en", "overall_score": score,
        "dimensions": { "requirements_match": 40, "skills_coverage": 35, "quantified_impact": 10,
                        "structure": 90, "clarity": 60, "ats_readability": 95 },
        "keywords": { "matched_must_have": ["PostgreSQL"], "missing_must_have": ["Go", "Kubernetes"],
                      "matched_nice_to_have": [], "missing_nice_to_have": ["Rust"] },
        "strengths": ["Clear structure."], "weaknesses": ["No Go or Kubernetes."],
        "suggestions": []
    })
    .to_string()
}

fn named<'s>(spans: &'s [CollectedSpan], name: &str) -> Vec<&'s CollectedSpan> {
    spans.iter().filter(|span| span.name == name).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_diagnosis_is_one_trace_from_its_request_through_a_retry_to_the_model() {
    let collector = OtlpCollector::start().await;
    let model = ModelServer::start().await;
    // Five busy answers end the first attempt (transient); the second gets the diagnosis.
    for _ in 0..5 {
        model.reply(ModelReply::Status(503, None));
    }
    model.reply(ModelReply::Content(diagnosis(71)));
    let mut app = TestApp::builder()
        .model_at(&model.base_url)
        .traces(&collector)
        .env("PREPQ_LOG_FORMAT", "json")
        .worker_env("PREPQ_LLM_OUTPUT", "json-schema")
        .worker_env("PREPQ_LLM_MAX_WAIT_SECS", "0")
        .worker_env("PREPQ_RETRY_BASE_MS", "100")
        .start()
        .await;
    app.start_worker(&[]).await;
    let user = app.verified_user().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;

    let view = analysed(
        &user,
        "/api/v1/diagnoses",
        json!({ "resume_id": resume, "target": { "title": "Backend", "description": GO_AND_KUBERNETES } }),
    )
    .await;
    assert_eq!(view["status"], "succeeded", "{view}");
    let job = app
        .jobs_of_kind("resume.diagnose")
        .await
        .pop()
        .expect("the job");
    let job_id = job.id.to_string();
    assert_eq!(job.attempt, 2, "{job:?}");

    // Two run spans of the job and six model calls, all exported.
    let spans = wait_until("the job's spans to be exported", JOB_DEADLINE, || async {
        let spans = collector.spans();
        (named(&spans, "run resume.diagnose")
            .iter()
            .filter(|span| span.attributes.get("job_id") == Some(&job_id))
            .count()
            == 2
            && named(&spans, "llm chat").len() >= 6)
            .then_some(spans)
    })
    .await;
    let request = named(&spans, "POST /api/v1/diagnoses");
    assert_eq!(request.len(), 1, "{spans:#?}");
    let request = request[0];
    assert_eq!(request.service, "prepq-api");
    assert_eq!(
        request.parent_span_id, "",
        "the request is the trace's root"
    );
    let trace = &request.trace_id;

    let mut runs: Vec<&CollectedSpan> = named(&spans, "run resume.diagnose")
        .into_iter()
        .filter(|span| span.attributes.get("job_id") == Some(&job_id))
        .collect();
    runs.sort_by_key(|span| span.attributes["attempt"].clone());
    for (run, attempt) in runs.iter().zip(["1", "2"]) {
        assert_eq!(
            &run.trace_id, trace,
            "attempt {attempt} is in the request's trace"
        );
        assert_eq!(
            run.parent_span_id, request.span_id,
            "attempt {attempt}'s parent"
        );
        assert_eq!(run.service, "prepq-workers");
        assert_eq!(run.attributes["attempt"], attempt);
    }
    assert_eq!(
        runs[0].status_code, 2,
        "the first attempt failed: {:?}",
        runs[0]
    );
    assert!(
        runs[0].attributes["error"].contains("did not take the request"),
        "{:?}",
        runs[0]
    );
    assert_ne!(runs[1].status_code, 2, "{:?}", runs[1]);

    let calls = named(&spans, "llm chat");
    let under = |run: &CollectedSpan| -> Vec<&CollectedSpan> {
        calls
            .iter()
            .copied()
            .filter(|call| call.parent_span_id == run.span_id)
            .collect()
    };
    let (first, second) = (under(runs[0]), under(runs[1]));
    assert_eq!((first.len(), second.len()), (5, 1), "{calls:#?}");
    assert!(
        first
            .iter()
            .all(|call| call.status_code == 2
                && call.attributes["http.response.status_code"] == "503")
    );
    assert_eq!(second[0].attributes["http.response.status_code"], "200");
    // The model saw each call's own span as its parent.
    let seen: Vec<String> = model.trace_parents().into_iter().flatten().collect();
    for call in first.iter().chain(&second) {
        let expected = format!("00-{trace}-{}-01", call.span_id);
        assert!(seen.contains(&expected), "{expected} not in {seen:?}");
    }

    // Every line the worker logged while running the job names the job and the trace.
    let log = app.workers[0].log_text();
    let lines: Vec<Value> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.to_string().contains(&job_id))
        .collect();
    assert!(!lines.is_empty(), "{log}");
    for line in &lines {
        let job_span = line["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|span| span["name"] == "job"))
            .unwrap_or_else(|| panic!("{line}"));
        assert_eq!(job_span["job_id"], job_id.as_str(), "{line}");
        assert_eq!(&job_span["trace_id"], trace.as_str(), "{line}");
    }
}

use std::time::Duration;

use prepq_tests::{JobView, TestApp, fixture};

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn uploaded_pdf_is_extracted_and_its_owner_sees_every_state() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let mut events = user.events("/api/v1/events").await;

    let response = user
        .upload(fixture("rm_john_doe.pdf"), "john doe.pdf")
        .await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let accepted: JobView = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/jobs/{}", accepted.id));
    assert_eq!(
        (accepted.status.as_str(), accepted.kind.as_str()),
        ("queued", "resume.extract")
    );

    let job = user.finished(accepted.id, JOB_DEADLINE).await;
    assert_eq!(job.status, "succeeded", "error: {:?}", job.error);
    assert_eq!(job.progress, 100);
    let result = job.result.expect("a result");
    assert_eq!(result["pages"], 2);
    let text = result["text"].as_str().unwrap();
    for line in [
        "JOHN DOE",
        "123 Main St, Anywhere, USA — (123) 456-7890 — john.doe@email.com",
        "PROFESSIONAL SUMMARY",
        "Spring Boot, Spring MVC, and Hibernate",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }

    let mut states = events.states_of(accepted.id, JOB_DEADLINE).await;
    // Progress while running comes as further `running` events.
    states.dedup();
    assert_eq!(states, ["queued", "running", "succeeded"]);

    // A finished job's own stream says where it is, then ends.
    let mut job_events = user
        .events(&format!("/api/v1/jobs/{}/events", accepted.id))
        .await;
    let current = job_events
        .next(Duration::from_secs(10))
        .await
        .expect("current state");
    assert_eq!(current["status"], "succeeded");
    assert!(job_events.next(Duration::from_secs(10)).await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn events_reach_clients_of_every_api_instance() {
    let mut app = TestApp::builder().workers(1).start().await;
    let second = app.start_api().await;
    let user = app.user().await;
    let on_second = prepq_tests::User {
        base: second,
        ..user.clone()
    };
    let mut events = on_second.events("/api/v1/events").await;

    let job = user.echo("across instances", 0).await;
    assert_eq!(
        events.states_of(job.id, JOB_DEADLINE).await,
        ["queued", "running", "succeeded"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn docx_and_text_resumes_are_extracted_and_agree_with_the_pdf() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let mut texts = Vec::new();
    let chinese =
        "张伟\r\n软件工程师 | zhang.wei@example.com\r\n\r\n技能：Rust、Kubernetes、机器学习\r\n";
    for (bytes, name) in [
        (fixture("scorelia_sample_resume.docx"), "sample.docx"),
        (fixture("scorelia_sample_resume.pdf"), "sample.pdf"),
        (chinese.as_bytes().to_vec(), "简历.txt"),
    ] {
        let response = user.upload(bytes, name).await;
        assert_eq!(response.status(), 202, "{name}");
        let job: JobView = response.json().await.unwrap();
        let job = user.finished(job.id, JOB_DEADLINE).await;
        assert_eq!(job.status, "succeeded", "{name}: {:?}", job.error);
        let text = job.result.unwrap()["text"].as_str().unwrap().to_owned();
        texts.push(text);
    }
    for expected in [
        "John Doe",
        "john.doe@email.com",
        "Software Engineer at Google",
        "Stanford University, 2020",
        "FastAPI",
    ] {
        assert!(
            texts[0].contains(expected),
            "DOCX lacks {expected:?}: {}",
            texts[0]
        );
        assert!(
            texts[1].contains(expected),
            "PDF lacks {expected:?}: {}",
            texts[1]
        );
    }
    assert_eq!(
        texts[2],
        "张伟\n软件工程师 | zhang.wei@example.com\n\n技能：Rust、Kubernetes、机器学习"
    );

    // The same file as Notepad on a Chinese Windows saves it: GBK.
    let gbk: Vec<u8> = prepq_tests::files::gbk(chinese);
    assert!(std::str::from_utf8(&gbk).is_err());
    let response = user.upload(gbk, "简历-gbk.txt").await;
    assert_eq!(response.status(), 202);
    let job: JobView = response.json().await.unwrap();
    let job = user.finished(job.id, JOB_DEADLINE).await;
    assert_eq!(job.result.unwrap()["text"], texts[2].as_str());
}

use prepq_tests::{JobView, TestApp, User, files, fixture, wait_until};
use reqwest::Method;
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

async fn extracted(user: &User, bytes: Vec<u8>, name: &str) -> String {
    let response = user.upload(bytes, name).await;
    assert_eq!(response.status(), 202, "{name}");
    let job: JobView = response.json().await.unwrap();
    let job = user.finished(job.id, JOB_DEADLINE).await;
    assert_eq!(job.status, "succeeded", "{name}: {:?}", job.error);
    job.result.unwrap()["text"].as_str().unwrap().to_owned()
}

fn assert_contains(text: &str, expected: &[&str], what: &str) {
    for line in expected {
        assert!(text.contains(line), "{what} lacks {line:?}:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_of_a_resume_in_english_is_read_by_ocr() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    // RGBA with a transparent background, and named as a PDF: still a PNG.
    let text = extracted(&user, fixture("textractor_resume.png"), "resume.pdf").await;
    assert_contains(
        &text,
        &[
            "Private Detective",
            "Nobel Prize in Medicine",
            "Pastry Chef",
        ],
        "the PNG",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn chinese_resumes_are_read_from_fonts_without_unicode_maps_from_images_and_from_scans() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let pdf = fixture("billryan_resume-zh_CN.pdf");

    // pdf-extract drops every Chinese character of this file; the yield check notices.
    let text = extracted(&user, pdf.clone(), "resume-zh.pdf").await;
    assert_contains(
        &text,
        &[
            "你的大名",
            "教育背景",
            "上海交通大学",
            "西安电子科技大学",
            "后台资源占用率减少 8%",
        ],
        "the text PDF",
    );

    let photo = files::render_page(&pdf, 1, 300);
    let scan = files::scanned_pdf(std::slice::from_ref(&photo));
    // Named in Chinese, the scan is read with the Chinese model first.
    for (bytes, name) in [(photo.clone(), "page.png"), (scan, "扫描件.pdf")] {
        let text = extracted(&user, bytes, name).await;
        assert_contains(&text, &["西安电子科技大学", "在读硕士研究生"], name);
    }

    // A reader of Chinese: OCR starts with the Chinese model.
    let chinese = json!({"language": "zh-CN"});
    let profile = user
        .call(Method::PUT, "/api/v1/auth/profile", Some(&chinese))
        .await;
    assert_eq!(profile.status(), 200);
    let mut photo = photo;
    // Another file: the same bytes would be the reading already made.
    photo.extend_from_slice(b"\0");
    let text = extracted(&user, photo, "page-again.png").await;
    assert_contains(&text, &["西安电子科技大学", "在读硕士研究生"], "the photo");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_moves_to_the_ocr_queue_and_reports_its_pages_as_they_are_read() {
    let mut app = TestApp::builder().start().await;
    app.start_worker(&[("PREPQ_QUEUES", "resume.extract")])
        .await;
    let user = app.user().await;
    let mut events = user.events("/api/v1/events").await;
    let pdf = fixture("rm_john_doe.pdf");
    let scan = files::scanned_pdf(&[
        files::render_page(&pdf, 1, 300),
        files::render_page(&pdf, 2, 300),
    ]);

    let job: JobView = user.upload(scan, "scan.pdf").await.json().await.unwrap();
    // No worker serves OCR yet: the reading waits there, under its own kind.
    wait_until("the reading to move to OCR", JOB_DEADLINE, || async {
        let job = user.job(job.id).await;
        (job.kind == "resume.ocr" && job.status == "queued").then_some(())
    })
    .await;

    app.start_worker(&[("PREPQ_QUEUES", "resume.ocr")]).await;
    let done = user.finished(job.id, JOB_DEADLINE).await;
    assert_eq!(done.status, "succeeded", "{:?}", done.error);
    let result = done.result.unwrap();
    assert_eq!(result["pages"], 2);
    assert_contains(
        result["text"].as_str().unwrap(),
        &["JOHN DOE", "PROFESSIONAL SUMMARY", "Spring Boot"],
        "the scan",
    );

    let steps: Vec<(String, Value)> = events
        .events_of(job.id, JOB_DEADLINE)
        .await
        .into_iter()
        .map(|e| (e["status"].as_str().unwrap().to_owned(), e["steps"].clone()))
        .collect();
    let page = |done: u32| json!({ "done": done, "total": 2 });
    assert!(
        steps.contains(&("running".to_owned(), page(1))),
        "page 1 of 2 was reported while running: {steps:?}"
    );
    assert_eq!(steps.last(), Some(&("succeeded".to_owned(), page(2))));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_slower_than_the_ocr_limit_fails_its_job_and_the_worker_goes_on() {
    let app = TestApp::builder()
        .worker_env("PREPQ_OCR_PAGE_TIMEOUT_MS", "200")
        .workers(1)
        .start()
        .await;
    let user = app.user().await;
    let page = files::render_page(&fixture("rm_john_doe.pdf"), 1, 300);
    let cases = [
        (
            files::scanned_pdf(std::slice::from_ref(&page)),
            "scan.pdf",
            "OCR of page 1 took longer than the 0.2 s limit per page",
        ),
        (
            page,
            "photo.png",
            "OCR of the image took longer than the 0.2 s limit",
        ),
    ];
    for (bytes, name, reason) in cases {
        let job: JobView = user.upload(bytes, name).await.json().await.unwrap();
        let job = user.finished(job.id, JOB_DEADLINE).await;
        assert_eq!(
            (job.status.as_str(), job.error.as_deref()),
            ("failed", Some(reason)),
            "{name}"
        );
    }
    let echo = user.echo("still here", 0).await;
    assert_eq!(
        user.finished(echo.id, JOB_DEADLINE).await.status,
        "succeeded"
    );
}

/// OCR reads this table's column of headings before the column of what they head; the
/// reading puts each heading back before its block, so the jobs are jobs.
#[tokio::test(flavor = "multi_thread")]
async fn a_table_of_headings_read_column_by_column_is_put_back_in_reading_order() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let response = user
        .upload(fixture("textractor_resume.png"), "resume.png")
        .await;
    let job: JobView = response.json().await.unwrap();
    let job = user.finished(job.id, JOB_DEADLINE).await;
    assert_eq!(job.status, "succeeded", "{:?}", job.error);
    let result = job.result.unwrap();
    let text = result["text"].as_str().unwrap();
    let jobs_at = text.find("Previous jobs").expect("the heading");
    let awards_at = text.find("Awards and Recognitions").expect("the heading");
    let detective_at = text.find("Private Detective").expect("a job");
    assert!(jobs_at < detective_at && detective_at < awards_at, "{text}");
    let headings: Vec<&str> = result["parse"]["experience"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["heading"].as_str().unwrap())
        .collect();
    assert_eq!(
        headings,
        ["Private Detective", "Neurosurgeon", "Pastry Chef"]
    );
}

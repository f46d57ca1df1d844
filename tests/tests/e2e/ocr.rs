use prepq_tests::{JobView, TestApp, User, files, fixture};

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
    let scan = files::image_only_pdf(&photo);
    for (bytes, name) in [(photo, "page.png"), (scan, "scan.pdf")] {
        let text = extracted(&user, bytes, name).await;
        assert_contains(&text, &["西安电子科技大学", "在读硕士研究生"], name);
    }
}

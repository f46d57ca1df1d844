use prepq_tests::{JobView, TestApp, files, fixture};
use serde_json::Value;

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn bad_files_get_a_clear_refusal_or_a_readable_failure() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;

    for (file, status, code) in [
        // 71 bytes of ASCII named .pdf: a broken PDF to its owner, not a text resume.
        ("scorelia_corrupt_file.pdf", 415, "unsupported_media_type"),
        ("scorelia_empty_file.pdf", 422, "invalid_request"),
    ] {
        let response = user.upload(fixture(file), file).await;
        assert_eq!(response.status(), status, "{file}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{file}");
    }

    let executable = user
        .upload(b"\x7fELF\x02\x01\x01\x00".to_vec(), "cv.txt")
        .await;
    assert_eq!(executable.status(), 415);

    // Failed for good at once: the read, then for the scan its OCR, each tried once.
    for (file, reason, attempts) in [
        (
            "scorelia_password_protected.pdf",
            "the PDF is password-protected; upload a copy without a password",
            1,
        ),
        (
            "scorelia_scanned_resume.pdf",
            "the PDF has no text layer and no text was found by OCR",
            2,
        ),
    ] {
        let response = user.upload(fixture(file), file).await;
        assert_eq!(response.status(), 202, "{file}");
        let job: JobView = response.json().await.unwrap();
        let job = user.finished(job.id, JOB_DEADLINE).await;
        assert_eq!(
            (job.status.as_str(), job.attempt),
            ("failed", attempts),
            "{file}"
        );
        assert_eq!(job.error.as_deref(), Some(reason), "{file}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bombs_and_giants_fail_within_the_limits_and_the_worker_keeps_serving() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let cases = [
        (
            files::blank_png(20_000, 20_000),
            "giant.png",
            "the image is 20000 × 20000 pixels; the limit is 40 megapixels",
        ),
        (
            files::docx_bomb(64 << 20),
            "bomb.docx",
            "the DOCX's document inflates to more than 32 MB: refused as a decompression bomb",
        ),
        (
            files::blank_pdf(500),
            "long.pdf",
            "the PDF has 500 pages; the limit is 50",
        ),
        (
            files::blank_pdf(21),
            "long-scan.pdf",
            "the PDF has no readable text layer and 21 pages; OCR reads at most 20",
        ),
    ];
    for (bytes, name, reason) in cases {
        assert!(
            bytes.len() < 2 << 20,
            "{name} is small on the wire: {}",
            bytes.len()
        );
        let response = user.upload(bytes, name).await;
        assert_eq!(response.status(), 202, "{name}");
        let job: JobView = response.json().await.unwrap();
        let job = user.finished(job.id, JOB_DEADLINE).await;
        assert_eq!(job.status, "failed", "{name}");
        assert_eq!(job.error.as_deref(), Some(reason), "{name}");
    }
    let echo = user.echo("still here", 0).await;
    assert_eq!(
        user.finished(echo.id, JOB_DEADLINE).await.status,
        "succeeded"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_over_the_limits_are_refused() {
    let app = TestApp::builder()
        .api_env("PREPQ_MAX_UPLOAD_BYTES", "70000")
        .worker_env("PREPQ_PDF_MAX_PAGES", "1")
        .workers(1)
        .start()
        .await;
    let user = app.user().await;

    // Declared too large: refused before the body is read.
    let huge = user.upload(vec![b'%'; 2_000_000], "huge.pdf").await;
    assert_eq!(huge.status(), 413);
    let body: Value = huge.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");

    // Within the envelope allowance but the file itself is over: refused after reading.
    let mut padded = b"%PDF-1.4\n".to_vec();
    padded.resize(100_000, b' ');
    let over = user.upload(padded, "padded.pdf").await;
    assert_eq!(over.status(), 413);
    let body: Value = over.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "the file is 100000 bytes; the limit is 70000"
    );

    // Under the size limit, over the page limit (two pages): the job fails saying so.
    let accepted: JobView = user
        .upload(fixture("rm_john_doe.pdf"), "cv.pdf")
        .await
        .json()
        .await
        .unwrap();
    let job = user.finished(accepted.id, JOB_DEADLINE).await;
    assert_eq!(job.status, "failed");
    assert_eq!(
        job.error.as_deref(),
        Some("the PDF has 2 pages; the limit is 1")
    );
}

/// Each user's files are read by at most `PREPQ_CHILDREN_PER_USER` sandboxed children at
/// once: six scans from one user queue behind each other instead of each holding its
/// memory limit.
#[tokio::test(flavor = "multi_thread")]
async fn one_users_files_are_read_by_at_most_two_children_at_once() {
    let app = TestApp::builder()
        .worker_env("PREPQ_CHILDREN_PER_USER", "2")
        .worker_env("PREPQ_CONCURRENCY", "8")
        .workers(1)
        .start()
        .await;
    let user = app.user().await;
    let page = files::render_page(&fixture("rm_john_doe.pdf"), 1, 150);
    let scan = files::scanned_pdf(&[page]);
    let mut ids = Vec::new();
    for n in 0..6 {
        let upload = user.upload(scan.clone(), &format!("scan-{n}.pdf")).await;
        assert_eq!(upload.status(), 202);
        ids.push(upload.json::<JobView>().await.unwrap().id);
    }
    let worker = &app.workers[0];
    let mut most = 0;
    let mut pending = ids.clone();
    let deadline = std::time::Instant::now() + JOB_DEADLINE * 2;
    while !pending.is_empty() {
        // One scan of /proc for both kinds: two scans could count a child that ended
        // between them beside the one that took its slot.
        most = most.max(worker.children_running(&["ocr", "extract"]));
        let mut still = Vec::new();
        for id in pending {
            if !matches!(user.job(id).await.status.as_str(), "succeeded" | "failed") {
                still.push(id);
            }
        }
        pending = still;
        assert!(
            std::time::Instant::now() < deadline,
            "the scans did not finish"
        );
    }
    assert!(most <= 2, "{most} children read one user's files at once");
    assert!(most >= 1, "the sampler saw the children");
    for id in ids {
        let job = user.job(id).await;
        assert_eq!(job.status, "succeeded", "{:?}", job.error);
    }
}

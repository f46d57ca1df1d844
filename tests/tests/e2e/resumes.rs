use prepq_schema::resume_parses::{self, ParsedResume};
use prepq_tests::{TestApp, User, fixture, wait_until};
use reqwest::Method;
use serde_json::Value;

use crate::JOB_DEADLINE;

async fn read(user: &User, id: &str) -> Value {
    wait_until("the resume to be read", JOB_DEADLINE, || async move {
        let resume: Value = user
            .get(&format!("/api/v1/resumes/{id}"))
            .await
            .json()
            .await
            .ok()?;
        matches!(resume["status"].as_str(), Some("succeeded" | "failed")).then_some(resume)
    })
    .await
}

/// The parse and skill rows stored for a resume, read from the record.
async fn stored_reading(app: &TestApp, id: &str) -> Option<ParsedResume> {
    let mut conn = app.db().get().await.unwrap();
    resume_parses::find_many(&mut conn, &[id.parse().unwrap()])
        .await
        .unwrap()
        .pop()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resume_is_uploaded_read_listed_reread_and_deleted_by_its_owner_only() {
    let app = TestApp::builder().workers(1).start().await;
    let owner = app.user().await;
    let other = app.user().await;

    let uploaded = owner
        .upload_to("/api/v1/resumes", fixture("rm_john_doe.pdf"), "john.pdf")
        .await;
    assert_eq!(uploaded.status(), 202);
    let location = uploaded.headers()["location"].to_str().unwrap().to_owned();
    let resume: Value = uploaded.json().await.unwrap();
    let id = resume["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/resumes/{id}"));
    assert_eq!(resume["file"]["media_type"], "application/pdf");

    let done = read(&owner, &id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["pages"], 2);
    assert!(done["text"].as_str().unwrap().contains("JOHN DOE"));
    let parse = &done["parse"];
    assert_eq!(parse["language"], "en", "{parse}");
    assert!(parse["sections"].as_array().unwrap().len() >= 3, "{parse}");
    let stored = stored_reading(&app, &id)
        .await
        .expect("the reading is stored");
    assert_eq!(stored.job_id.to_string(), done["job_id"].as_str().unwrap());
    let skills: Vec<&str> = parse["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skill"].as_str().unwrap())
        .collect();
    assert!(!skills.is_empty(), "{parse}");
    assert_eq!(
        stored
            .parse
            .skills
            .iter()
            .map(|s| s.skill.as_str())
            .collect::<Vec<_>>(),
        skills,
        "skill_matches hold what the view shows"
    );
    let listed: Value = owner.get("/api/v1/resumes").await.json().await.unwrap();
    assert_eq!(listed["items"][0]["id"], id.as_str());

    let path = format!("/api/v1/resumes/{id}");
    for (method, target) in [
        (Method::GET, path.clone()),
        (Method::DELETE, path.clone()),
        (Method::POST, format!("{path}/reparse")),
    ] {
        assert_eq!(
            other.call(method.clone(), &target, None).await.status(),
            404,
            "{method} {target}"
        );
    }
    let first_job = done["job_id"].as_str().unwrap().to_owned();
    let in_use = owner
        .call(Method::DELETE, &format!("/api/v1/jobs/{first_job}"), None)
        .await;
    assert_eq!(
        in_use.status(),
        409,
        "a resume's reading goes with the resume"
    );

    let reread: Value = owner
        .call(Method::POST, &format!("{path}/reparse"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(reread["job_id"], first_job.as_str());
    assert_eq!(
        reread["parse"], done["parse"],
        "the last good parse is shown while the resume is read again"
    );
    let reread = read(&owner, &id).await;
    assert_eq!(reread["status"], "succeeded");
    assert_eq!(
        stored_reading(&app, &id).await.unwrap().job_id.to_string(),
        reread["job_id"].as_str().unwrap(),
        "the new reading replaced the old"
    );

    let file_id = done["file"]["id"].as_str().unwrap();
    assert_eq!(owner.call(Method::DELETE, &path, None).await.status(), 204);
    assert_eq!(owner.get(&path).await.status(), 404);
    assert_eq!(
        owner
            .get(&format!("/api/v1/files/{file_id}"))
            .await
            .status(),
        404
    );
    assert!(
        app.jobs_of_kind("resume.extract").await.is_empty(),
        "its readings went too"
    );
    assert!(stored_reading(&app, &id).await.is_none(), "and its parse");
    let blobs = std::fs::read_dir(app.blob_dir()).map_or(0, |dirs| {
        dirs.filter_map(Result::ok)
            .map(|d| std::fs::read_dir(d.path()).map_or(0, Iterator::count))
            .sum::<usize>()
    });
    assert_eq!(blobs, 0, "the file left the disk");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resume_of_an_unknown_type_is_refused_with_415() {
    let app = TestApp::builder().start().await;
    let user = app.user().await;
    let refused = user
        .upload_to(
            "/api/v1/resumes",
            b"GIF89a\x01\x00\x01\x00".to_vec(),
            "me.gif",
        )
        .await;
    assert_eq!(refused.status(), 415);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("PDF, DOCX, PNG, JPEG")
    );
    let listed: Value = user.get("/api/v1/resumes").await.json().await.unwrap();
    assert!(listed["items"].as_array().unwrap().is_empty());
}

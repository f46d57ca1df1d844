//! Points: reserved with the job, spent when it succeeds, given back when it fails or is
//! cancelled; never twice, never below zero.

use prepq_tests::{TestApp, User};
use reqwest::Method;
use serde_json::{Value, json};

use prepq_tests::{GO_AND_KUBERNETES, PLAIN_RESUME, ledger, read_resume};

use crate::JOB_DEADLINE;

async fn balance(user: &User) -> i64 {
    let points: Value = user.get("/api/v1/points").await.json().await.unwrap();
    points["balance"].as_i64().unwrap()
}

/// A grant of 30, one reservation of 10 and its one refund: the balance is whole again.
async fn assert_refunded_once(user: &User) {
    assert_eq!(balance(user).await, 30);
    assert_eq!(
        ledger(user).await,
        [
            ("grant".into(), 30),
            ("reserve".into(), -10),
            ("refund".into(), 10)
        ]
    );
}

fn diagnosis_of(resume: &str) -> Value {
    json!({ "resume_id": resume, "target": { "description": GO_AND_KUBERNETES } })
}

/// Makes the store refuse, as a foreign key would, every diagnosis row for which the SQL
/// condition `when` (on `NEW`) holds.
async fn refuse_diagnoses_where(app: &TestApp, when: &str) {
    app.sql(&format!(
        "CREATE FUNCTION refuse_diagnosis() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         IF {when} THEN RAISE foreign_key_violation USING MESSAGE = 'resume gone'; END IF; \
         RETURN NEW; END $$; \
         CREATE TRIGGER refuse_diagnosis BEFORE INSERT ON diagnoses \
         FOR EACH ROW EXECUTE FUNCTION refuse_diagnosis();"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_concurrent_requests_on_a_balance_for_three_get_three_diagnoses() {
    let app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "30")
        .api_env("PREPQ_PRICE_RESUME_DIAGNOSE", "10")
        .workers(1)
        .start()
        .await;
    let user = app.verified_user().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    assert_eq!(balance(&user).await, 30);

    let request = diagnosis_of(&resume);
    let answers = futures::future::join_all((0..10).map(|_| {
        let (user, request) = (user.clone(), request.clone());
        async move {
            let response = user
                .call(Method::POST, "/api/v1/diagnoses", Some(&request))
                .await;
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    }))
    .await;
    let accepted: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 202)
        .map(|(_, b)| b)
        .collect();
    let refused: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 402)
        .map(|(_, b)| b)
        .collect();
    assert_eq!((accepted.len(), refused.len()), (3, 7), "{answers:?}");
    for body in refused {
        assert_eq!(body["error"]["code"], "insufficient_points");
        assert_eq!(body["error"]["details"]["price"], 10);
        assert_eq!(body["error"]["details"]["balance"], 0);
    }
    for job in accepted {
        let id = job["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(user.finished(id, JOB_DEADLINE).await.status, "succeeded");
    }
    assert_eq!(balance(&user).await, 0);
    let ledger = ledger(&user).await;
    let count = |entry: &str| ledger.iter().filter(|(e, _)| e == entry).count();
    assert_eq!(
        (
            count("grant"),
            count("reserve"),
            count("settle"),
            count("refund")
        ),
        (1, 3, 3, 0),
        "{ledger:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_diagnosis_is_refunded_once_and_unverified_users_cannot_spend() {
    let mut app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "30")
        .start()
        .await;
    // Resumes are read; analyses wait, as no worker serves their queue.
    app.start_worker(&[("PREPQ_QUEUES", "resume.extract")])
        .await;
    let user = app.verified_user().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;

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
    assert_eq!(balance(&user).await, 20, "the price is held while it waits");
    let cancel = format!("/api/v1/jobs/{}/cancel", accepted["id"].as_str().unwrap());
    assert_eq!(user.call(Method::POST, &cancel, None).await.status(), 200);
    assert_eq!(user.call(Method::POST, &cancel, None).await.status(), 409);
    assert_refunded_once(&user).await;

    let unverified = app.user().await;
    let theirs = read_resume(&unverified, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    let refused = unverified
        .call(
            Method::POST,
            "/api/v1/diagnoses",
            Some(&diagnosis_of(&theirs)),
        )
        .await;
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "email_not_verified");
    assert_eq!(balance(&unverified).await, 30);

    let not_theirs = user
        .call(
            Method::POST,
            "/api/v1/diagnoses",
            Some(&diagnosis_of(&theirs)),
        )
        .await;
    assert_eq!(not_theirs.status(), 404, "another user's resume");
}

/// A result the store refuses for good (here a foreign key, raised by a trigger the test
/// puts on `diagnoses`) fails the paid job on its first attempt, without waiting out a
/// lease or retrying, and its price is refunded once.
#[tokio::test(flavor = "multi_thread")]
async fn a_diagnosis_whose_result_breaks_a_foreign_key_fails_at_once_and_is_refunded_once() {
    let app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "30")
        .workers(1)
        .start()
        .await;
    let user = app.verified_user().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    refuse_diagnoses_where(&app, "true").await;

    let view = prepq_tests::analysed(&user, "/api/v1/diagnoses", diagnosis_of(&resume)).await;
    assert_eq!(view["status"], "failed", "{view}");
    let job = app
        .jobs_of_kind("resume.diagnose")
        .await
        .pop()
        .expect("the job");
    assert_eq!(job.attempt, 1, "not retried");
    let reason = view["error"].as_str().unwrap_or_default();
    assert!(reason.contains("could not be stored"), "{reason}");
    assert_refunded_once(&user).await;
}

/// Successes that finish together share one transaction; one among them whose result the
/// store refuses fails alone, refunded, and the others are kept and paid.
#[tokio::test(flavor = "multi_thread")]
async fn one_refused_result_among_concurrent_diagnoses_fails_alone() {
    let app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "1000")
        .worker_env("PREPQ_CONCURRENCY", "32")
        .workers(1)
        .start()
        .await;
    let user = app.verified_user().await;
    let kept = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    let refused = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "again.txt").await;
    refuse_diagnoses_where(&app, &format!("NEW.resume_id = '{refused}'")).await;

    let resumes = std::iter::repeat_n(kept.as_str(), 15).chain([refused.as_str()]);
    let views = futures::future::join_all(
        resumes
            .map(|resume| prepq_tests::analysed(&user, "/api/v1/diagnoses", diagnosis_of(resume))),
    )
    .await;
    let (succeeded, failed): (Vec<&Value>, Vec<&Value>) =
        views.iter().partition(|v| v["status"] == "succeeded");
    assert_eq!((succeeded.len(), failed.len()), (15, 1), "{views:?}");
    let reason = failed[0]["error"].as_str().unwrap_or_default();
    assert!(reason.contains("could not be stored"), "{reason}");
    assert_eq!(
        app.sql_figure("SELECT count(*) FROM diagnoses").await,
        15,
        "every kept diagnosis has its row"
    );
    assert_eq!(balance(&user).await, 1000 - 15 * 10);
    let refunds = ledger(&user)
        .await
        .iter()
        .filter(|(entry, _)| entry == "refund")
        .count();
    assert_eq!(refunds, 1);
}

/// An analysis of a resume whose reading failed is refused before anything is reserved.
#[tokio::test(flavor = "multi_thread")]
async fn an_analysis_of_a_resume_that_could_not_be_read_is_refused_free() {
    let app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "30")
        .workers(1)
        .start()
        .await;
    let user = app.verified_user().await;
    let uploaded: Value = user
        .upload_to(
            "/api/v1/resumes",
            prepq_tests::fixture("scorelia_password_protected.pdf"),
            "locked.pdf",
        )
        .await
        .json()
        .await
        .unwrap();
    let job = uploaded["job_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(user.finished(job, JOB_DEADLINE).await.status, "failed");

    let resume = uploaded["id"].as_str().unwrap();
    let refused = user
        .call(
            Method::POST,
            "/api/v1/diagnoses",
            Some(&diagnosis_of(resume)),
        )
        .await;
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "resume_not_read");
    assert_eq!(balance(&user).await, 30);
    assert_eq!(ledger(&user).await, [("grant".into(), 30)]);
}

/// An admin's retry of a failed diagnosis reserves its price again and is paid when it
/// succeeds; an owner who can no longer pay gets no free retry.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_retry_of_a_failed_paid_job_is_paid_again_or_refused() {
    let app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "20")
        .workers(1)
        .start()
        .await;
    let user = app.verified_user().await;
    let admin = app.admin().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "cv.txt").await;
    refuse_diagnoses_where(&app, "true").await;
    let mut failed = Vec::new();
    for _ in 0..2 {
        let view = prepq_tests::analysed(&user, "/api/v1/diagnoses", diagnosis_of(&resume)).await;
        assert_eq!(view["status"], "failed", "{view}");
        failed.push(view["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(balance(&user).await, 20, "both refunded");
    app.sql("DROP TRIGGER refuse_diagnosis ON diagnoses").await;

    let retried = admin
        .call(
            Method::POST,
            &format!("/api/v1/admin/jobs/{}/retry", failed[0]),
            None,
        )
        .await;
    assert_eq!(retried.status(), 200);
    assert_eq!(balance(&user).await, 10, "reserved again");
    let job = user
        .finished(failed[0].parse().unwrap(), JOB_DEADLINE)
        .await;
    assert_eq!(job.status, "succeeded");
    let spent = prepq_tests::analysed(&user, "/api/v1/diagnoses", diagnosis_of(&resume)).await;
    assert_eq!(spent["status"], "succeeded");
    assert_eq!(balance(&user).await, 0);

    let refused = admin
        .call(
            Method::POST,
            &format!("/api/v1/admin/jobs/{}/retry", failed[1]),
            None,
        )
        .await;
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "insufficient_points", "{body}");
    let still: Value = user
        .get(&format!("/api/v1/jobs/{}", failed[1]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], "failed");
    let mut entries = ledger(&user).await;
    entries.sort();
    assert_eq!(
        entries,
        [
            ("grant".into(), 20),
            ("refund".into(), 10),
            ("refund".into(), 10),
            ("reserve".into(), -10),
            ("reserve".into(), -10),
            ("reserve".into(), -10),
            ("reserve".into(), -10),
            ("settle".into(), 0),
            ("settle".into(), 0),
        ]
    );
}

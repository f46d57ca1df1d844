//! Tickets between a user and the operators, and ratings of what users got.

use prepq_tests::{
    GO_AND_KUBERNETES, PLAIN_RESUME, SmtpServer, TestApp, analysed, read_resume, wait_until,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn an_operators_reply_reaches_the_inbox_and_mail_and_a_closed_ticket_takes_no_more() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().smtp(&smtp).workers(1).start().await;
    let admin = app.admin().await;
    let user = app.verified_user().await;

    let opened = user
        .post_json(
            "/api/v1/tickets",
            &json!({ "subject": "退款", "body": "我想退掉昨天的订单。" }),
            None,
        )
        .await;
    assert_eq!(opened.status(), 201);
    let opened: Value = opened.json().await.unwrap();
    let id = opened["id"].as_str().unwrap().to_owned();
    assert_eq!(opened["status"], "open");
    assert_eq!(opened["posts"].as_array().unwrap().len(), 1);
    let oversized = user
        .post_json(
            "/api/v1/tickets",
            &json!({ "subject": "long", "body": "x".repeat(5001) }),
            None,
        )
        .await;
    assert_eq!(oversized.status(), 400);

    let other = app.user().await;
    assert_eq!(
        other.get(&format!("/api/v1/tickets/{id}")).await.status(),
        404
    );
    let intruding = other
        .post_json(
            &format!("/api/v1/tickets/{id}/posts"),
            &json!({ "body": "me too" }),
            None,
        )
        .await;
    assert_eq!(intruding.status(), 404);
    let listed: Value = other.get("/api/v1/tickets").await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));

    let open: Value = admin
        .get("/api/v1/admin/tickets?status=open")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open["items"][0]["id"], id.as_str());
    let replied = admin
        .post_json(
            &format!("/api/v1/admin/tickets/{id}/replies"),
            &json!({ "body": "已为您办理退款，3 个工作日内到账。" }),
            None,
        )
        .await;
    assert_eq!(replied.status(), 200);
    let replied: Value = replied.json().await.unwrap();
    assert_eq!(replied["status"], "answered");
    assert_eq!(replied["posts"][1]["from_staff"], true);

    let told = wait_until("the reply in the inbox", JOB_DEADLINE, || async {
        let page: Value = user.get("/api/v1/messages").await.json().await.ok()?;
        page["items"].as_array()?.first().cloned()
    })
    .await;
    assert_eq!(told["kind"], "ticket_reply");
    assert!(
        told["body"].as_str().unwrap().contains("已为您办理退款"),
        "{told}"
    );
    assert!(
        told["link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/tickets/{id}"))
    );
    let mail = wait_until("the reply's mail", JOB_DEADLINE, || async {
        smtp.mail_to(&user.email)
            .into_iter()
            .find(|m| m.subject().contains("退款"))
    })
    .await;
    assert_eq!(mail.subject(), "您的工单有新回复：退款");

    let again = user
        .post_json(
            &format!("/api/v1/tickets/{id}/posts"),
            &json!({ "body": "收到，谢谢！" }),
            None,
        )
        .await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["status"], "open", "the operators' turn again");
    let closed = admin
        .call(
            Method::POST,
            &format!("/api/v1/admin/tickets/{id}/close"),
            None,
        )
        .await;
    assert_eq!(closed.status(), 200);
    let late = user
        .post_json(
            &format!("/api/v1/tickets/{id}/posts"),
            &json!({ "body": "还有一件事" }),
            None,
        )
        .await;
    assert_eq!(late.status(), 409);
    let thread: Value = user
        .get(&format!("/api/v1/tickets/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(thread["posts"].as_array().unwrap().len(), 3);
    assert_eq!(thread["status"], "closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rating_of_ones_own_diagnosis_counts_once_in_the_statistics() {
    let app = TestApp::builder().workers(1).start().await;
    let admin = app.admin().await;
    let user = app.verified_user().await;
    let resume = read_resume(&user, PLAIN_RESUME.as_bytes().to_vec(), "jane.txt").await;
    let view = analysed(
        &user,
        "/api/v1/diagnoses",
        json!({ "resume_id": resume, "target": { "title": "Backend", "description": GO_AND_KUBERNETES } }),
    )
    .await;
    let diagnosis = view["id"].as_str().unwrap();
    let rate = |rating: i64| json!({ "module": "diagnosis", "subject_id": diagnosis, "rating": rating, "comment": "有用" });
    for rating in [4, 2] {
        let rated = user
            .post_json("/api/v1/feedback", &rate(rating), None)
            .await;
        assert_eq!(rated.status(), 200);
        let rated: Value = rated.json().await.unwrap();
        assert_eq!(rated["rating"], rating);
    }
    assert_eq!(
        user.post_json("/api/v1/feedback", &rate(6), None)
            .await
            .status(),
        400
    );
    let stranger = app.user().await;
    assert_eq!(
        stranger
            .post_json("/api/v1/feedback", &rate(5), None)
            .await
            .status(),
        404
    );
    let wrong_module = json!({ "module": "interview", "subject_id": diagnosis, "rating": 5 });
    assert_eq!(
        user.post_json("/api/v1/feedback", &wrong_module, None)
            .await
            .status(),
        404
    );

    let stats: Value = admin
        .get("/api/v1/admin/stats?days=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats["feedback"],
        json!([{ "module": "diagnosis", "ratings": 1, "average": 2.0 }])
    );
    assert_eq!(stats["invited_users"], 0);
}

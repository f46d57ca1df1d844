//! The back office's figures over a seeded history: accounts, sign-ins and payments on known
//! days, counted exactly, and only for administrators.

use chrono::{Duration, NaiveDate};
use prepq_tests::{PLAIN_RESUME, TestApp, User};
use serde_json::{Value, json};

/// Noon of `day`, UTC, as SQL reads it.
fn noon(day: NaiveDate) -> String {
    format!("'{day} 12:00:00+00'")
}

async fn paid(app: &TestApp, user: &User, trade_no: &str, fen: i64, at: Option<NaiveDate>) {
    let (status, paid_at) = match at {
        Some(day) => ("paid", noon(day)),
        None => ("pending", "NULL".to_owned()),
    };
    app.sql(&format!(
        "INSERT INTO orders (id, owner_id, client_key, out_trade_no, product, amount_fen, points,
                             status, paid_at, expires_at)
         SELECT gen_random_uuid(), id, '{trade_no}', '{trade_no}', 'topup', {fen}, 20, '{status}',
                {paid_at}, now() + interval '1 day'
         FROM users WHERE email = '{}'",
        user.email
    ))
    .await;
}

/// Moves `user`'s sign-up and sessions to `day`; `still_signed_in` keeps their renewal now.
async fn joined(
    app: &TestApp,
    user: &User,
    signed_up: NaiveDate,
    signed_in: NaiveDate,
    still_signed_in: bool,
) {
    let renewed = if still_signed_in {
        "refreshed_at".to_owned()
    } else {
        noon(signed_in)
    };
    app.sql(&format!(
        "UPDATE users SET created_at = {} WHERE email = '{email}';
         UPDATE sessions SET created_at = {}, refreshed_at = {renewed}
         WHERE user_id = (SELECT id FROM users WHERE email = '{email}')",
        noon(signed_up),
        noon(signed_in),
        email = user.email,
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stats_of_a_seeded_history_are_exactly_right() {
    let app = TestApp::builder().start().await;
    let since_2000 = app
        .sql_figure("SELECT ((now() AT TIME ZONE 'UTC')::date - date '2000-01-01')::bigint")
        .await;
    let today = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Duration::days(since_2000);
    let day = |ago: i64| today - Duration::days(ago);

    let admin = app.admin().await;
    let (a, b, c) = (
        app.verified_user().await,
        app.user().await,
        app.user().await,
    );
    joined(&app, &a, day(2), day(1), false).await;
    joined(&app, &b, day(1), day(0), true).await;
    joined(&app, &c, day(0), day(0), true).await;
    joined(&app, &admin, day(0), day(0), true).await;
    paid(&app, &a, "T1", 1000, Some(day(1))).await;
    paid(&app, &a, "T2", 2000, Some(day(1))).await;
    paid(&app, &b, "T3", 500, Some(day(0))).await;
    paid(&app, &c, "T4", 900, None).await;
    let uploaded = a
        .upload_to(
            "/api/v1/resumes",
            PLAIN_RESUME.as_bytes().to_vec(),
            "cv.txt",
        )
        .await;
    assert_eq!(uploaded.status(), 202);
    app.sql(&format!("UPDATE resumes SET created_at = {}", noon(day(2))))
        .await;

    let stats: Value = admin
        .get(&format!("/api/v1/admin/stats?days=3&until={today}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            &stats["users"],
            &stats["signed_in_now"],
            &stats["paying_users"],
            &stats["revenue_fen"]
        ),
        (&json!(4), &json!(3), &json!(2), &json!(3500)),
        "{stats}"
    );
    let series = |field: &str| -> Vec<Value> {
        stats["days"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d[field].clone())
            .collect()
    };
    assert_eq!(
        series("day"),
        [day(2), day(1), day(0)].map(|d| json!(d.to_string()))
    );
    assert_eq!(series("new_users"), [json!(1), json!(1), json!(2)]);
    assert_eq!(series("active_users"), [json!(0), json!(1), json!(3)]);
    assert_eq!(series("paying_users"), [json!(0), json!(1), json!(1)]);
    assert_eq!(series("revenue_fen"), [json!(0), json!(3000), json!(500)]);
    assert_eq!(series("uploads"), [json!(1), json!(0), json!(0)]);
    assert_eq!(series("diagnoses"), [json!(0), json!(0), json!(0)]);

    for days in ["0", "91"] {
        let refused = admin.get(&format!("/api/v1/admin/stats?days={days}")).await;
        assert_eq!(refused.status(), 400, "days={days}");
    }
    assert_eq!(a.get("/api/v1/admin/stats").await.status(), 403);
}

//! The API's group commit, at the store: requests inserted together each get their own
//! answer, exactly as one by one.

use prepq_jobs::{NewJob, kinds::Echo};
use prepq_schema::{
    jobs::Submitted,
    points,
    submissions::{ClientSubmission, submit_together},
    users,
};
use prepq_tests::TestApp;
use uuid::Uuid;

fn echo(owner_id: Uuid, message: &str, key: Option<&str>, price: Option<i32>) -> ClientSubmission {
    ClientSubmission {
        id: Uuid::now_v7(),
        owner_id,
        job: NewJob::of(&Echo {
            message: message.into(),
            sleep_ms: 0,
            fail_attempts: 0,
        }),
        idempotency_key: key.map(str::to_owned),
        dispatch_id: None,
        price,
    }
}

/// What each answer was, by name, and the job it names.
fn outcome(answer: &Result<Submitted, prepq_schema::StoreError>) -> (&'static str, Option<Uuid>) {
    match answer {
        Ok(Submitted::Created(row)) => ("created", Some(row.id)),
        Ok(Submitted::Existing(row)) => ("existing", Some(row.id)),
        Ok(Submitted::Unaffordable(_)) => ("unaffordable", None),
        Err(_) => ("failed", None),
    }
}

async fn owner(app: &TestApp) -> Uuid {
    let user = app.user().await;
    let mut conn = app.db().get().await.unwrap();
    users::find_by_email(&mut conn, &user.email)
        .await
        .unwrap()
        .expect("the user")
        .id
}

#[tokio::test(flavor = "multi_thread")]
async fn one_batch_answers_each_request_with_its_own_job_key_and_reservation() {
    let app = TestApp::builder().start().await;
    let owner = owner(&app).await;
    let db = app.db();
    let start = points::balance(&mut db.get().await.unwrap(), owner)
        .await
        .unwrap();
    assert!(start > 10, "a sign-up grant to spend: {start}");
    let batch = [
        echo(owner, "first", Some("k1"), None),
        echo(owner, "first", Some("k1"), None),
        echo(owner, "other payload", Some("k1"), None),
        echo(owner, "most of it", None, Some(start - 5)),
        echo(owner, "too dear", Some("k2"), Some(10)),
        echo(owner, "too dear", Some("k2"), Some(10)),
        echo(owner, "the rest", None, Some(5)),
    ];
    let answers = submit_together(&db, &batch).await;
    let outcomes: Vec<_> = answers.iter().map(outcome).collect();
    let first = Some(batch[0].id);
    assert_eq!(
        outcomes,
        [
            ("created", first),
            ("existing", first),
            ("existing", first),
            ("created", Some(batch[3].id)),
            ("unaffordable", None),
            ("unaffordable", None),
            ("created", Some(batch[6].id)),
        ]
    );
    let Ok(Submitted::Unaffordable(refused)) = &answers[4] else {
        unreachable!()
    };
    assert_eq!((refused.balance, refused.price), (5, 10));

    let mut conn = db.get().await.unwrap();
    assert_eq!(points::balance(&mut conn, owner).await.unwrap(), 0);
    let history = points::history(&mut conn, owner, None, 10).await.unwrap();
    let reserved: Vec<(i32, i32)> = history
        .iter()
        .filter(|line| line.entry == "reserve")
        .map(|line| (line.amount, line.balance_after))
        .collect();
    assert_eq!(reserved, [(-5, 0), (-(start - 5), 5)], "newest first");
    let kept = app.jobs_of_kind("platform.echo").await;
    let mut ids: Vec<Uuid> = kept.iter().map(|j| j.id).collect();
    ids.sort();
    assert_eq!(
        ids,
        [batch[0].id, batch[3].id, batch[6].id],
        "refused rows are gone"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_the_store_refuses_fails_alone_and_the_rest_of_its_batch_lands() {
    let app = TestApp::builder().start().await;
    let owner = owner(&app).await;
    let gone = Uuid::now_v7();
    let batch = [
        echo(owner, "before", Some("a"), None),
        echo(gone, "an account deleted meanwhile", None, None),
        echo(owner, "after", None, Some(1)),
    ];
    let answers = submit_together(&app.db(), &batch).await;
    let outcomes: Vec<_> = answers.iter().map(outcome).collect();
    assert_eq!(
        outcomes,
        [
            ("created", Some(batch[0].id)),
            ("failed", None),
            ("created", Some(batch[2].id)),
        ]
    );
    let Err(refused) = &answers[1] else {
        unreachable!()
    };
    assert!(!refused.is_transient(), "a broken foreign key: {refused}");
    assert_eq!(app.jobs_of_kind("platform.echo").await.len(), 2);
}

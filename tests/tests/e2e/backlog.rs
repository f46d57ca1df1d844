use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use prepq_jobs::queue;
use prepq_schema::jobs;
use prepq_tests::{TestApp, wait_until};

const JOBS: usize = 20_000;
const WINDOW: usize = 500;

#[tokio::test(flavor = "multi_thread")]
async fn a_backlog_of_twenty_thousand_waits_in_postgres_and_all_succeed() {
    let mut app = TestApp::builder()
        .env("PREPQ_QUEUE_WINDOW", &WINDOW.to_string())
        .start()
        .await;
    let user = app.user().await;
    let mut redis = app.redis.connection().await;

    // Sampled all along: what Redis holds for the queue never exceeds the window.
    let most_waiting = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let (most_waiting, done, mut redis) = (most_waiting.clone(), done.clone(), redis.clone());
        async move {
            while !done.load(Ordering::Relaxed) {
                // A sample that times out on a loaded machine is skipped, not a failure:
                // the next one comes 10 ms later.
                if let Ok(waiting) = queue::waiting_len(&mut redis, "platform.echo").await {
                    most_waiting.fetch_max(waiting, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });

    let accepted = user.echo_many(JOBS, 0, 32).await;
    assert_eq!(accepted.len(), JOBS);
    assert_eq!(
        queue::waiting_len(&mut redis, "platform.echo")
            .await
            .unwrap(),
        WINDOW
    );

    app.start_worker(&[]).await;
    app.start_worker(&[]).await;
    let db = app.db();
    let counts = wait_until("all jobs to succeed", Duration::from_secs(600), || async {
        let mut conn = db.get().await.ok()?;
        let counts = jobs::count_by_status(&mut conn, "platform.echo")
            .await
            .ok()?;
        let finished: i64 = counts
            .iter()
            .filter(|(s, _)| s != "queued" && s != "running")
            .map(|(_, n)| n)
            .sum();
        (finished == JOBS as i64).then_some(counts)
    })
    .await;
    done.store(true, Ordering::Relaxed);
    sampler.await.unwrap();

    assert_eq!(counts, vec![("succeeded".to_owned(), JOBS as i64)]);
    let most = most_waiting.load(Ordering::Relaxed);
    assert!(
        most <= WINDOW,
        "Redis held {most} waiting jobs; the window is {WINDOW}"
    );
    assert!(most >= WINDOW / 2, "the window was used: {most}");
}

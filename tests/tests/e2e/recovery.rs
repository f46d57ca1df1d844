//! Nothing accepted is lost: not to a killed worker, a failed push, or a wiped Redis.

use std::time::Duration;

use prepq_jobs::{NewJob, kinds::Echo, queue};
use prepq_schema::{jobs, users};
use prepq_tests::{TestApp, wait_until};
use uuid::Uuid;

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn killed_worker_job_finishes_once_elsewhere() {
    let mut app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let job = user.echo("survive", 3000).await;
    wait_until("the job to run", JOB_DEADLINE, || async {
        (user.job(job.id).await.status == "running").then_some(())
    })
    .await;

    app.workers[0].kill_hard();
    let survivor = app.start_worker(&[]).await;
    let survivor_pid = app.workers[survivor].pid();

    // Lease (2 s) + dispatch + the 3 s job, with room for a busy machine.
    let done = user.finished(job.id, Duration::from_secs(45)).await;
    assert_eq!((done.status.as_str(), done.attempt), ("succeeded", 2));
    let worker = done.result.unwrap()["worker"].as_str().unwrap().to_owned();
    assert!(
        worker.contains(&format!("-{survivor_pid}-")),
        "finished by {worker}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn job_accepted_while_the_apis_redis_is_down_still_runs() {
    let app = TestApp::builder()
        .api_redis_via_proxy()
        .workers(1)
        .start()
        .await;
    let user = app.user().await;
    app.proxy.as_ref().unwrap().break_links();

    let job = user.echo("redis is down for the api", 0).await;
    let done = user.finished(job.id, JOB_DEADLINE).await;
    assert_eq!((done.status.as_str(), done.attempt), ("succeeded", 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn job_committed_but_never_pushed_is_dispatched() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let db = app.db();
    let mut conn = db.get().await.unwrap();
    let owner = users::find_by_email(&mut conn, &user.email)
        .await
        .unwrap()
        .unwrap();
    // What the API has written when it dies between its commit and its push.
    let id = Uuid::now_v7();
    let echo = NewJob::of(&Echo {
        message: "orphan".into(),
        sleep_ms: 0,
        fail_attempts: 0,
    });
    let submission = jobs::Submission {
        id,
        owner_id: Some(owner.id),
        job: &echo,
        idempotency_key: None,
        dispatch_id: Some(&queue::new_dispatch_id()),
        price: None,
    };
    jobs::submit(&mut conn, submission).await.unwrap();

    let done = user.finished(id, JOB_DEADLINE).await;
    assert_eq!((done.status.as_str(), done.attempt), ("succeeded", 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_flushed_with_jobs_waiting_loses_none() {
    let mut app = TestApp::builder().start().await;
    // A dispatcher that works no echo jobs, so they wait in Redis.
    app.start_worker(&[("PREPQ_QUEUES", "resume.extract")])
        .await;
    let user = app.user().await;
    let ids = user.echo_many(100, 0, 8).await;
    let mut redis = app.redis.connection().await;
    let waiting = queue::waiting_len(&mut redis, "platform.echo")
        .await
        .unwrap();
    assert_eq!(waiting, 100);

    let _: () = redis::cmd("FLUSHALL")
        .query_async(&mut redis)
        .await
        .unwrap();
    app.start_worker(&[
        ("PREPQ_QUEUES", "platform.echo"),
        ("PREPQ_DISPATCHER", "false"),
    ])
    .await;

    for id in ids {
        let job = user.finished(id, JOB_DEADLINE).await;
        assert_eq!(job.status, "succeeded", "job {id}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finished_job_delivered_again_changes_nothing() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let job = user.echo("only once", 0).await;
    let before = user.finished(job.id, JOB_DEADLINE).await;
    assert_eq!((before.status.as_str(), before.attempt), ("succeeded", 1));

    // A stale duplicate, as apalis' at-least-once delivery can produce.
    let mut redis = app.redis.connection().await;
    queue::push(
        &mut redis,
        "platform.echo",
        &[(job.id, queue::new_dispatch_id())],
    )
    .await
    .unwrap();
    wait_until("the duplicate to be skipped", JOB_DEADLINE, || async {
        (app.worker_counter(0, "prepq_deliveries_skipped_total")
            .await
            >= 1.0)
            .then_some(())
    })
    .await;

    let after = user.job(job.id).await;
    assert_eq!((after.status.as_str(), after.attempt), ("succeeded", 1));
    assert_eq!(after.result, before.result);
}

#[tokio::test(flavor = "multi_thread")]
async fn platform_recovers_from_a_redis_restart() {
    let mut app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let before = user.echo("before the restart", 0).await;
    assert_eq!(
        user.finished(before.id, JOB_DEADLINE).await.status,
        "succeeded"
    );

    app.redis.restart().await;

    let after = user.echo_many(20, 0, 4).await;
    for id in after {
        let job = user.finished(id, JOB_DEADLINE).await;
        assert_eq!(
            (job.status.as_str(), job.attempt),
            ("succeeded", 1),
            "job {id}"
        );
    }
}

/// With the default settings, a PostgreSQL blip of about a second under a backlog costs
/// about its length: the deliveries that meet it wait and ask again instead of being
/// dropped until a redispatch a minute later, and the results that meet it are written
/// when it is back instead of being run again after their lease.
#[tokio::test(flavor = "multi_thread")]
async fn a_postgresql_blip_under_load_costs_seconds_and_every_job_succeeds() {
    let mut app = TestApp::builder()
        .workers_db_via_proxy()
        .worker_env("PREPQ_LEASE_SECS", "30")
        .worker_env("PREPQ_REDISPATCH_AFTER_SECS", "60")
        .worker_env("PREPQ_DISPATCH_INTERVAL_MS", "200")
        .worker_env("PREPQ_POLL_MS", "50")
        .worker_env("PREPQ_RETRY_BASE_MS", "2000")
        .start()
        .await;
    let user = app.user().await;
    // The backlog first, then the worker: the blip meets a full window.
    let ids = user.echo_many(2000, 20, 16).await;
    app.start_worker(&[]).await;
    let succeeded = async || {
        let jobs = app.jobs_of_kind("platform.echo").await;
        jobs.iter().filter(|j| j.status == "succeeded").count()
    };
    wait_until(
        "a few hundred jobs to succeed",
        Duration::from_secs(120),
        || async { (succeeded().await >= 200).then_some(()) },
    )
    .await;
    let proxy = app.db_proxy.as_ref().expect("the workers' database proxy");
    proxy.break_links();
    // The fault itself lasts a second; what is measured is what follows it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    proxy.heal();
    let back = chrono::Utc::now();

    wait_until("every job to succeed", Duration::from_secs(180), || async {
        (succeeded().await == ids.len()).then_some(())
    })
    .await;
    let mut finished: Vec<_> = app
        .jobs_of_kind("platform.echo")
        .await
        .into_iter()
        .filter_map(|j| j.finished_at)
        .filter(|at| *at > back)
        .collect();
    finished.sort();
    let mut longest = chrono::Duration::zero();
    let mut previous = back;
    for at in finished {
        longest = longest.max(at - previous);
        previous = at;
    }
    eprintln!(
        "longest stretch without a success after the blip: {} ms",
        longest.num_milliseconds()
    );
    assert!(
        longest < chrono::Duration::seconds(5),
        "{} ms without a success after PostgreSQL was back",
        longest.num_milliseconds()
    );
}

/// A dispatch cycle whose marks committed but whose answer was lost pushes nothing; the
/// next cycle finds those jobs missing from Redis and pushes them, instead of leaving them
/// holding the window until a redispatch (an hour on, here).
#[tokio::test(flavor = "multi_thread")]
async fn jobs_a_cycle_marked_dispatched_without_hearing_back_are_pushed_by_the_next() {
    let mut app = TestApp::builder()
        .workers_db_via_proxy()
        .env("PREPQ_QUEUE_WINDOW", "4")
        .worker_env("PREPQ_REDISPATCH_AFTER_SECS", "3600")
        .start()
        .await;
    let user = app.user().await;
    // The API pushes the first window; the dispatcher marks the rest.
    let ids = user.echo_many(20, 0, 4).await;
    let proxy = app.db_proxy.as_ref().expect("the workers' database proxy");
    proxy.lose_the_answer_to("dispatch_id = pushed.dispatch_id");
    app.start_worker(&[]).await;
    let proxy = app.db_proxy.as_ref().expect("the workers' database proxy");
    wait_until(
        "the dispatcher's marks to commit and their answer to be lost",
        JOB_DEADLINE,
        || async { proxy.answer_lost().then_some(()) },
    )
    .await;

    wait_until("every job to succeed", JOB_DEADLINE, || async {
        let jobs = app.jobs_of_kind("platform.echo").await;
        let succeeded = jobs.iter().filter(|j| j.status == "succeeded").count();
        (succeeded == ids.len()).then_some(())
    })
    .await;
}

/// A submission whose commit landed while its answer was lost is still accepted and runs at
/// once, with an idempotency key and without: the job is pushed, not left to a redispatch
/// (an hour on, here).
#[tokio::test(flavor = "multi_thread")]
async fn a_submission_committed_without_its_answer_runs_at_once() {
    let app = TestApp::builder()
        .api_db_via_proxy()
        .worker_env("PREPQ_REDISPATCH_AFTER_SECS", "3600")
        .workers(1)
        .start()
        .await;
    let user = app.user().await;
    let proxy = app.db_proxy.as_ref().expect("the API's database proxy");
    for key in [Some("lost-answer"), None] {
        proxy.lose_the_answer_to("INSERT INTO \"jobs\"");
        let body = serde_json::json!({ "message": "committed", "sleep_ms": 0 });
        let answer = user.post_json("/api/v1/jobs/echo", &body, key).await;
        assert!(
            proxy.answer_lost(),
            "the insert's commit was not the one cut"
        );
        assert_eq!(answer.status(), 202, "key {key:?}");
        let accepted: prepq_tests::JobView = answer.json().await.unwrap();
        wait_until("the committed job to succeed", JOB_DEADLINE, || async {
            let jobs = app.jobs_of_kind("platform.echo").await;
            jobs.iter().all(|j| j.status == "succeeded").then_some(())
        })
        .await;
        let jobs = app.jobs_of_kind("platform.echo").await;
        assert!(jobs.iter().any(|j| j.id == accepted.id), "key {key:?}");
    }
    assert_eq!(app.jobs_of_kind("platform.echo").await.len(), 2);
}

/// Tasks a killed worker had fetched but not started are handed back as soon as its alive
/// mark runs out, and start elsewhere within seconds, not after a redispatch a minute on.
#[tokio::test(flavor = "multi_thread")]
async fn what_a_killed_worker_had_fetched_starts_elsewhere_within_seconds() {
    let mut app = TestApp::builder()
        .worker_env("PREPQ_REDISPATCH_AFTER_SECS", "60")
        .start()
        .await;
    let user = app.user().await;
    // Uneven lengths, so slots free one at a time and each fetch of a batch of four
    // leaves tasks waiting in the worker.
    let mut ids = Vec::new();
    for n in 0..60_u64 {
        ids.push(
            user.echo(&format!("echo {n}"), 700 + n * 409 % 2300)
                .await
                .id,
        );
    }
    let survivor = app.start_worker(&[]).await;
    let survivor_pid = app.workers[survivor].pid();
    let doomed = app
        .start_worker(&[("PREPQ_CONCURRENCY", "4"), ("PREPQ_DISPATCHER", "false")])
        .await;
    let doomed_pid = app.workers[doomed].pid();
    // Stopped (SIGSTOP) before the second look, so a slot freeing between looking and
    // killing cannot start what it holds.
    wait_until(
        "the worker to be stopped holding tasks it has not started",
        JOB_DEADLINE,
        || async {
            if fetched_not_started(&app, doomed_pid).await.is_empty() {
                return None;
            }
            app.workers[doomed].pause();
            if fetched_not_started(&app, doomed_pid).await.is_empty() {
                app.workers[doomed].resume();
                return None;
            }
            Some(())
        },
    )
    .await;
    app.workers[doomed].kill_hard();
    let killed = chrono::Utc::now();
    // Read after the kill: what it held then, and had not started, it never will.
    let fetched = fetched_not_started(&app, doomed_pid).await;
    assert!(!fetched.is_empty(), "the worker died holding fetched tasks");

    for id in &ids {
        assert_eq!(user.finished(*id, JOB_DEADLINE).await.status, "succeeded");
    }
    let rows = app.jobs_of_kind("platform.echo").await;
    for id in &fetched {
        let job = rows.iter().find(|j| j.id == *id).expect("the fetched job");
        assert_eq!(job.attempt, 1, "job {id} was never started before");
        let worker = job.worker.as_deref().unwrap_or_default();
        assert!(worker.contains(&format!("-{survivor_pid}-")), "{worker}");
        let waited = job.started_at.expect("a start") - killed;
        eprintln!(
            "fetched job {id} started {} ms after the kill",
            waited.num_milliseconds()
        );
        assert!(
            waited < chrono::Duration::seconds(10),
            "job {id} started {} ms after the kill",
            waited.num_milliseconds()
        );
    }
}

/// Jobs still queued in PostgreSQL whose push sits in an in-flight set of process `pid`.
async fn fetched_not_started(app: &TestApp, pid: i32) -> Vec<Uuid> {
    let config = queue::apalis_config("platform.echo");
    let mut redis = app.redis.connection().await;
    let workers: Vec<String> = redis::cmd("ZRANGE")
        .arg(config.workers_set())
        .arg(0)
        .arg(-1)
        .query_async(&mut redis)
        .await
        .unwrap();
    let mut pushes = Vec::new();
    for worker in workers.iter().filter(|w| w.contains(&format!("-{pid}-"))) {
        let members: Vec<String> = redis::cmd("SMEMBERS")
            .arg(format!("{}:{worker}", config.inflight_jobs_set()))
            .query_async(&mut redis)
            .await
            .unwrap();
        pushes.extend(members);
    }
    app.jobs_of_kind("platform.echo")
        .await
        .into_iter()
        .filter(|j| j.status == "queued")
        .filter(|j| j.dispatch_id.as_ref().is_some_and(|d| pushes.contains(d)))
        .map(|j| j.id)
        .collect()
}

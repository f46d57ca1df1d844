use std::{collections::HashMap, time::Duration};

use prepq_tests::{TestApp, wait_until};

use crate::JOB_DEADLINE;

#[tokio::test(flavor = "multi_thread")]
async fn two_worker_processes_share_a_queue_and_run_each_job_once() {
    let mut app = TestApp::builder().start().await;
    let user = app.user().await;
    // Queued before the workers start, so neither can keep up alone and both must take
    // a share (an idle worker only looks when its poll interval fires).
    let jobs = user.echo_many(200, 50, 16).await;
    app.start_workers(2, &[]).await;

    let mut runs_per_process: HashMap<String, usize> = HashMap::new();
    for id in jobs {
        let job = user.finished(id, JOB_DEADLINE).await;
        assert_eq!(
            (job.status.as_str(), job.attempt),
            ("succeeded", 1),
            "job {id}"
        );
        let worker = job.result.unwrap()["worker"].as_str().unwrap().to_owned();
        // Worker names are `{process}-{queue}-{restart}`.
        let process = worker.rsplitn(3, '-').nth(2).unwrap().to_owned();
        *runs_per_process.entry(process).or_default() += 1;
    }
    assert_eq!(runs_per_process.values().sum::<usize>(), 200);
    assert_eq!(
        runs_per_process.len(),
        2,
        "both processes worked: {runs_per_process:?}"
    );
}

/// The dispatcher's role is a lease: a dispatcher paused by SIGSTOP loses it to another
/// process within two leases, orphans are recovered meanwhile, and when it wakes it steps
/// down instead of acting on a role it no longer has.
#[tokio::test(flavor = "multi_thread")]
async fn a_paused_dispatcher_is_replaced_within_two_leases_and_steps_down_when_it_wakes() {
    const LEASE_SECS: u64 = 3;
    let mut app = TestApp::builder()
        .worker_env("PREPQ_LEADER_LEASE_SECS", &LEASE_SECS.to_string())
        .start()
        .await;
    let dispatches = |log: &str| log.matches("this process is now the dispatcher").count();
    app.start_worker(&[]).await;
    wait_until("the first worker to dispatch", JOB_DEADLINE, || async {
        (dispatches(&app.workers[0].log_text()) == 1).then_some(())
    })
    .await;
    app.start_worker(&[]).await;
    let user = app.user().await;
    let job = user.echo("orphaned later", 0).await;
    assert_eq!(
        user.finished(job.id, JOB_DEADLINE).await.status,
        "succeeded"
    );

    app.workers[0].pause();
    let paused = std::time::Instant::now();
    // A job whose worker died mid-run: running, its lease gone.
    app.sql(&format!(
        "UPDATE jobs SET status = 'running', lease_expires_at = now() - interval '1 second', \
         finished_at = NULL WHERE id = '{}'",
        job.id
    ))
    .await;
    wait_until("the second worker to take over", JOB_DEADLINE, || async {
        (dispatches(&app.workers[1].log_text()) == 1).then_some(())
    })
    .await;
    let takeover = paused.elapsed();
    assert!(
        takeover < Duration::from_secs(2 * LEASE_SECS),
        "took over after {takeover:?}"
    );
    let recovered = user.finished(job.id, JOB_DEADLINE).await;
    assert_eq!(
        (recovered.status.as_str(), recovered.attempt),
        ("succeeded", 2)
    );

    app.workers[0].resume();
    wait_until(
        "the woken dispatcher to step down",
        JOB_DEADLINE,
        || async {
            let log = app.workers[0].log_text();
            (log.contains("stepping down") || log.contains("lost the dispatcher lease"))
                .then_some(())
        },
    )
    .await;
    assert!(
        !app.workers[0].log_text().contains("job recovered"),
        "the paused dispatcher recovered nothing"
    );
}

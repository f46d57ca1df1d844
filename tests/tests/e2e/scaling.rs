use std::collections::HashMap;

use prepq_tests::TestApp;

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

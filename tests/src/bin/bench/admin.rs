//! The operators' views at scale: `GET /admin/queues` and `GET /admin/stats?days=30` with
//! `--admin-users` users and `--admin-jobs` jobs of 30 days' history in PostgreSQL — sessions,
//! paid orders, resumes and analyses among them — written straight into the tables in a few
//! set-based statements, then read through the API as an administrator would.

use std::time::{Duration, Instant};

use prepq_tests::{TestApp, User};

use crate::Args;

/// Reads of each view.
const READS: usize = 50;

/// A deterministic user id for the `n`th seeded user, so every table can name one.
const USER_ID: &str = "('00000000-0000-4000-8000-' || lpad(to_hex(n % $USERS), 12, '0'))::uuid";

pub async fn views(args: &Args) {
    let app = TestApp::builder().start().await;
    let admin = app.admin().await;
    let seeding = Instant::now();
    seed(&app, args.admin_users, args.admin_jobs).await;
    app.sql("VACUUM ANALYZE").await;
    println!(
        "admin views: {} users, {} jobs seeded in {:.0} s; {}",
        app.sql_figure("SELECT count(*) FROM users").await,
        app.sql_figure("SELECT count(*) FROM jobs").await,
        seeding.elapsed().as_secs_f64(),
        crate::jobs_table(&app).await
    );
    for path in ["/api/v1/admin/queues", "/api/v1/admin/stats?days=30"] {
        time(&admin, path).await;
    }
}

async fn time(admin: &User, path: &str) {
    let warm = admin.get(path).await;
    assert_eq!(warm.status(), 200, "{path}");
    let mut latencies: Vec<Duration> = Vec::with_capacity(READS);
    for _ in 0..READS {
        let sent = Instant::now();
        let answer = admin.get(path).await;
        assert_eq!(answer.status(), 200, "{path}");
        answer.bytes().await.expect("the answer");
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    let ms = |q: f64| latencies[((READS as f64 * q) as usize).min(READS - 1)].as_secs_f64() * 1e3;
    println!(
        "  GET {path}: p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms ({READS} reads)",
        ms(0.5),
        ms(0.9),
        ms(1.0)
    );
}

/// Users over 90 days; a session for each within 30 days; a tenth of them paying; jobs
/// spread over 30 days and the kinds, nearly all finished, some failed, a backlog queued
/// (due and backing off), a few running; a resume for every reading that succeeded and an
/// analysis for every analysis job that did.
async fn seed(app: &TestApp, users: usize, jobs: usize) {
    let users = users.max(1);
    let user_id = USER_ID.replace("$USERS", &users.to_string());
    let kinds = prepq_jobs::KINDS
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let statements = [
        format!(
            "INSERT INTO users (id, email, email_key, password_hash, created_at)
             SELECT {user_id}, 'user' || n || '@bench.example', 'user' || n || '@bench.example',
                    'not a hash', now() - (n % 90) * interval '1 day' - (n % 1440) * interval '1 minute'
             FROM generate_series(0, {users} - 1) AS n"
        ),
        format!(
            "INSERT INTO sessions (id, user_id, created_at, refreshed_at)
             SELECT gen_random_uuid(), {user_id}, now() - (n % 30) * interval '1 day',
                    now() - (n % 30) * interval '1 day'
             FROM generate_series(0, {users} - 1) AS n"
        ),
        format!(
            "INSERT INTO orders (id, owner_id, client_key, out_trade_no, product, amount_fen, points,
                                 status, paid_at, expires_at, created_at)
             SELECT gen_random_uuid(), {user_id}, 'bench-' || n, 'BENCH' || n, 'topup', 1000, 100,
                    'paid', now() - (n % 30) * interval '1 day', now(), now() - (n % 30) * interval '1 day'
             FROM generate_series(0, {users} / 10 - 1) AS n"
        ),
        format!(
            "INSERT INTO jobs (id, owner_id, kind, status, attempt, max_attempts, payload, error,
                               run_after, created_at, started_at, finished_at, updated_at)
             SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(n), 12, '0'))::uuid, {user_id},
                    (ARRAY[{kinds}])[1 + n % {count}],
                    CASE WHEN n % 100 = 0 THEN 'queued' WHEN n % 1000 = 1 THEN 'running'
                         WHEN n % 50 = 2 THEN 'failed' ELSE 'succeeded' END,
                    1, 5, '{{}}'::jsonb,
                    CASE WHEN n % 50 = 2 THEN 'seeded failure' END,
                    now() + CASE WHEN n % 200 = 0 THEN interval '1 hour' ELSE interval '0' END,
                    at, at, CASE WHEN n % 100 = 0 OR n % 1000 = 1 THEN NULL ELSE at + interval '1 second' END,
                    at
             FROM generate_series(0, {jobs} - 1) AS n,
                  LATERAL (SELECT now() - (n % 30) * interval '1 day' - (n % 86400) * interval '1 second' AS at) AS t",
            count = prepq_jobs::KINDS.len()
        ),
        "INSERT INTO files (id, owner_id, sha256, size_bytes, media_type, created_at)
         SELECT id, owner_id, md5(id::text), 1000, 'application/pdf', created_at
         FROM jobs WHERE kind = 'resume.extract' AND status = 'succeeded'".to_owned(),
        "INSERT INTO resumes (id, owner_id, file_id, job_id, created_at, updated_at)
         SELECT id, owner_id, id, id, created_at, created_at FROM files".to_owned(),
        "INSERT INTO diagnoses (job_id, owner_id, overall_score, language, engine, result, created_at)
         SELECT id, owner_id, 70, 'en', 'builtin', '{}'::jsonb, created_at
         FROM jobs WHERE kind = 'resume.diagnose' AND status = 'succeeded'".to_owned(),
        "INSERT INTO question_sets (job_id, owner_id, questions, language, engine, result, created_at)
         SELECT id, owner_id, 10, 'en', 'builtin', '{}'::jsonb, created_at
         FROM jobs WHERE kind = 'questions.predict' AND status = 'succeeded'".to_owned(),
    ];
    for statement in statements {
        app.sql(&statement).await;
    }
}

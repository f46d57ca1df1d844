//! `TestApp`: one scenario's whole platform, real processes on random ports.

use std::{path::PathBuf, time::Duration};

use serde_json::json;
use uuid::Uuid;

use crate::{
    ChaosProxy, Process, RedisServer, User, database::fresh_database, process::bin_dir,
    redis_server::free_port, wait_until,
};

/// The password of every user the harness makes.
pub const PASSWORD: &str = "correct horse battery";

/// Generous: a cold debug binary on a loaded 2-core machine can be slow to come up.
const START_DEADLINE: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct TestAppBuilder {
    api_env: Vec<(String, String)>,
    worker_env: Vec<(String, String)>,
    workers: usize,
    api_via_proxy: bool,
    workers_db_via_proxy: bool,
    api_db_via_proxy: bool,
}

impl TestAppBuilder {
    pub fn workers(mut self, count: usize) -> Self {
        self.workers = count;
        self
    }

    pub fn api_env(mut self, key: &str, value: &str) -> Self {
        self.api_env.push((key.into(), value.into()));
        self
    }

    pub fn worker_env(mut self, key: &str, value: &str) -> Self {
        self.worker_env.push((key.into(), value.into()));
        self
    }

    /// Both binaries get this setting.
    pub fn env(self, key: &str, value: &str) -> Self {
        self.api_env(key, value).worker_env(key, value)
    }

    /// The workers send mail to this server instead of the outbox.
    pub fn smtp(mut self, server: &crate::SmtpServer) -> Self {
        self.worker_env.extend(
            server
                .worker_env()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v)),
        );
        self
    }

    /// The API and the workers take payments through this provider.
    pub fn payments(mut self, provider: &crate::PayProvider) -> Self {
        for (key, value) in provider.env() {
            self = self.env(key, &value);
        }
        self
    }

    /// The workers' analyses and interviews are written by the model at `base_url`,
    /// whether or not one is there.
    pub fn model_at(self, base_url: &str) -> Self {
        self.worker_env("PREPQ_ANALYSIS_ENGINE", "llm")
            .worker_env("PREPQ_LLM_BASE_URL", base_url)
            .worker_env("PREPQ_LLM_API_KEY", "sk-test")
    }

    /// Both binaries send their spans to this collector, each batch within 100 ms.
    pub fn traces(self, collector: &crate::OtlpCollector) -> Self {
        self.env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.endpoint)
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
    }

    /// The API reaches Redis through a proxy the test can break.
    pub fn api_redis_via_proxy(mut self) -> Self {
        self.api_via_proxy = true;
        self
    }

    /// The API reaches PostgreSQL through a proxy the test can break (`db_proxy`).
    pub fn api_db_via_proxy(mut self) -> Self {
        self.api_db_via_proxy = true;
        self
    }

    /// The workers reach PostgreSQL through a proxy the test can break (`db_proxy`).
    pub fn workers_db_via_proxy(mut self) -> Self {
        self.workers_db_via_proxy = true;
        self
    }

    pub async fn start(self) -> TestApp {
        let database_url = fresh_database().await;
        let redis = RedisServer::start().await;
        let run_dir = bin_dir()
            .join("e2e-runs")
            .join(Uuid::now_v7().simple().to_string());
        let blob_dir = run_dir.join("blobs");
        let common = vec![
            ("DATABASE_URL".to_owned(), database_url.clone()),
            ("PREPQ_BLOB_DIR".to_owned(), blob_dir.display().to_string()),
            // No nightly audit unless a scenario asks for one.
            ("PREPQ_RECONCILE_SCHEDULE".to_owned(), String::new()),
        ];
        let proxy = if self.api_via_proxy {
            Some(ChaosProxy::start(([127, 0, 0, 1], redis.port).into()).await)
        } else {
            None
        };
        let api_redis = proxy
            .as_ref()
            .map_or(redis.url(), |p| format!("redis://127.0.0.1:{}", p.port));
        let api_port = free_port();
        let base_url = format!("http://127.0.0.1:{api_port}");
        let metrics_url = format!("http://127.0.0.1:{}", free_port());
        let jwt_secret = format!("test-{}", Uuid::now_v7());
        let mut api_env = common.clone();
        api_env.extend(
            [
                ("REDIS_URL", api_redis.as_str()),
                ("PREPQ_BIND", &format!("127.0.0.1:{api_port}")),
                (
                    "PREPQ_METRICS_BIND",
                    metrics_url.trim_start_matches("http://"),
                ),
                ("PREPQ_JWT_SECRET", &jwt_secret),
                ("PREPQ_REDIS_TIMEOUT_MS", "300"),
                ("PREPQ_PUBLIC_URL", &base_url),
                (
                    "PREPQ_PAY_NOTIFY_URL",
                    &format!("{base_url}/api/v1/payments/wechat/notify"),
                ),
                // Every scenario's users come from 127.0.0.1; the limit scenarios set their own.
                ("PREPQ_RATE_REGISTER_IP", "100000/1m"),
                ("PREPQ_RATE_LOGIN_IP", "100000/1m"),
                ("PREPQ_RATE_ENQUEUE_USER", "10000000/1m"),
                // Still argon2id, at a cost for tests: the production cost (64 MiB, two
                // passes) spent most of the suite's CPU on the hashes of its users.
                ("PREPQ_ARGON2_MEMORY_KIB", "8192"),
                ("PREPQ_ARGON2_ITERATIONS", "1"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        api_env.extend(self.api_env);
        let mut worker_env = common;
        worker_env.extend(
            [
                ("REDIS_URL", redis.url().as_str()),
                // Short leases and intervals, so recovery scenarios finish in seconds.
                ("PREPQ_LEASE_SECS", "2"),
                ("PREPQ_DISPATCH_INTERVAL_MS", "50"),
                ("PREPQ_REDISPATCH_AFTER_SECS", "2"),
                ("PREPQ_RETRY_BASE_MS", "100"),
                ("PREPQ_POLL_MS", "20"),
                ("PREPQ_SHUTDOWN_GRACE_SECS", "15"),
                // The scenarios' sites are on 127.0.0.1; the guard's scenario sets its own.
                ("PREPQ_OUTBOUND_ALLOW_PRIVATE", "true"),
                (
                    "PREPQ_MAIL_OUTBOX",
                    &run_dir.join("outbox").display().to_string(),
                ),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        let db_proxy = if self.workers_db_via_proxy || self.api_db_via_proxy {
            let mut url = url::Url::parse(&database_url).expect("the database URL");
            let target = (
                [127, 0, 0, 1],
                url.port().expect("the database URL names its port"),
            );
            let proxy = ChaosProxy::start(target.into()).await;
            url.set_port(Some(proxy.port)).expect("a port");
            let through = ("DATABASE_URL".to_owned(), url.to_string());
            if self.workers_db_via_proxy {
                worker_env.push(through.clone());
            }
            if self.api_db_via_proxy {
                api_env.push(through);
            }
            Some(proxy)
        } else {
            None
        };
        worker_env.extend(self.worker_env);
        let api = Process::spawn("api", "api", &api_env, &run_dir);
        let mut app = TestApp {
            other_apis: Vec::new(),
            worker_health: Vec::new(),
            api_metrics: metrics_url,
            api_env,
            jwt_secret,
            base_url,
            http: reqwest::Client::new(),
            database_url,
            redis,
            proxy,
            db_proxy,
            api,
            workers: Vec::new(),
            worker_env,
            run_dir,
        };
        app.wait_ready(&format!("{}/readyz", app.base_url), "api")
            .await;
        for _ in 0..self.workers {
            app.start_worker(&[]).await;
        }
        app
    }
}

/// Fields drop in order: the processes go before the servers they depend on.
pub struct TestApp {
    pub api: Process,
    pub other_apis: Vec<Process>,
    pub workers: Vec<Process>,
    /// Base URL of each worker's health and metrics server, by index.
    pub worker_health: Vec<String>,
    /// Base URL of the first API's metrics listener.
    pub api_metrics: String,
    pub base_url: String,
    pub http: reqwest::Client,
    pub database_url: String,
    pub proxy: Option<ChaosProxy>,
    /// Between the workers (or the API) and PostgreSQL, with `workers_db_via_proxy` (or
    /// `api_db_via_proxy`).
    pub db_proxy: Option<ChaosProxy>,
    pub redis: RedisServer,
    /// The key the API signs access tokens with, to forge them in scenarios.
    pub jwt_secret: String,
    api_env: Vec<(String, String)>,
    worker_env: Vec<(String, String)>,
    run_dir: PathBuf,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// Starts one more worker process (extra settings override the scenario's) and waits
    /// until it is ready. Returns its index in `workers`.
    pub async fn start_worker(&mut self, extra: &[(&str, &str)]) -> usize {
        self.start_workers(1, extra).await.start
    }

    /// Starts `count` worker processes at once, then waits until all are ready.
    pub async fn start_workers(
        &mut self,
        count: usize,
        extra: &[(&str, &str)],
    ) -> std::ops::Range<usize> {
        let first = self.workers.len();
        let mut health_urls = Vec::new();
        for index in first..first + count {
            let health = free_port();
            let mut env = self.worker_env.clone();
            env.push((
                "PREPQ_WORKER_HEALTH_ADDR".into(),
                format!("127.0.0.1:{health}"),
            ));
            env.extend(
                extra
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            );
            let process =
                Process::spawn("workers", &format!("workers-{index}"), &env, &self.run_dir);
            self.workers.push(process);
            self.worker_health
                .push(format!("http://127.0.0.1:{health}"));
            health_urls.push(format!("http://127.0.0.1:{health}/readyz"));
        }
        for url in health_urls {
            self.wait_ready(&url, "workers").await;
        }
        first..first + count
    }

    /// Kills the first API instance (`kill -9`) and starts it again on its address.
    pub async fn restart_api(&mut self) {
        self.api.kill_hard();
        self.api = Process::spawn("api", "api-restarted", &self.api_env, &self.run_dir);
        self.wait_ready(&format!("{}/readyz", self.base_url), "api")
            .await;
    }

    /// Starts another API instance on the same database and Redis; returns its base URL.
    pub async fn start_api(&mut self) -> String {
        let port = free_port();
        let mut env = self.api_env.clone();
        env.push(("PREPQ_BIND".into(), format!("127.0.0.1:{port}")));
        env.push((
            "PREPQ_METRICS_BIND".into(),
            format!("127.0.0.1:{}", free_port()),
        ));
        let name = format!("api-{}", self.other_apis.len() + 1);
        self.other_apis
            .push(Process::spawn("api", &name, &env, &self.run_dir));
        let base = format!("http://127.0.0.1:{port}");
        self.wait_ready(&format!("{base}/readyz"), "api").await;
        base
    }

    async fn wait_ready(&self, url: &str, what: &str) {
        let http = &self.http;
        wait_until(
            &format!("{what} to be ready"),
            START_DEADLINE,
            || async move {
                let response = http.get(url).send().await.ok()?;
                response.status().is_success().then_some(())
            },
        )
        .await;
    }

    /// Registers and signs in a new user.
    pub async fn user(&self) -> User {
        let email = format!("user-{}@example.com", Uuid::now_v7().simple());
        let registered = self.register(&email, PASSWORD).await;
        assert_eq!(registered.status(), 201, "register");
        self.sign_in(&email, PASSWORD).await
    }

    /// A user whose address is verified, as following the mailed link does: one who may
    /// spend points.
    pub async fn verified_user(&self) -> User {
        let user = self.user().await;
        let mut conn = self.db().get().await.expect("test connection");
        let found = prepq_schema::users::find_by_email(&mut conn, &user.email)
            .await
            .expect("finding the user")
            .expect("the user exists");
        // No inviter to credit: the harness's users register without a code.
        prepq_schema::users::mark_verified(&mut conn, found.id, 0)
            .await
            .expect("verifying");
        user
    }

    /// An administrator, made the only way there is: `api admin create`.
    pub async fn admin(&self) -> User {
        let email = format!("admin-{}@example.com", Uuid::now_v7().simple());
        let mut command = tokio::process::Command::new(bin_dir().join("api"));
        command
            .args(["admin", "create", "--email", &email])
            .env_clear()
            .envs(self.api_env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().expect("api admin create");
        let mut stdin = child.stdin.take().expect("stdin");
        tokio::io::AsyncWriteExt::write_all(&mut stdin, format!("{PASSWORD}\n").as_bytes())
            .await
            .expect("writing the password");
        drop(stdin);
        let output = child.wait_with_output().await.expect("api admin create");
        assert!(
            output.status.success(),
            "api admin create: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.sign_in(&email, PASSWORD).await
    }

    pub async fn register(&self, email: &str, password: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/auth/register", self.base_url))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("register")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/auth/login", self.base_url))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login")
    }

    /// Signs in, asserting it works.
    pub async fn sign_in(&self, email: &str, password: &str) -> User {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), 200, "login of {email}");
        let tokens: serde_json::Value = response.json().await.expect("login body");
        User {
            http: self.http.clone(),
            base: self.base_url.clone(),
            token: tokens["access_token"]
                .as_str()
                .expect("access token")
                .to_owned(),
            refresh_token: tokens["refresh_token"]
                .as_str()
                .expect("refresh token")
                .to_owned(),
            email: email.to_owned(),
        }
    }

    /// Jobs of one kind, system jobs included, newest first, read from the record.
    pub async fn jobs_of_kind(&self, kind: &str) -> Vec<prepq_schema::jobs::JobRow> {
        let filter = prepq_schema::jobs::JobFilter {
            kind: Some(kind.to_owned()),
            ..Default::default()
        };
        let mut conn = self.db().get().await.expect("test connection");
        // All of them: a scenario with thousands counts them.
        prepq_schema::jobs::list(
            &mut conn,
            prepq_schema::jobs::Scope::All,
            &filter,
            1_000_000,
        )
        .await
        .expect("listing jobs")
    }

    /// Where uploaded bytes are stored, by content hash.
    pub fn blob_dir(&self) -> PathBuf {
        self.run_dir.join("blobs")
    }

    /// Where this scenario's processes log and keep their files.
    pub fn run_dir(&self) -> PathBuf {
        self.run_dir.clone()
    }

    /// Where the workers write mail when no SMTP server is configured.
    pub fn outbox(&self) -> PathBuf {
        self.run_dir.join("outbox")
    }

    /// A counter from worker `index`'s Prometheus metrics, summed over its labels.
    pub async fn worker_counter(&self, index: usize, name: &str) -> f64 {
        self.counter_at(&self.worker_health[index], name).await
    }

    /// A counter from the API's Prometheus metrics, summed over its labels (0 before the
    /// first increment).
    pub async fn api_counter(&self, name: &str) -> f64 {
        self.counter_at(&self.api_metrics, name).await
    }

    async fn counter_at(&self, base: &str, name: &str) -> f64 {
        let text = self
            .http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .filter(|line| line.starts_with(name) && !line.starts_with('#'))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// Runs SQL straight on the scenario's database: for scenarios that damage the data.
    pub async fn sql(&self, statements: &str) {
        self.sql_client()
            .await
            .batch_execute(statements)
            .await
            .unwrap_or_else(|e| panic!("{statements}: {e}"));
    }

    /// One number from the scenario's database: the first column of `query`'s first row,
    /// cast to `bigint` by the query.
    pub async fn sql_figure(&self, query: &str) -> i64 {
        self.sql_client()
            .await
            .query_one(query, &[])
            .await
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .get(0)
    }

    async fn sql_client(&self) -> tokio_postgres::Client {
        let (client, connection) =
            tokio_postgres::connect(&self.database_url, tokio_postgres::NoTls)
                .await
                .expect("connecting to the scenario's database");
        tokio::spawn(connection);
        client
    }

    /// A pool on the scenario's database, to look at the record directly.
    pub fn db(&self) -> prepq_schema::DbPool {
        prepq_schema::connect(&self.database_url, 4).expect("test pool")
    }
}

//! A fresh database per scenario on the server the test command started, cloned from a
//! template migrated once per test process: `CREATE DATABASE … TEMPLATE` copies files,
//! where migrating each scenario's database ran every migration again.

use std::sync::OnceLock;

use uuid::Uuid;

/// The migrated template's name, made by the first scenario that asks.
static TEMPLATE: OnceLock<String> = OnceLock::new();
/// PostgreSQL refuses to copy a template while another copy of it is being made.
static CLONING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Creates a migrated database and returns its URL. The binaries still check the
/// migrations at start-up and find nothing left to do.
pub async fn fresh_database() -> String {
    let template = {
        let admin = admin_url();
        tokio::task::spawn_blocking(move || TEMPLATE.get_or_init(|| make_template(&admin)))
            .await
            .expect("making the template database")
    };
    let _cloning = CLONING.lock().await;
    create_database(&format!("TEMPLATE {template}")).await
}

/// Creates a database with no tables, for scenarios about migrating.
pub async fn empty_database() -> String {
    create_database("").await
}

async fn create_database(options: &str) -> String {
    let admin = admin_url();
    let name = format!("prepq_t_{}", Uuid::now_v7().simple());
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .expect("connecting to the test PostgreSQL");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name} {options}"))
        .await
        .expect("creating a test database");
    database_url(&admin, &name)
}

fn admin_url() -> String {
    std::env::var("PREPQ_PG_ADMIN_URL").expect(
        "PREPQ_PG_ADMIN_URL is not set: run the tests with scripts/test, which starts PostgreSQL",
    )
}

fn database_url(admin: &str, name: &str) -> String {
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    format!("{base}/{name}")
}

/// Creates and migrates the template on a runtime of its own, so that its connections
/// belong to no scenario, and are closed (a template in use cannot be copied) when the
/// runtime is dropped.
fn make_template(admin: &str) -> String {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the template");
    let name = format!("prepq_template_{}", Uuid::now_v7().simple());
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
            .await
            .expect("connecting to the test PostgreSQL");
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("creating the template database");
        prepq_schema::migrate(&database_url(admin, &name))
            .await
            .expect("migrating the template database");
    });
    name
}

//! A fresh, empty database per scenario on the server the test command started.

use uuid::Uuid;

/// Creates a database and returns its URL. The binaries migrate it at start-up.
pub async fn fresh_database() -> String {
    let admin = std::env::var("PREPQ_PG_ADMIN_URL").expect(
        "PREPQ_PG_ADMIN_URL is not set: run the tests with scripts/test, which starts PostgreSQL",
    );
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .expect("connecting to the test PostgreSQL");
    tokio::spawn(connection);
    let name = format!("prepq_t_{}", Uuid::now_v7().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("creating a test database");
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

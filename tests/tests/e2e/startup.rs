use futures::future::join_all;
use prepq_tests::empty_database;

#[tokio::test(flavor = "multi_thread")]
async fn processes_starting_together_apply_each_migration_once() {
    let url = empty_database().await;
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().is_dir())
        .count();

    // Each on a task of its own, as each process would be.
    let runs = join_all((0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move { prepq_schema::migrate(&url).await })
    }))
    .await;
    let applied: usize = runs
        .into_iter()
        .map(|run| run.expect("migration task").expect("migrating"))
        .sum();
    assert_eq!(applied, migrations);
}

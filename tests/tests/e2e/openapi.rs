#[test]
fn checked_in_openapi_document_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == prepq_api::openapi_json() + "\n",
        "openapi/openapi.json is stale: run `cargo run --bin api -- openapi --out openapi/openapi.json`"
    );
}

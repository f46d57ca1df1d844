//! What scenarios of the analyses, points and billing share: sample texts, and reading a
//! resume, running an analysis and reading the ledger through the API.

use reqwest::Method;
use serde_json::Value;

use crate::{JOB_DEADLINE, User, wait_until};

/// A resume with no figures in it: every achievement is unquantified.
pub const PLAIN_RESUME: &str = "Jane Smith\njane.smith@example.com | (555) 010-2233\n\n\
Summary\nBackend developer who likes clean, well-tested services.\n\n\
Experience\nBackend Developer, Acme Corp, 2019 - 2023\n\
- Built internal tools for the sales team with Python and Django\n\
- Responsible for the billing service and its reliability\n\
- Improved the deployment pipeline so releases became routine\n\n\
Education\nB.Sc. Computer Science, State University, 2015 - 2019\n\n\
Skills\nPython, Django, PostgreSQL, Docker\n";

pub const GO_AND_KUBERNETES: &str = "Senior Backend Engineer\n\nRequirements:\n\
- Several years of Go in production\n- Running services on Kubernetes\n- PostgreSQL\n\n\
Nice to have:\n- Rust\n";

/// The strings of a JSON array (an empty list for anything else).
pub fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Uploads a resume and waits until it is read; returns its id.
pub async fn read_resume(user: &User, bytes: Vec<u8>, name: &str) -> String {
    let uploaded: Value = user
        .upload_to("/api/v1/resumes", bytes, name)
        .await
        .json()
        .await
        .unwrap();
    let id = uploaded["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/resumes/{id}");
    let status = wait_until("the resume to be read", JOB_DEADLINE, || async {
        let resume: Value = user.get(&path).await.json().await.ok()?;
        let status = resume["status"].as_str()?.to_owned();
        matches!(status.as_str(), "succeeded" | "failed").then_some(status)
    })
    .await;
    assert_eq!(status, "succeeded", "{name}");
    id
}

/// Requests an analysis at `path` and waits for it; returns the finished view.
pub async fn analysed(user: &User, path: &str, request: Value) -> Value {
    let accepted = user.call(Method::POST, path, Some(&request)).await;
    assert_eq!(accepted.status(), 202, "{:?}", accepted.text().await);
    let location = accepted.headers()["location"].to_str().unwrap().to_owned();
    wait_until("the analysis to finish", JOB_DEADLINE, || async {
        let view: Value = user.get(&location).await.json().await.ok()?;
        matches!(view["status"].as_str(), Some("succeeded" | "failed")).then_some(view)
    })
    .await
}

/// The ledger's entries, oldest first, as (entry, amount).
pub async fn ledger(user: &User) -> Vec<(String, i64)> {
    let page: Value = user
        .get("/api/v1/points/history?limit=100")
        .await
        .json()
        .await
        .unwrap();
    let mut entries: Vec<(String, i64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["entry"].as_str().unwrap().to_owned(),
                e["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    entries.reverse();
    entries
}

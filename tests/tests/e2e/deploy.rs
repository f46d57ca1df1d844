//! The deploy files (`deploy/`) against the code: every variable they set is one the binary
//! they start reads, every secret comes from a Secret, every queue has a workers class and
//! each class scales on its own queues; and the image builds and both binaries in it answer
//! `/readyz`.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::Command,
};

use prepq_tests::{RedisServer, bin_dir, fresh_database};
use serde::Deserialize;
use serde_yaml::Value;

/// Keys, tokens and passwords: set from a Secret in Kubernetes and from the environment of
/// `compose up`, never written into a manifest.
const SECRETS: &[&str] = &[
    "DATABASE_URL",
    "REDIS_URL",
    "PREPQ_JWT_SECRET",
    "PREPQ_PAY_APIV3_KEY",
    "PREPQ_SMTP_PASSWORD",
    "PREPQ_LLM_API_KEY",
];

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

/// The variables a binary reads: its `--help` names each setting's `[env: NAME=]`.
fn variables_read_by(binary: &str) -> BTreeSet<String> {
    let out = Command::new(bin_dir().join(binary))
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("running {binary} --help: {e}"));
    let help = String::from_utf8(out.stdout).expect("help is UTF-8");
    let names: BTreeSet<String> = help
        .split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split(['=', ']']).next())
        .map(str::to_owned)
        .collect();
    assert!(names.contains("DATABASE_URL"), "{binary} --help: {help}");
    names
}

fn documents(file: &str) -> Vec<Value> {
    let path = deploy_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_yaml::Deserializer::from_str(&text)
        .map(|document| {
            let mut value =
                Value::deserialize(document).unwrap_or_else(|e| panic!("{file} is not YAML: {e}"));
            // A merged mapping may hold merge keys of its own (compose's anchors do).
            while has_merge_key(&value) {
                value
                    .apply_merge()
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
            }
            value
        })
        .filter(|value| !value.is_null())
        .collect()
}

fn has_merge_key(value: &Value) -> bool {
    match value {
        Value::Mapping(map) => map
            .iter()
            .any(|(key, value)| key == "<<" || has_merge_key(value)),
        Value::Sequence(items) => items.iter().any(has_merge_key),
        _ => false,
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// A process the deploy files start: which binary, with which variables (from where).
#[derive(Debug)]
struct Process {
    file: &'static str,
    name: String,
    binary: String,
    /// Variable → its literal value, or `None` when it comes from a Secret.
    env: BTreeMap<String, Option<String>>,
    /// Kubernetes: the ConfigMaps it loads whole.
    config_maps: Vec<String>,
    grace_secs: Option<u64>,
}

fn compose_processes() -> Vec<Process> {
    let compose = documents("compose.yaml").remove(0);
    let services = compose["services"].as_mapping().expect("services");
    services
        .iter()
        .filter_map(|(name, service)| {
            // Ours: the image's `api` or `workers`, not PostgreSQL's or Redis's.
            let binary = text(service["command"].as_sequence()?.first()?);
            if service["image"] != "${PREPQ_IMAGE:-localhost/prepq:latest}" {
                return None;
            }
            let env = service["environment"]
                .as_mapping()
                .expect("environment")
                .iter()
                .map(|(key, value)| (text(key), Some(text(value))))
                .collect();
            let grace_secs = service["stop_grace_period"]
                .as_str()
                .map(|s| s.trim_end_matches('s').parse().expect("seconds"));
            Some(Process {
                file: "compose.yaml",
                name: text(name),
                binary,
                env,
                config_maps: vec![],
                grace_secs,
            })
        })
        .collect()
}

fn kubernetes(file: &str) -> Vec<Value> {
    documents(&format!("kubernetes/{file}"))
}

fn kubernetes_processes() -> Vec<Process> {
    let mut processes = vec![];
    for file in ["api.yaml", "workers.yaml"] {
        for deployment in kubernetes(file) {
            if deployment["kind"] != "Deployment" {
                continue;
            }
            let spec = &deployment["spec"]["template"]["spec"];
            for container in spec["containers"].as_sequence().expect("containers") {
                let env = container["env"]
                    .as_sequence()
                    .into_iter()
                    .flatten()
                    .map(|entry| {
                        let value = entry.get("value").map(text);
                        if value.is_none() {
                            assert_eq!(
                                entry["valueFrom"]["secretKeyRef"]["key"], entry["name"],
                                "{file}: a variable from a Secret is under its own name"
                            );
                        }
                        (text(&entry["name"]), value)
                    })
                    .collect();
                let config_maps = container["envFrom"]
                    .as_sequence()
                    .into_iter()
                    .flatten()
                    .map(|source| text(&source["configMapRef"]["name"]))
                    .collect();
                processes.push(Process {
                    file: if file == "api.yaml" {
                        "kubernetes/api.yaml"
                    } else {
                        "kubernetes/workers.yaml"
                    },
                    name: text(&deployment["metadata"]["name"]),
                    binary: text(&container["args"][0]),
                    env,
                    config_maps,
                    grace_secs: spec["terminationGracePeriodSeconds"].as_u64(),
                });
            }
        }
    }
    processes
}

fn config_map() -> BTreeMap<String, String> {
    let map = kubernetes("config.yaml")
        .into_iter()
        .find(|document| document["kind"] == "ConfigMap")
        .expect("a ConfigMap");
    assert_eq!(map["metadata"]["name"], "prepq-config");
    map["data"]
        .as_mapping()
        .expect("data")
        .iter()
        .map(|(key, value)| (text(key), text(value)))
        .collect()
}

#[test]
fn every_variable_the_deploy_files_set_is_one_its_binary_reads() {
    let read: BTreeMap<&str, BTreeSet<String>> = ["api", "workers"]
        .into_iter()
        .map(|binary| (binary, variables_read_by(binary)))
        .collect();
    let everything: BTreeSet<&String> = read.values().flatten().collect();
    let mut stray = vec![];
    let processes: Vec<Process> = compose_processes()
        .into_iter()
        .chain(kubernetes_processes())
        .collect();
    assert_eq!(processes.len(), 8, "{processes:#?}");
    for process in &processes {
        let names = read
            .get(process.binary.as_str())
            .unwrap_or_else(|| panic!("{}: starts {:?}", process.name, process.binary));
        for variable in process.env.keys() {
            if !names.contains(variable) {
                stray.push(format!(
                    "{}: {} sets {variable}",
                    process.file, process.name
                ));
            }
        }
        assert!(
            process
                .config_maps
                .iter()
                .all(|name| name == "prepq-config"),
            "{process:?}"
        );
    }
    for variable in config_map().keys() {
        if !everything.contains(variable) {
            stray.push(format!(
                "kubernetes/config.yaml: prepq-config sets {variable}"
            ));
        }
    }
    assert!(
        stray.is_empty(),
        "variables no binary reads (a typo, or a setting removed from the code):\n{}",
        stray.join("\n")
    );
}

#[test]
fn every_secret_comes_from_a_secret_and_none_is_written_down() {
    let processes = kubernetes_processes();
    let config = config_map();
    for secret in SECRETS {
        assert!(
            !config.contains_key(*secret),
            "{secret} is in the ConfigMap"
        );
        let readers: Vec<&Process> = processes
            .iter()
            .filter(|process| variables_read_by(&process.binary).contains(*secret))
            .collect();
        assert!(
            !readers.is_empty(),
            "no Deployment runs a reader of {secret}"
        );
        for process in readers {
            assert_eq!(
                process.env.get(*secret),
                Some(&None),
                "{}: {} does not take {secret} from a Secret",
                process.file,
                process.name
            );
        }
    }
    for process in compose_processes() {
        for (variable, value) in &process.env {
            let value = value.as_deref().unwrap_or_default();
            // A URL without credentials (compose's own Redis) holds no secret.
            let credentials = !value.contains("://") || value.contains('@');
            if (SECRETS.contains(&variable.as_str()) && credentials)
                || variable.ends_with("_PASSWORD")
            {
                assert!(
                    value.contains("${"),
                    "compose.yaml: {} writes {variable} down: {value}",
                    process.name
                );
            }
        }
    }
}

/// The queues a workers process serves, from its own environment.
fn queues_of(process: &Process) -> BTreeSet<String> {
    process.env["PREPQ_QUEUES"]
        .as_deref()
        .expect("PREPQ_QUEUES is a value")
        .split(',')
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_queue_has_a_workers_class_that_scales_on_its_own_queues_and_outlasts_its_grace() {
    let kinds: BTreeSet<String> = prepq_jobs::KINDS.iter().map(|k| k.to_string()).collect();
    let grace: u64 = config_map()["PREPQ_SHUTDOWN_GRACE_SECS"]
        .parse()
        .expect("seconds");
    for processes in [compose_processes(), kubernetes_processes()] {
        let workers: Vec<&Process> = processes.iter().filter(|p| p.binary == "workers").collect();
        let mut served = BTreeSet::new();
        for process in &workers {
            let queues = queues_of(process);
            assert!(queues.is_subset(&kinds), "{}: {queues:?}", process.name);
            assert!(
                served.is_disjoint(&queues),
                "{}: served twice",
                process.name
            );
            served.extend(queues);
            assert!(
                process.grace_secs.expect("a grace period") > grace,
                "{}: the pod is killed before its jobs' grace ends",
                process.name
            );
        }
        assert_eq!(served, kinds, "queues without workers");
    }
    let deployments = kubernetes_processes();
    for scaler in kubernetes("keda.yaml") {
        let target = text(&scaler["spec"]["scaleTargetRef"]["name"]);
        let process = deployments
            .iter()
            .find(|p| p.name == target)
            .unwrap_or_else(|| panic!("keda.yaml scales {target}, which is not deployed"));
        let query = text(&scaler["spec"]["triggers"][0]["metadata"]["query"]);
        let pattern = query
            .split("kind=~\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a kind pattern");
        let named: BTreeSet<String> = pattern.split('|').map(str::to_owned).collect();
        assert_eq!(named, queues_of(process), "keda.yaml: {target}");
    }
    for scaler in kubernetes("hpa.yaml") {
        let target = text(&scaler["spec"]["scaleTargetRef"]["name"]);
        let process = deployments
            .iter()
            .find(|p| p.name == target)
            .expect("a deployed target");
        let values = &scaler["spec"]["metrics"][0]["external"]["metric"]["selector"]["matchExpressions"]
            [0]["values"];
        let named: BTreeSet<String> = values
            .as_sequence()
            .expect("values")
            .iter()
            .map(text)
            .collect();
        assert_eq!(named, queues_of(process), "hpa.yaml: {target}");
    }
}

/// Builds the image from Debian's packages with podman (`scripts/image`, the binaries this
/// suite built) and starts `api` and `workers` from it against this scenario's PostgreSQL
/// and Redis, until both answer `/readyz`.
#[tokio::test(flavor = "multi_thread")]
async fn the_image_builds_and_both_binaries_in_it_answer_readyz() {
    let database = fresh_database().await;
    let redis = RedisServer::start().await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = tokio::process::Command::new(root.join("scripts/image"))
        .arg("--check")
        .env("DATABASE_URL", &database)
        .env("REDIS_URL", redis.url())
        .env("PREPQ_IMAGE_BINARIES", bin_dir())
        .kill_on_drop(true)
        .output()
        .await
        .expect("running scripts/image");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert_eq!(
        said.matches("ready: http://127.0.0.1:").count(),
        2,
        "{said}"
    );
    assert!(said.contains("user in the image: 10001"), "{said}");
    assert!(said.contains("ocr models and pdftoppm present"), "{said}");
    assert!(
        said.contains("a photographed resume read by OCR in the image: "),
        "{said}"
    );
}

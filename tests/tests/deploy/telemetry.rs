//! What a built function writes to its log, run as Lambda runs it (a Runtime
//! API of its own, the environment Lambda sets): one CloudWatch Embedded
//! Metric Format document set per invocation, and log lines that carry the
//! request id and the route. `make test` builds the function binaries first.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
    time::Duration,
};

use conduit_tests::harness::{self, call, send};
use conduit_tools::runtime::RuntimeApi;
use serde_json::{Value, json};
use shared::ground::config::SecretSource;

const FUNCTION: &str = "conduit-telemetry-test";
const NAMESPACE: &str = "Conduit/telemetry-test";
const PASSWORD: &str = "correct horse battery staple";

/// A function binary of the workspace's debug build, beside this test's.
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its executable");
    // target/debug/deps/deploy-… → target/debug/<name>
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from target/<profile>/deps")
        .join(name);
    assert!(
        path.is_file(),
        "{} is not built: `make test` builds the functions first (cargo build --bins)",
        path.display()
    );
    path
}

/// Every JSON line of the function's output.
fn lines(output: &str) -> Vec<Value> {
    output
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .collect()
}

/// The metric documents of one invocation, merged: metric name → value, and
/// the dimension sets declared for each.
fn metrics_of(documents: &[&Value]) -> (serde_json::Map<String, Value>, Vec<Value>) {
    let mut values = serde_json::Map::new();
    let mut declared = Vec::new();
    for doc in documents {
        for directive in doc["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
            assert_eq!(directive["Namespace"], NAMESPACE);
            for metric in directive["Metrics"].as_array().unwrap() {
                let name = metric["Name"].as_str().unwrap();
                values.insert(name.to_owned(), doc[name].clone());
                declared.push(json!({
                    "metric": name,
                    "dimensions": directive["Dimensions"],
                    "unit": metric["Unit"],
                }));
            }
        }
    }
    (values, declared)
}

#[tokio::test]
async fn a_function_emits_request_and_database_metrics_and_logs_with_request_id_and_route() {
    let app = harness::app().await;
    let registered = send(&app, call("POST", "/api/users")
                .json(json!({"user": {"username": "metered", "email": "metered@example.com", "password": PASSWORD}}))).await;
    assert_eq!(registered.status, 201, "{}", registered.body);

    let secret = match &harness::config(&harness::endpoint(), app.store.table().name()).jwt_secret {
        Some(SecretSource::Value(secret)) => String::from_utf8(secret.expose().to_vec()).unwrap(),
        _ => unreachable!("the harness configures a key"),
    };
    let mut api = RuntimeApi::start().await.unwrap();
    let output = tempfile();
    let mut child = Command::new(binary("get-profile"))
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("METRICS_NAMESPACE", NAMESPACE)
        // The rejection of a 404 is logged at debug: one line a request writes.
        .env("RUST_LOG", "info,shared=debug")
        .env("TABLE_NAME", app.store.table().name())
        .env("DYNAMODB_ENDPOINT", harness::endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("JWT_SECRET", &secret)
        .stdin(Stdio::null())
        .stdout(output.try_clone().unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the function starts");
    api.first_poll(Duration::from_secs(15))
        .await
        .expect("the function asks for work");

    let timeout = Duration::from_secs(15);
    let missing = call("GET", "/api/profiles/{username}").param("username", "nobody");
    let first = api
        .invoke(missing.event().to_string(), timeout)
        .await
        .unwrap();
    let found = call("GET", "/api/profiles/{username}").param("username", "metered");
    let second = api
        .invoke(found.event().to_string(), timeout)
        .await
        .unwrap();
    // The runtime flushes an invocation's metrics after posting its answer;
    // a third invocation shows the second is complete.
    api.invoke(missing.event().to_string(), timeout)
        .await
        .unwrap();
    child.kill().ok();
    child.wait().ok();
    assert!(
        first.response.contains("\"statusCode\":404"),
        "{}",
        first.response
    );
    assert!(
        second.response.contains("\"statusCode\":200"),
        "{}",
        second.response
    );

    let text = std::fs::read_to_string(output.path()).unwrap();
    assert!(!text.contains(&secret), "the signing key reached the log");
    let lines = lines(&text);
    let documents: Vec<&Value> = lines.iter().filter(|l| l.get("_aws").is_some()).collect();
    let mut request_ids: Vec<&str> = documents
        .iter()
        .map(|d| {
            d["RequestId"]
                .as_str()
                .expect("every document names its request")
        })
        .collect();
    request_ids.dedup();
    assert!(
        request_ids.len() >= 2,
        "one set of documents per invocation: {documents:#?}"
    );
    request_ids.truncate(2);

    for (index, request_id) in request_ids.iter().enumerate() {
        let docs: Vec<&Value> = documents
            .iter()
            .copied()
            .filter(|d| d["RequestId"] == *request_id)
            .collect();
        for doc in &docs {
            assert_eq!(
                doc["Function"], FUNCTION,
                "every metric has the Function dimension"
            );
            assert!(
                doc["TraceId"].is_string(),
                "the X-Ray trace id is a property"
            );
        }
        let (values, declared) = metrics_of(&docs);
        let class = if index == 0 { "4xx" } else { "2xx" };
        let requests = docs
            .iter()
            .find(|d| d.get("Requests").is_some())
            .expect("a Requests metric");
        assert_eq!(requests["Requests"], 1);
        assert_eq!(requests["StatusClass"], class);
        assert!(
            declared.contains(&json!({"metric": "Requests", "dimensions": [["Function", "StatusClass"]], "unit": "Count"})),
            "{declared:#?}"
        );
        assert!(
            declared
                .iter()
                .any(|d| d["metric"] == "Latency" && d["unit"] == "Milliseconds"),
            "{declared:#?}"
        );
        assert!(
            values["DynamoDbCalls"].as_u64().is_some_and(|n| n >= 1),
            "every call to DynamoDB is counted: {values:#?}"
        );
        let read_units = &values["ReadCapacityUnits"];
        let units: f64 = match read_units {
            Value::Array(v) => v.iter().filter_map(Value::as_f64).sum(),
            v => v.as_f64().expect("read units are a number"),
        };
        assert!(
            units > 0.0,
            "consumed read capacity is recorded: {values:#?}"
        );
        assert_eq!(
            values.get("ColdStart").cloned(),
            (index == 0).then(|| json!(1)),
            "only the first invocation is a cold start"
        );
    }

    // The 404's rejection line carries the runtime's request id and the route.
    let rejected = lines
        .iter()
        .find(|l| l["fields"]["message"] == "request rejected")
        .expect("the rejection is logged at debug");
    let spans = rejected["spans"]
        .as_array()
        .expect("JSON log lines list their spans");
    assert!(
        spans.iter().any(|s| s["requestId"] == request_ids[0]),
        "{rejected}"
    );
    assert!(
        spans
            .iter()
            .any(|s| s["route"] == "GET /api/profiles/{username}"),
        "{rejected}"
    );
}

/// A file for the function's stdout, removed when dropped.
struct TempFile {
    file: std::fs::File,
    path: PathBuf,
}

impl TempFile {
    fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn try_clone(&self) -> std::io::Result<std::fs::File> {
        self.file.try_clone()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn tempfile() -> TempFile {
    let path = std::env::temp_dir().join(format!("conduit-{}.log", uuid::Uuid::new_v4().simple()));
    let file = std::fs::File::create(&path).expect("a temp file");
    TempFile { file, path }
}

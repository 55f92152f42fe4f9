//! The stack's settings that keep data safe, bound cost and make `sam build`
//! produce what is deployed.

use std::collections::BTreeSet;
use std::process::Command;

use serde_norway::{Mapping, Value};

use crate::{function_crates, functions, root, template};

/// API Gateway gives up on an integration after this many seconds: 30 for an
/// HTTP API, 29 for a REST API; the stricter bound is kept.
const API_GATEWAY_TIMEOUT_S: u64 = 29;

/// `!Ref Name` or `{"Ref": "Name"}`.
fn reference(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        _ => value["Ref"].as_str(),
    }
}

/// A function's effective setting: SAM merges mappings from
/// `Globals.Function` under the function's own, at every depth (so a
/// function's `Environment.Variables` add to the global ones). For the
/// scalars and `Architectures` checked here the function's own value
/// replaces the global one; SAM would join other lists, which no test reads.
fn setting(template: &Value, properties: &Value, key: &str) -> Value {
    merge(&template["Globals"]["Function"][key], &properties[key])
}

fn merge(global: &Value, own: &Value) -> Value {
    match (global, own) {
        (Value::Mapping(global), Value::Mapping(own)) => {
            let mut merged: Mapping = global.clone();
            for (key, value) in own {
                let combined = merge(&global.get(key).cloned().unwrap_or(Value::Null), value);
                merged.insert(key.clone(), combined);
            }
            Value::Mapping(merged)
        }
        (global, Value::Null) => global.clone(),
        (_, own) => own.clone(),
    }
}

#[test]
fn the_table_outlives_the_stack_and_can_be_restored() {
    let template = template();
    let table = &template["Resources"]["Table"];
    assert_eq!(table["Type"].as_str(), Some("AWS::DynamoDB::Table"));
    assert_eq!(
        table["DeletionPolicy"].as_str(),
        Some("Retain"),
        "deleting the stack must not delete user data"
    );
    assert_eq!(
        table["UpdateReplacePolicy"].as_str(),
        Some("Retain"),
        "a replacing update must not delete user data"
    );
    let properties = &table["Properties"];
    assert_eq!(properties["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(
        properties["DeletionProtectionEnabled"].as_bool(),
        Some(true)
    );
    assert_eq!(
        properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
    assert_eq!(
        properties["SSESpecification"]["SSEEnabled"].as_bool(),
        Some(true)
    );
}

#[test]
fn every_function_is_arm64_and_times_out_between_the_database_bound_and_api_gateway() {
    let template = template();
    let functions = functions(&template);
    assert!(!functions.is_empty());
    for (id, properties, _) in functions {
        let get = |key| setting(&template, &properties, key);
        assert_eq!(get("Runtime").as_str(), Some("provided.al2023"), "{id}");
        assert_eq!(get("Handler").as_str(), Some("bootstrap"), "{id}");
        assert_eq!(
            get("Architectures").as_sequence().map(Vec::as_slice),
            Some(&[Value::from("arm64")][..]),
            "{id}"
        );
        assert_eq!(get("Tracing").as_str(), Some("Active"), "{id}");
        let variables = get("Environment")["Variables"].clone();
        assert!(
            reference(&variables["TABLE_NAME"]) == Some("Table"),
            "{id}: TABLE_NAME is the stack's table"
        );
        let database_ms: u64 = variables["DYNAMODB_TIMEOUT_MS"]
            .as_str()
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("{id}: DYNAMODB_TIMEOUT_MS is set"));
        let timeout_s = get("Timeout")
            .as_u64()
            .unwrap_or_else(|| panic!("{id}: Timeout is set"));
        // A request makes several database calls in turn; the function must
        // have time to answer 503 itself when one of them hits its bound,
        // and when the whole request reaches its own deadline.
        assert!(
            timeout_s * 1000 >= 2 * database_ms,
            "{id}: a {timeout_s} s timeout leaves no room after a database call bounded at \
             {database_ms} ms"
        );
        let request_ms: u64 = variables["REQUEST_DEADLINE_MS"]
            .as_str()
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("{id}: REQUEST_DEADLINE_MS is set"));
        assert!(
            database_ms < request_ms && request_ms + 1_000 <= timeout_s * 1000,
            "{id}: a request's deadline of {request_ms} ms lies between one database call's \
             {database_ms} ms and the function's {timeout_s} s, with a second to answer"
        );
        // Only an API function's answer has to beat API Gateway's timeout.
        let serves_http = properties["Events"].as_mapping().is_some_and(|events| {
            events
                .values()
                .any(|e| e["Type"].as_str() == Some("HttpApi"))
        });
        assert!(
            !serves_http || timeout_s < API_GATEWAY_TIMEOUT_S,
            "{id}: a {timeout_s} s timeout outlasts API Gateway's {API_GATEWAY_TIMEOUT_S} s"
        );
    }
}

#[test]
fn every_function_logs_json_to_the_stacks_log_group_with_a_retention() {
    let template = template();
    for (id, properties, _) in functions(&template) {
        let logging = setting(&template, &properties, "LoggingConfig");
        assert_eq!(logging["LogFormat"].as_str(), Some("JSON"), "{id}");
        assert_eq!(
            logging["SystemLogLevel"].as_str(),
            Some("WARN"),
            "{id}: Lambda's start and report lines, one pair per request, stay off"
        );
        let group = reference(&logging["LogGroup"]).unwrap_or_else(|| {
            panic!("{id}: logs to a log group of the stack (LogGroup: !Ref ...)")
        });
        let resource = &template["Resources"][group];
        assert_eq!(
            resource["Type"].as_str(),
            Some("AWS::Logs::LogGroup"),
            "{id}: {group} is a log group"
        );
        assert!(
            !resource["Properties"]["RetentionInDays"].is_null(),
            "{id}: {group} keeps logs for a bounded time"
        );
        assert_ne!(
            resource["DeletionPolicy"].as_str(),
            Some("Retain"),
            "{id}: {group} goes with the stack"
        );
    }
}

/// `sam build` runs `cargo lambda build --bin <function>` at the workspace
/// root, which builds with the features of the default members. Were the test
/// crate among them, every deployed binary would be compiled with its
/// features, and no build of the functions alone would ever be up to date for
/// SAM.
#[test]
fn a_plain_build_selects_the_shared_crate_and_the_functions_only() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(root().join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let name_of = |id: &serde_json::Value| {
        metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|package| package["id"] == *id)
            .map(|package| package["name"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let default_members: BTreeSet<String> = metadata["workspace_default_members"]
        .as_array()
        .expect("cargo reports the default members")
        .iter()
        .map(name_of)
        .collect();
    let mut expected = function_crates();
    expected.insert("shared".to_owned());
    assert_eq!(default_members, expected);
}

use std::collections::BTreeSet;

use serde_norway::Value;

use crate::{binary, function_crates, functions, root, template};

/// Routes the project serves beyond the RealWorld spec.
const EXTRA_ROUTES: &[(&str, &str)] = &[("GET", "/api/health")];

type Routes = BTreeSet<(String, String, String)>;

fn template_routes() -> Routes {
    let template = template();
    let mut routes = Routes::new();
    for (id, properties, metadata) in functions(&template) {
        let events = properties["Events"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{id} has no Events"));
        for event in events.values() {
            if event["Type"].as_str() != Some("HttpApi") {
                // The stream worker's event; checked by its own test.
                assert_eq!(event["Type"].as_str(), Some("DynamoDB"), "{id}: event type");
                continue;
            }
            let method = event["Properties"]["Method"]
                .as_str()
                .expect("Method")
                .to_uppercase();
            let path = event["Properties"]["Path"]
                .as_str()
                .expect("Path")
                .to_owned();
            routes.insert((method, path, binary(&metadata)));
        }
    }
    routes
}

fn router_routes() -> Routes {
    let text = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let manifest: toml::Table = text.parse().unwrap();
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("Cargo.toml has a cargo-lambda router");
    let mut routes = Routes::new();
    for (path, entries) in router {
        for entry in entries.as_array().expect("router entries are lists") {
            routes.insert((
                entry["method"].as_str().unwrap().to_uppercase(),
                path.clone(),
                entry["function"].as_str().unwrap().to_owned(),
            ));
        }
    }
    routes
}

/// The spec's operations, when the RealWorld spec is beside the project.
fn spec_routes() -> Option<BTreeSet<(String, String)>> {
    let path = std::env::var("REALWORLD_OPENAPI")
        .map(Into::into)
        .unwrap_or_else(|_| root().join("../shared/realworld/openapi.yml"));
    let text = std::fs::read_to_string(&path).ok()?;
    let spec: Value = serde_norway::from_str(&text).expect("openapi.yml is YAML");
    let mut routes = BTreeSet::new();
    for (path, operations) in spec["paths"].as_mapping().expect("spec has paths") {
        for method in operations.as_mapping().unwrap().keys() {
            let method = method.as_str().unwrap();
            if ["get", "post", "put", "delete", "patch"].contains(&method) {
                routes.insert((
                    method.to_uppercase(),
                    format!("/api{}", path.as_str().unwrap()),
                ));
            }
        }
    }
    Some(routes)
}

fn difference<T: Ord + Clone + std::fmt::Debug>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Vec<T> {
    a.difference(b).cloned().collect()
}

#[test]
fn template_and_local_router_serve_the_same_routes_with_the_same_functions() {
    let template = template_routes();
    let router = router_routes();
    assert!(
        template == router,
        "only in template.yaml: {:?}\nonly in the Cargo.toml router: {:?}",
        difference(&template, &router),
        difference(&router, &template)
    );
}

/// Functions that serve no route: they consume the table's stream.
const STREAM_WORKERS: &[&str] = &["article-cleanup"];

#[test]
fn every_function_crate_is_deployed_and_every_deployed_function_exists() {
    let crates = function_crates();
    let template = template();
    let deployed: BTreeSet<String> = functions(&template)
        .iter()
        .map(|(_, _, metadata)| binary(metadata))
        .collect();
    assert!(
        crates == deployed,
        "crates not in template.yaml: {:?}\nfunctions in template.yaml without a crate: {:?}",
        difference(&crates, &deployed),
        difference(&deployed, &crates)
    );
    let routes = template_routes();
    for function in &crates {
        let served = routes.iter().filter(|(_, _, f)| f == function).count();
        let expected = usize::from(!STREAM_WORKERS.contains(&function.as_str()));
        assert_eq!(served, expected, "{function} serves {expected} route(s)");
    }
}

#[test]
fn no_slug_can_be_a_fixed_segment_of_an_article_route() {
    for (_, path, _) in router_routes() {
        let Some(rest) = path.strip_prefix("/api/articles/") else {
            continue;
        };
        let segment = rest.split('/').next().unwrap_or_default();
        if !segment.starts_with('{') {
            assert!(
                shared::slug::RESERVED.contains(&segment),
                "{path}: `{segment}` stands where a slug does; add it to shared::slug::RESERVED"
            );
        }
    }
}

#[test]
fn the_stream_worker_gets_only_article_removals_with_retries_and_a_dead_letter_queue() {
    let template = template();
    let table = &template["Resources"]["Table"]["Properties"];
    assert_eq!(
        table["StreamSpecification"]["StreamViewType"].as_str(),
        Some("OLD_IMAGE")
    );
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some(shared::db::keys::EXPIRES_AT)
    );
    let worker = &template["Resources"]["ArticleCleanupFunction"]["Properties"];
    let events = worker["Events"]
        .as_mapping()
        .expect("the worker has events");
    assert_eq!(events.len(), 1);
    let stream = &events.values().next().unwrap()["Properties"];
    assert_eq!(
        serde_norway::to_string(&stream["Stream"]).unwrap().trim(),
        "!GetAtt Table.StreamArn",
        "the worker reads the table's stream"
    );
    assert_eq!(stream["BisectBatchOnFunctionError"].as_bool(), Some(true));
    assert!(
        stream["BatchSize"]
            .as_u64()
            .is_some_and(|n| (1..=100).contains(&n))
    );
    assert!(
        stream["MaximumRetryAttempts"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    assert!(
        stream["MaximumRecordAgeInSeconds"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    assert_eq!(
        stream["FunctionResponseTypes"]
            .as_sequence()
            .map(Vec::as_slice),
        Some(&[Value::from("ReportBatchItemFailures")][..])
    );
    let pattern: serde_json::Value = serde_json::from_str(
        stream["FilterCriteria"]["Filters"][0]["Pattern"]
            .as_str()
            .expect("a filter pattern"),
    )
    .unwrap();
    assert_eq!(
        pattern,
        serde_json::json!({"eventName": ["REMOVE"], "dynamodb": {"Keys": {"sk": {"S": [shared::db::keys::ARTICLE_SK]}}}})
    );
    let destination = &stream["DestinationConfig"]["OnFailure"];
    assert_eq!(destination["Type"].as_str(), Some("SQS"));
    let queue = serde_norway::to_string(&destination["Destination"]).unwrap();
    let queue = queue
        .trim()
        .trim_start_matches("!GetAtt ")
        .trim_end_matches(".Arn");
    assert_eq!(
        template["Resources"][queue]["Type"].as_str(),
        Some("AWS::SQS::Queue")
    );
    let alarmed = template["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .any(|r| {
            r["Type"].as_str() == Some("AWS::CloudWatch::Alarm")
                && serde_norway::to_string(&r["Properties"]["Dimensions"])
                    .unwrap()
                    .contains(queue)
        });
    assert!(alarmed, "an alarm watches the dead-letter queue {queue}");
}

#[test]
fn the_template_serves_exactly_the_spec_plus_the_projects_own_routes() {
    let Some(spec) = spec_routes() else {
        eprintln!(
            "RealWorld openapi.yml not found beside the project: comparing against it is left out"
        );
        return;
    };
    let mut expected = spec;
    expected.extend(
        EXTRA_ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string())),
    );
    let served: BTreeSet<(String, String)> = template_routes()
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    assert!(
        served == expected,
        "spec routes not served: {:?}\nserved routes not in the spec: {:?}",
        difference(&expected, &served),
        difference(&served, &expected)
    );
}

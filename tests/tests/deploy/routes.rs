use std::collections::BTreeSet;

use serde_norway::Value;

use shared::Function;

use crate::{binary, function_crates, functions, root, template};

/// Routes the project serves beyond the RealWorld spec.
const EXTRA_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/health"),
    ("DELETE", "/api/user/sessions"),
    ("GET", "/api/openapi.json"),
];

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

pub fn difference<T: Ord + Clone + std::fmt::Debug>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Vec<T> {
    a.difference(b).cloned().collect()
}

/// The routes of the one route list in code.
pub fn listed_routes() -> Routes {
    Function::ALL
        .iter()
        .filter_map(|f| {
            let route = f.route()?;
            Some((
                route.method.to_owned(),
                route.path.to_owned(),
                f.name().to_owned(),
            ))
        })
        .collect()
}

#[track_caller]
fn assert_same(what: &str, listed: &Routes, other: &Routes) {
    assert!(
        listed == other,
        "only in the route list (shared::Function): {:?}\nonly in {what}: {:?}",
        difference(listed, other),
        difference(other, listed)
    );
}

#[test]
fn the_template_and_the_local_router_serve_the_route_list() {
    let listed = listed_routes();
    assert_same("template.yaml", &listed, &template_routes());
    assert_same("the Cargo.toml router", &listed, &router_routes());
}

/// The README's route table: rows of `| METHOD | `/api/...` | ... |`.
fn readme_routes() -> BTreeSet<(String, String)> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let method = *cells.get(1)?;
            let path = cells.get(2)?.trim_matches('`');
            let is_method = ["GET", "POST", "PUT", "DELETE"].contains(&method);
            (is_method && path.starts_with("/api/")).then(|| (method.to_owned(), path.to_owned()))
        })
        .collect()
}

#[test]
fn the_readme_lists_every_route() {
    let listed: BTreeSet<(String, String)> = listed_routes()
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let readme = readme_routes();
    assert!(
        listed == readme,
        "only in the route list: {:?}\nonly in the README: {:?}",
        difference(&listed, &readme),
        difference(&readme, &listed)
    );
}

#[test]
fn every_function_is_a_crate_deployed_by_the_template_and_started_as_itself() {
    let listed: BTreeSet<String> = Function::ALL.iter().map(|f| f.name().to_owned()).collect();
    let crates = function_crates();
    let template = template();
    let deployed: BTreeSet<String> = functions(&template)
        .iter()
        .map(|(_, _, metadata)| binary(metadata))
        .collect();
    assert!(
        listed == crates && crates == deployed,
        "route list {:?}\ncrates {:?}\ntemplate {:?}",
        difference(&listed, &crates),
        difference(&crates, &listed),
        difference(&deployed, &listed)
    );
    for function in Function::ALL {
        let main = std::fs::read_to_string(
            root()
                .join("functions")
                .join(function.name())
                .join("src/main.rs"),
        )
        .unwrap();
        assert!(
            main.contains(&format!("Function::{function:?},")),
            "{}'s main starts it as Function::{function:?}",
            function.name()
        );
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
                shared::store::slug::RESERVED.contains(&segment),
                "{path}: `{segment}` stands where a slug does; add it to shared::store::slug::RESERVED"
            );
        }
    }
}

/// Whether an event matches an event source mapping's filter pattern, for
/// the subset of the pattern language the template uses: nested objects,
/// lists of exact values, and `{"prefix": ...}`.
fn matches(pattern: &serde_json::Value, event: &serde_json::Value) -> bool {
    match pattern {
        serde_json::Value::Object(fields) => fields
            .iter()
            .all(|(name, inner)| matches(inner, &event[name.as_str()])),
        serde_json::Value::Array(options) => options.iter().any(|option| match option {
            serde_json::Value::Object(rule) => match (rule.get("prefix"), event.as_str()) {
                (Some(serde_json::Value::String(prefix)), Some(value)) => value.starts_with(prefix),
                _ => false,
            },
            literal => literal == event,
        }),
        _ => false,
    }
}

#[test]
fn the_stream_worker_gets_exactly_the_changes_it_works_on_with_retries_and_a_dead_letter_queue() {
    let template = template();
    let table = &template["Resources"]["Table"]["Properties"];
    assert_eq!(
        table["StreamSpecification"]["StreamViewType"].as_str(),
        Some("NEW_AND_OLD_IMAGES"),
        "a new article's image names its author and time, a deleted one's too"
    );
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some(shared::ground::keys::EXPIRES_AT)
    );
    let worker = &template["Resources"]["StreamWorkerFunction"]["Properties"];
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
    let patterns: Vec<serde_json::Value> = stream["FilterCriteria"]["Filters"]
        .as_sequence()
        .expect("filters")
        .iter()
        .map(|f| serde_json::from_str(f["Pattern"].as_str().expect("a pattern")).unwrap())
        .collect();
    // Every kind of item, inserted, modified and removed: the mapping lets a
    // record through exactly when the worker has work for it.
    use shared::{
        ground::keys,
        store::{
            jobs::{Cursor, Job, JobState, Phase, Status, Work},
            records::Published,
        },
    };
    let article = "0190b3a0-0000-7000-8000-000000000001";
    let position = keys::Position::new("2026-01-01T00:00:00.000Z", article);
    let head = serde_json::json!({
        "id": {"S": article}, "author_id": {"S": "u"}, "created_at": {"S": "2026-01-01T00:00:00.000Z"},
    });
    let job = |status: Option<Status>| {
        let state = JobState {
            job: Job::Publish(Published {
                id: article.into(),
                author_id: "u".into(),
                created_at: "2026-01-01T00:00:00.000Z".into(),
            }),
            cursor: Cursor {
                phase: Phase::Feed,
                below: None,
            },
            version: 3,
            status,
            attempts: 0,
            error: None,
            record: "1".into(),
            updated_at: "2026-01-01T00:00:00.000Z".into(),
            expires_at: None,
        };
        let key = state.key();
        let item: serde_dynamo::Item = serde_dynamo::to_item(&state).unwrap();
        (key, serde_json::to_value(item).unwrap())
    };
    let mut samples: Vec<(keys::Key, serde_json::Value)> = [
        keys::article(article),
        keys::article_body(article),
        keys::comment_sequence(article),
        keys::favorite(article, "u"),
        keys::comment(article, 3),
        keys::slug("a-slug"),
        keys::all_articles_of(article).entry(&position),
        keys::article_counter(0),
        keys::articles_by_author("u").entry(&position),
        keys::articles_by_tag("t").entry(&position),
        keys::tag_counter("t"),
        keys::articles_favorited_by("u").entry(&position),
        keys::feed("u").entry(&position),
        keys::user("u"),
        keys::user_counts("u"),
        keys::username("u"),
        keys::email("u@example.com"),
        keys::follow("u", "v"),
        keys::follower("v", "u"),
        keys::request("u", "ARTICLE", "f"),
        keys::rate_window("login-ip", "x", 60),
    ]
    .into_iter()
    .map(|key| (key, head.clone()))
    .collect();
    samples.extend([
        job(Some(Status::Running)),
        job(Some(Status::Failed)),
        job(None),
    ]);
    let mut delivered = 0;
    for (key, image) in &samples {
        for event_name in ["INSERT", "MODIFY", "REMOVE"] {
            let keys_json = serde_json::json!({"pk": {"S": key.pk}, "sk": {"S": key.sk}});
            let mut full = image.clone();
            full["pk"] = keys_json["pk"].clone();
            full["sk"] = keys_json["sk"].clone();
            let (new, old) = match event_name {
                "INSERT" => (full.clone(), serde_json::json!({})),
                "REMOVE" => (serde_json::json!({}), full.clone()),
                _ => (full.clone(), full.clone()),
            };
            let event = serde_json::json!({"eventName": event_name, "dynamodb": {
                "Keys": keys_json, "NewImage": new, "OldImage": old,
            }});
            let passes = patterns.iter().any(|p| matches(p, &event));
            let as_item = |v: &serde_json::Value| -> serde_dynamo::Item {
                serde_json::from_value(v.clone()).unwrap()
            };
            let work = Work::of(
                event_name,
                as_item(&keys_json),
                as_item(&new),
                as_item(&old),
            );
            assert_eq!(
                passes,
                work.is_some(),
                "{event_name} of {key:?}: the filter and the worker disagree"
            );
            delivered += usize::from(passes);
        }
    }
    assert_eq!(
        delivered, 6,
        "article heads and follows, inserted and removed; running jobs' states, \
         inserted and changed"
    );
    assert_eq!(
        stream["ParallelizationFactor"].as_u64(),
        Some(10),
        "other keys' jobs run beside a long one's pages"
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

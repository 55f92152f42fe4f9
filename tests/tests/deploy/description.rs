//! `docs/openapi.yaml` against the code: the routes it describes are the
//! route list's, each naming its function (`x-function`) with the route's
//! authentication, and every limit it states is the one
//! `shared::app::validate` enforces. The description marks
//! a limit with `x-limit: <CONSTANT>` beside the one numeric keyword it sets
//! (`maxLength`, `minLength`, `maxItems`, `maximum`, `minimum`, `default`),
//! or `x-limits: {<keyword>: <CONSTANT>}` where a schema sets several.

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;
use shared::{Function, app::validate, edge::routes::Auth};

use crate::{
    root,
    routes::{difference, listed_routes},
};

fn description() -> Value {
    let text = std::fs::read_to_string(root().join("docs/openapi.yaml"))
        .expect("docs/openapi.yaml is readable");
    serde_norway::from_str(&text).expect("docs/openapi.yaml is YAML")
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

/// Every operation: (METHOD, path) and the operation.
fn operations(description: &Value) -> BTreeMap<(String, String), Value> {
    let mut operations = BTreeMap::new();
    let paths = description["paths"]
        .as_mapping()
        .expect("the description has paths");
    for (path, item) in paths {
        let path = path.as_str().expect("paths are strings");
        for (method, operation) in item.as_mapping().expect("a path item is a mapping") {
            let method = method.as_str().expect("methods are strings");
            if METHODS.contains(&method) {
                operations.insert((method.to_uppercase(), path.to_owned()), operation.clone());
            }
        }
    }
    operations
}

/// What differs between the route list and the description's operations.
fn route_differences(description: &Value) -> Option<String> {
    let listed: BTreeSet<(String, String)> = listed_routes()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let described: BTreeSet<(String, String)> = operations(description).into_keys().collect();
    (listed != described).then(|| {
        format!(
            "only in the route list (shared::Function): {:?}\nonly in docs/openapi.yaml: {:?}",
            difference(&listed, &described),
            difference(&described, &listed)
        )
    })
}

#[test]
fn the_description_holds_exactly_the_route_list() {
    if let Some(differences) = route_differences(&description()) {
        panic!("{differences}");
    }
}

#[test]
fn a_route_missing_from_the_description_or_only_in_it_is_seen() {
    let mut missing = description();
    let paths = missing["paths"].as_mapping_mut().unwrap();
    let first = paths.keys().next().unwrap().clone();
    paths.remove(&first);
    assert!(route_differences(&missing).is_some());
    let mut extra = description();
    extra["paths"].as_mapping_mut().unwrap().insert(
        "/api/nowhere".into(),
        serde_norway::from_str("get: {}").unwrap(),
    );
    assert!(route_differences(&extra).is_some());
}

/// An operation's security requirements (its own, else the document's):
/// whether it may be called without a token, and whether with one.
fn security(description: &Value, operation: &Value) -> (bool, bool) {
    let requirements = match &operation["security"] {
        Value::Null => &description["security"],
        own => own,
    };
    let requirements = requirements.as_sequence().cloned().unwrap_or_default();
    let anonymous = requirements.is_empty()
        || requirements
            .iter()
            .any(|r| r.as_mapping().is_some_and(|m| m.is_empty()));
    let with_token = requirements
        .iter()
        .any(|r| r.as_mapping().is_some_and(|m| !m.is_empty()));
    (anonymous, with_token)
}

#[test]
fn every_operation_names_its_function_and_states_its_authentication() {
    let description = description();
    let operations = operations(&description);
    for function in Function::ALL {
        let Some(route) = function.route() else {
            continue;
        };
        let Some(operation) = operations.get(&(route.method.to_owned(), route.path.to_owned()))
        else {
            continue; // the route test names it
        };
        assert_eq!(
            operation["x-function"].as_str(),
            Some(function.name()),
            "{} {}: x-function names the function serving it",
            route.method,
            route.path
        );
        let expected = match function.auth() {
            Auth::None => (true, false),
            Auth::Optional => (true, true),
            Auth::Required => (false, true),
        };
        assert_eq!(
            security(&description, operation),
            expected,
            "{} {}: (anonymous, with a token) as {:?} reads tokens",
            route.method,
            route.path,
            function.auth()
        );
    }
}

/// Every limit `shared::app::validate` enforces, by its constant's name.
fn enforced() -> BTreeMap<&'static str, u64> {
    use validate::*;
    [
        ("USERNAME_MAX", USERNAME_MAX),
        ("EMAIL_MAX", EMAIL_MAX),
        ("PASSWORD_MIN", PASSWORD_MIN),
        ("PASSWORD_MAX", PASSWORD_MAX),
        ("BIO_MAX", BIO_MAX),
        ("IMAGE_MAX", IMAGE_MAX),
        ("TITLE_MAX", TITLE_MAX),
        ("DESCRIPTION_MAX", DESCRIPTION_MAX),
        ("ARTICLE_BODY_MAX", ARTICLE_BODY_MAX),
        ("COMMENT_BODY_MAX", COMMENT_BODY_MAX),
        ("TAGS_MAX", TAGS_MAX),
        ("TAG_MAX", TAG_MAX),
        ("LIMIT_DEFAULT", LIMIT_DEFAULT),
        ("LIMIT_MAX", LIMIT_MAX),
        ("OFFSET_MAX", OFFSET_MAX),
        ("COMMENT_LIMIT_DEFAULT", COMMENT_LIMIT_DEFAULT),
        ("COMMENT_LIMIT_MAX", COMMENT_LIMIT_MAX),
    ]
    .into_iter()
    .map(|(name, value)| (name, value as u64))
    .collect()
}

const LIMIT_KEYWORDS: &[&str] = &[
    "maxLength",
    "minLength",
    "maxItems",
    "minItems",
    "maximum",
    "minimum",
    "default",
];

/// Every limit the description states: (where, keyword, constant, value).
fn stated(value: &Value, at: &str, found: &mut Vec<(String, String, String, Option<u64>)>) {
    match value {
        Value::Mapping(map) => {
            let number = |keyword: &str| map.get(keyword).and_then(Value::as_u64);
            if let Some(name) = map.get("x-limit") {
                let name = name.as_str().expect("x-limit names a constant").to_owned();
                let keywords: Vec<&str> = LIMIT_KEYWORDS
                    .iter()
                    .copied()
                    .filter(|k| map.contains_key(*k))
                    .collect();
                assert_eq!(
                    keywords.len(),
                    1,
                    "{at}: x-limit {name} stands beside one limit keyword, not {keywords:?} (use x-limits)"
                );
                found.push((
                    at.to_owned(),
                    keywords[0].to_owned(),
                    name,
                    number(keywords[0]),
                ));
            }
            if let Some(limits) = map.get("x-limits") {
                for (keyword, name) in limits.as_mapping().expect("x-limits is a mapping") {
                    let keyword = keyword.as_str().expect("a keyword").to_owned();
                    let name = name.as_str().expect("x-limits names constants").to_owned();
                    let value = number(&keyword);
                    found.push((at.to_owned(), keyword, name, value));
                }
            }
            for (key, child) in map {
                let key = key
                    .as_str()
                    .map_or_else(|| format!("{key:?}"), str::to_owned);
                stated(child, &format!("{at}/{key}"), found);
            }
        }
        Value::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                stated(child, &format!("{at}/{i}"), found);
            }
        }
        Value::Tagged(tagged) => stated(&tagged.value, at, found),
        _ => {}
    }
}

/// Where the description's limits differ from the code's.
fn limit_differences(description: &Value) -> Vec<String> {
    let enforced = enforced();
    let mut found = Vec::new();
    stated(description, "", &mut found);
    let mut differences = Vec::new();
    let mut unstated: BTreeSet<&str> = enforced.keys().copied().collect();
    for (at, keyword, name, value) in &found {
        match enforced.get(name.as_str()) {
            None => differences.push(format!(
                "{at}: {keyword} names {name}, which shared::app::validate does not enforce"
            )),
            Some(&limit) if *value != Some(limit) => differences.push(format!(
                "{at}: {keyword} is {value:?}, not {name} = {limit}"
            )),
            Some(_) => {}
        }
        unstated.remove(name.as_str());
    }
    if !unstated.is_empty() {
        differences.push(format!(
            "limits the code enforces that the description does not state: {unstated:?}"
        ));
    }
    differences
}

#[test]
fn every_limit_in_the_description_is_the_one_the_code_enforces() {
    let differences = limit_differences(&description());
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// The first schema in `value` whose `x-limit` is `name`.
fn limited<'v>(value: &'v mut Value, name: &str) -> Option<&'v mut serde_norway::Mapping> {
    match value {
        Value::Mapping(map) => {
            if map.get("x-limit").and_then(Value::as_str) == Some(name) {
                return Some(map);
            }
            map.values_mut().find_map(|child| limited(child, name))
        }
        Value::Sequence(items) => items.iter_mut().find_map(|child| limited(child, name)),
        _ => None,
    }
}

#[test]
fn a_limit_changed_on_one_side_only_is_seen() {
    let mut changed = description();
    let schema = limited(&mut changed, "USERNAME_MAX").expect("the username's limit is stated");
    schema.insert(
        "maxLength".into(),
        (validate::USERNAME_MAX as u64 + 1).into(),
    );
    assert_eq!(limit_differences(&changed).len(), 1);
}

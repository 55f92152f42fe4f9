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
            assert_eq!(
                event["Type"].as_str(),
                Some("HttpApi"),
                "{id}: events are HttpApi events"
            );
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

#[test]
fn every_function_crate_is_deployed_and_every_deployed_function_exists() {
    let crates = function_crates();
    let deployed: BTreeSet<String> = template_routes().into_iter().map(|(_, _, f)| f).collect();
    assert!(
        crates == deployed,
        "crates not in template.yaml: {:?}\nfunctions in template.yaml without a crate: {:?}",
        difference(&crates, &deployed),
        difference(&deployed, &crates)
    );
    let routes = template_routes();
    for function in &crates {
        let served = routes.iter().filter(|(_, _, f)| f == function).count();
        assert_eq!(served, 1, "{function} serves exactly one route");
    }
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

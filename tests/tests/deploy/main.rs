//! The deployment's single sources of truth, checked: every route is in the
//! template, the local router, the function crates and the API spec; every
//! function's IAM policy grants exactly the DynamoDB actions it performs; the
//! stack keeps its data, bounds its logs, and builds what it deploys.

mod description;
mod edge;
mod entropy;
mod layers;
mod limits;
mod local_table;
mod monitoring;
mod policies;
mod routes;
mod stack;
mod telemetry;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_norway::Value;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn template() -> Value {
    let text =
        std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml is readable");
    serde_norway::from_str(&text).expect("template.yaml is YAML")
}

/// The template's functions: (logical id, properties, metadata).
pub fn functions(template: &Value) -> Vec<(String, Value, Value)> {
    let resources = template["Resources"]
        .as_mapping()
        .expect("template has Resources");
    resources
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|(id, r)| {
            (
                id.as_str().expect("logical ids are strings").to_owned(),
                r["Properties"].clone(),
                r["Metadata"].clone(),
            )
        })
        .collect()
}

/// The binary a template function is built from.
pub fn binary(metadata: &Value) -> String {
    metadata["BuildProperties"]["Binary"]
        .as_str()
        .expect("every function names its binary")
        .to_owned()
}

/// The crates under `functions/`, each in the folder of its name.
pub fn function_crates() -> BTreeSet<String> {
    std::fs::read_dir(root().join("functions"))
        .unwrap()
        .map(|entry| {
            let dir = entry.unwrap().path();
            let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))
                .unwrap()
                .parse()
                .unwrap();
            let name = manifest["package"]["name"].as_str().unwrap().to_owned();
            assert_eq!(
                dir.file_name().unwrap().to_str(),
                Some(name.as_str()),
                "a function's folder is its name"
            );
            name
        })
        .collect()
}

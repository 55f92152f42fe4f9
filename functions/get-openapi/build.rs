//! Turns `docs/openapi.yaml` into the JSON document the function answers
//! with, so the binary carries the description of the API it was built with.

use std::{env, fs, path::PathBuf};

use serde_json::Value as Json;
use serde_norway::Value as Yaml;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let source = manifest.join("../../docs/openapi.yaml");
    println!("cargo::rerun-if-changed={}", source.display());
    let text = fs::read_to_string(&source)
        .unwrap_or_else(|err| panic!("reading {}: {err}", source.display()));
    let yaml: Yaml = serde_norway::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is not YAML: {err}", source.display()));
    let json = serde_json::to_string(&to_json(yaml)).expect("JSON of a YAML document");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("openapi.json");
    fs::write(&out, json).unwrap_or_else(|err| panic!("writing {}: {err}", out.display()));
}

/// YAML as JSON. Mapping keys become strings: a status code written `200:`
/// is a number in YAML, and OpenAPI means the string `"200"`.
fn to_json(yaml: Yaml) -> Json {
    match yaml {
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(b),
        Yaml::Number(n) => serde_json::to_value(&n).expect("a YAML number as JSON"),
        Yaml::String(s) => Json::String(s),
        Yaml::Sequence(items) => Json::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => Json::Object(
            map.into_iter()
                .map(|(key, value)| (key_text(key), to_json(value)))
                .collect(),
        ),
        Yaml::Tagged(tagged) => to_json(tagged.value),
    }
}

fn key_text(key: Yaml) -> String {
    match key {
        Yaml::String(s) => s,
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Null => "null".to_owned(),
        other => panic!("a mapping key that is not a scalar: {other:?}"),
    }
}

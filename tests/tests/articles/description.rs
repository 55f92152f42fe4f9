//! `GET /api/openapi.json`: the description in `docs/openapi.yaml`, as
//! JSON, answered by the function that carries it, cacheable like any
//! anonymous read.

use crate::*;

#[tokio::test]
async fn the_api_answers_its_own_description() {
    let app = app().await;
    let r = send(&app, call("GET", "/api/openapi.json")).await;
    assert_status(&r, 200);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json; charset=utf-8")
    );
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.yaml"),
    )
    .unwrap();
    let source: serde_norway::Value = serde_norway::from_str(&text).unwrap();
    assert!(
        r.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        r.body["openapi"]
    );
    assert_eq!(
        r.body["info"]["version"].as_str(),
        source["info"]["version"].as_str()
    );
    let mut served: Vec<&str> = r.body["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut written: Vec<&str> = source["paths"]
        .as_mapping()
        .unwrap()
        .keys()
        .filter_map(|k| k.as_str())
        .collect();
    served.sort_unstable();
    written.sort_unstable();
    assert_eq!(
        served, written,
        "the binary carries docs/openapi.yaml as it is"
    );
    assert!(
        r.body["paths"]["/api/openapi.json"]["get"].is_object(),
        "it describes itself"
    );

    // Public and revalidated like the other anonymous reads.
    let control = r.headers["cache-control"].to_str().unwrap();
    assert!(control.starts_with("public"), "{control}");
    let tag = r.headers["etag"].to_str().unwrap().to_owned();
    let again = send(
        &app,
        call("GET", "/api/openapi.json").header("if-none-match", &tag),
    )
    .await;
    assert_eq!(again.status, 304);
}

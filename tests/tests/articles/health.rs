//! `GET /api/health`.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::*;

#[tokio::test]
async fn ok_against_the_real_table() {
    let app = app().await;
    let r = send(&app, call("GET", "/api/health")).await;
    assert_reply(&r, 200, json!({ "status": "ok" }));
}

/// A local port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[tokio::test]
async fn unavailable_when_the_database_is_unreachable() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let app = harness::app_at(&endpoint, Duration::from_millis(500)).await;
    let started = Instant::now();
    let r = send(&app, call("GET", "/api/health")).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert_eq!(
        r.body,
        errors(json!({ "service": ["is temporarily unavailable, retry later"] }))
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the check gives up quickly: {:?}",
        started.elapsed()
    );
}

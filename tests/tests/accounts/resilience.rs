//! A database that hangs or is not there: a prompt 503 with `Retry-After`,
//! never a hang (which in Lambda would be a timeout and a 5xx from the gateway).

use std::time::{Duration, Instant};

use conduit_tests::harness::{self, Reply};
use serde_json::json;
use shared::{App, ground::error::RETRY_AFTER_SECONDS};
use tokio::{net::TcpListener, task::JoinHandle};

const DB_TIMEOUT: Duration = Duration::from_millis(500);
/// A hang fails the test here instead of blocking the run.
const HANG: Duration = Duration::from_secs(20);
/// Generous against a loaded machine, yet far below a hang.
const PROMPT: Duration = Duration::from_secs(10);

/// A TCP server on 127.0.0.1 that accepts every connection, keeps it open and
/// never answers. Returns its endpoint and the task to abort.
async fn silent_server() -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            if let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        }
    });
    (format!("http://{addr}"), task)
}

/// An endpoint on a port nobody listens on.
async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// Runs one handler call against `app`, failing the test if it hangs or is slow.
async fn promptly(what: &str, call: impl Future<Output = Reply>) -> Reply {
    let start = Instant::now();
    let reply = tokio::time::timeout(HANG, call)
        .await
        .unwrap_or_else(|_| panic!("{what}: still waiting after {HANG:?}"));
    let elapsed = start.elapsed();
    assert!(
        elapsed < PROMPT,
        "{what}: answered after {elapsed:?}, with a database timeout of {DB_TIMEOUT:?}"
    );
    reply
}

#[track_caller]
fn assert_unavailable(what: &str, reply: &Reply) {
    assert_eq!(reply.status, 503, "{what}: {}", reply.body);
    assert_eq!(
        reply
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some(RETRY_AFTER_SECONDS.to_string().as_str()),
        "{what}: Retry-After"
    );
    assert_eq!(
        reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json; charset=utf-8"),
        "{what}: content type"
    );
    assert_eq!(
        reply.body,
        json!({ "errors": { "service": ["is temporarily unavailable, retry later"] } }),
        "{what}: body"
    );
}

/// Calls that reach the database first thing.
async fn check_every_route(what: &str, app: &App) {
    let reply = promptly(what, crate::profile(app, "jake", None)).await;
    assert_unavailable(&format!("{what}: GET /api/profiles/jake"), &reply);

    let reply = promptly(what, crate::login(app, "jake@example.com", crate::PASSWORD)).await;
    assert_unavailable(&format!("{what}: POST /api/users/login"), &reply);
}

#[tokio::test]
async fn a_database_that_never_answers_is_a_prompt_503() {
    let (endpoint, server) = silent_server().await;
    let app = harness::app_at(&endpoint, DB_TIMEOUT).await;
    check_every_route("silent database", &app).await;
    server.abort();
}

#[tokio::test]
async fn a_database_that_is_not_there_is_a_prompt_503() {
    let endpoint = closed_port().await;
    let app = harness::app_at(&endpoint, DB_TIMEOUT).await;
    check_every_route("closed port", &app).await;
}

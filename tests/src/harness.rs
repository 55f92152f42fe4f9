//! What integration tests share: an `App` on a fresh table in DynamoDB Local,
//! and real API Gateway HTTP API (v2) events for the handlers.

use std::time::Duration;

use lambda_http::{Body, Request, Response, http::HeaderMap};
use serde_json::{Map, Value, json};
use shared::{App, config::Config};

use crate::table::{TableDefinition, template_path};

/// DynamoDB Local's address, as `make test` exports it.
pub fn endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT")
        .expect("DYNAMODB_ENDPOINT is not set: run the integration tests with `make test`, which starts DynamoDB Local")
}

/// A configuration for tests. The signing secret is random per call: tests never
/// depend on a known key, and no key lives in the repository.
pub fn config(endpoint: &str, table: &str) -> Config {
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let values = [
        ("TABLE_NAME", table.to_owned()),
        ("JWT_SECRET", secret),
        ("DYNAMODB_ENDPOINT", endpoint.to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
    ];
    let mut config = Config::from_lookup(|name| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .expect("test configuration is valid");
    // DynamoDB Local on a shared two-core machine, under race tests, answers
    // far slower than the service; the deployed bound is the template's.
    config.db_timeout = Duration::from_secs(10);
    config
}

/// An `App` on its own new table, created from `template.yaml`.
pub async fn app() -> App {
    apps(1).await.pop().expect("one app")
}

/// `n` apps on one new table, their configuration changed by `adjust`
/// (rate limits, say).
pub async fn apps_configured(n: usize, adjust: impl Fn(&mut Config)) -> Vec<App> {
    apps_with(&vec![endpoint(); n], adjust).await
}

/// Apps on one new table with one signing key, the i-th reaching DynamoDB at
/// `endpoints[i]` (DynamoDB Local, or a proxy in front of it), each with its
/// own SDK client and so its own connections: separate Lambda instances.
pub async fn apps_on(endpoints: &[String]) -> Vec<App> {
    apps_with(endpoints, |_| {}).await
}

async fn apps_with(endpoints: &[String], adjust: impl Fn(&mut Config)) -> Vec<App> {
    let table = format!("test-{}", uuid::Uuid::new_v4().simple());
    let mut base = config(&endpoint(), &table);
    adjust(&mut base);
    let mut apps = Vec::with_capacity(endpoints.len());
    for endpoint in endpoints {
        let mut config = base.clone();
        config.dynamodb_endpoint = Some(endpoint.clone());
        apps.push(App::new(&config).await.expect("app builds"));
    }
    let creator = App::new(&base).await.expect("app builds");
    TableDefinition::from_template(&template_path())
        .expect("template.yaml defines the table")
        .create(creator.db.client(), &table)
        .await
        .expect("table is created in DynamoDB Local");
    apps
}

/// `n` apps on one new table in DynamoDB Local (see [`apps_on`]).
pub async fn apps(n: usize) -> Vec<App> {
    apps_on(&vec![endpoint(); n]).await
}

/// The stream worker on `app`'s table, reading its stream from the start.
pub async fn worker(app: &App) -> crate::stream::LocalWorker {
    let reader = crate::stream::StreamReader::new(app.db.client(), &endpoint(), app.db.table())
        .await
        .expect("the test table has a stream");
    crate::stream::LocalWorker::new(reader)
}

/// Runs the stream worker over everything `app`'s table stream holds that
/// `worker` has not yet handled, until nothing is left to do.
pub async fn run_worker(app: &App, worker: &mut crate::stream::LocalWorker) {
    let answers = worker
        .drain(&app.db, 20)
        .await
        .expect("the stream is readable");
    if let Some(last) = answers.last() {
        assert!(
            last.batch_item_failures.is_empty(),
            "the worker finished every record: {answers:?}"
        );
    }
}

/// An `App` whose database is at `endpoint` (for failure tests), with a short timeout.
pub async fn app_at(endpoint: &str, timeout: Duration) -> App {
    let mut config = config(endpoint, "unreachable");
    config.db_timeout = timeout;
    App::new(&config).await.expect("app builds")
}

/// One API call, built as the HTTP API would deliver it to the function.
#[derive(Debug, Clone)]
pub struct Call {
    method: String,
    route: String,
    path: String,
    params: Map<String, Value>,
    query: Vec<(String, String)>,
    headers: Map<String, Value>,
    body: Option<String>,
    source_ip: String,
}

/// A call of `route` (`/api/profiles/{username}`) with `method`.
pub fn call(method: &str, route: &str) -> Call {
    Call {
        method: method.to_owned(),
        route: route.to_owned(),
        path: route.to_owned(),
        params: Map::new(),
        query: Vec::new(),
        headers: Map::new(),
        body: None,
        source_ip: "127.0.0.1".to_owned(),
    }
}

impl Call {
    /// Fills the path parameter `{name}`.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.path = self.path.replace(&format!("{{{name}}}"), value);
        self.params.insert(name.to_owned(), json!(value));
        self
    }

    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(name.to_lowercase(), json!(value));
        self
    }

    /// `Authorization: Token <token>`, the RealWorld scheme.
    pub fn token(self, token: &str) -> Self {
        self.header("authorization", &format!("Token {token}"))
    }

    /// The client address API Gateway reports (`requestContext.http.sourceIp`).
    pub fn from_ip(mut self, ip: &str) -> Self {
        self.source_ip = ip.to_owned();
        self
    }

    pub fn json(self, body: Value) -> Self {
        self.body(&body.to_string())
    }

    pub fn body(mut self, raw: &str) -> Self {
        self.body = Some(raw.to_owned());
        self.header("content-type", "application/json")
    }

    /// The v2 event JSON, parsed the way the Lambda runtime parses it.
    pub fn request(&self) -> Request {
        lambda_http::request::from_str(&self.event().to_string())
            .expect("a valid HTTP API v2 event")
    }

    /// The HTTP API (payload 2.0) event Lambda would receive for this call.
    pub fn event(&self) -> Value {
        let raw_query = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut query = Map::new();
        for (k, v) in &self.query {
            // API Gateway joins repeated parameters with commas.
            let joined = match query.get(k).and_then(Value::as_str) {
                Some(prev) => format!("{prev},{v}"),
                None => v.clone(),
            };
            query.insert(k.clone(), json!(joined));
        }
        let route_key = format!("{} {}", self.method, self.route);
        let mut event = json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": self.path,
            "rawQueryString": raw_query,
            "headers": self.headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "localhost",
                "domainPrefix": "localhost",
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": self.source_ip,
                    "userAgent": "conduit-tests"
                },
                "requestId": uuid::Uuid::new_v4().to_string(),
                "routeKey": route_key,
                "stage": "$default",
                "time": "22/Nov/2026:00:00:00 +0000",
                "timeEpoch": 0
            },
            "isBase64Encoded": false
        });
        if !query.is_empty() {
            event["queryStringParameters"] = Value::Object(query);
        }
        if !self.params.is_empty() {
            event["pathParameters"] = Value::Object(self.params.clone());
        }
        if let Some(body) = &self.body {
            event["body"] = json!(body);
        }
        event
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A handler's response, with the body parsed as JSON (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The first message of `errors.<field>`.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.body["errors"][field][0].as_str()
    }
}

pub fn reply(result: Result<Response<Body>, lambda_http::Error>) -> Reply {
    let response = result.expect("handlers answer every request with a response");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = match response.body() {
        Body::Empty => Value::Null,
        Body::Text(text) => serde_json::from_str(text).expect("bodies are JSON"),
        Body::Binary(bytes) => serde_json::from_slice(bytes).expect("bodies are JSON"),
        _ => Value::Null,
    };
    if status != 204 && status < 500 {
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
        assert_eq!(
            content_type,
            Some("application/json; charset=utf-8"),
            "JSON content type on {status}"
        );
    }
    Reply {
        status,
        headers,
        body,
    }
}

/// `{"errors": errors}`, the RealWorld error document.
pub fn errors(errors: Value) -> Value {
    json!({ "errors": errors })
}

/// Asserts the exact status and body of a reply, showing both on failure.
#[track_caller]
pub fn assert_reply(reply: &Reply, status: u16, body: Value) {
    assert_eq!(
        (reply.status, &reply.body),
        (status, &body),
        "expected {status} {body}, got {} {}",
        reply.status,
        reply.body
    );
}

/// Asserts a reply is a rate limit's 429: `Retry-After` in seconds, and the
/// RealWorld error saying the same.
#[track_caller]
pub fn assert_rate_limited(reply: &Reply) {
    assert_eq!(reply.status, 429, "{}", reply.body);
    let retry: u64 = reply.headers["retry-after"]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("Retry-After is a number of seconds");
    assert!((1..=99_999).contains(&retry), "{retry}");
    assert_reply(
        reply,
        429,
        errors(json!({ "request": [format!("limit reached, retry in {retry} seconds")] })),
    );
}

/// Asserts the status of a reply, showing its body on failure.
#[track_caller]
pub fn assert_status(reply: &Reply, status: u16) {
    assert_eq!(
        reply.status, status,
        "expected {status}, got {} {}",
        reply.status, reply.body
    );
}

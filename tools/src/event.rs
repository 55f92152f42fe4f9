//! API Gateway HTTP API (payload 2.0) events, built as the HTTP API would
//! deliver a call to a function: what the tests hand the handlers and the
//! benchmark hands the built binaries.

use lambda_http::Request;
use serde_json::{Map, Value, json};

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
    /// Whether `body` is base64, as API Gateway sends a body it does not
    /// carry as text.
    base64: bool,
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
        base64: false,
        source_ip: "127.0.0.1".to_owned(),
    }
}

impl Call {
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The route template (`/api/profiles/{username}`).
    pub fn route(&self) -> &str {
        &self.route
    }

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

    /// A body of any bytes (not UTF-8, say) as JSON, base64-encoded in the
    /// event as API Gateway encodes what it does not carry as text.
    pub fn bytes(mut self, raw: &[u8]) -> Self {
        use base64::Engine;
        self.body = Some(base64::engine::general_purpose::STANDARD.encode(raw));
        self.base64 = true;
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
            "isBase64Encoded": self.base64
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

//! A proxy in front of DynamoDB Local that answers chosen operations with
//! the faults DynamoDB itself returns and DynamoDB Local never does:
//! throttling of the table, an index or the account, a fault of the
//! service, and a transaction cancelled for throughput. Everything else is
//! passed through, so a test sees how a function answers when the
//! database refuses one kind of call.

use std::{
    convert::Infallible,
    sync::{Arc, Mutex},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{
    Request, Response, StatusCode, body::Incoming, client::conn::http1 as client,
    server::conn::http1, service::service_fn,
};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// A fault DynamoDB answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The table or an index is over its provisioned throughput.
    ProvisionedThroughputExceeded,
    /// Throttled by the service.
    Throttling,
    /// The account is over its request rate.
    RequestLimitExceeded,
    /// The service failed.
    InternalServerError,
    /// A transaction cancelled because an item's throughput was exceeded
    /// (`ThrottlingError` reasons).
    TransactionThrottled,
}

impl Fault {
    pub const ALL: [Fault; 5] = [
        Fault::ProvisionedThroughputExceeded,
        Fault::Throttling,
        Fault::RequestLimitExceeded,
        Fault::InternalServerError,
        Fault::TransactionThrottled,
    ];

    /// Whether this fault is one DynamoDB answers `operation` with.
    pub fn fits(self, operation: &str) -> bool {
        self != Fault::TransactionThrottled || operation == "TransactWriteItems"
    }

    fn answer(self, request: &Value) -> (StatusCode, Value) {
        let error = |kind: &str, message: &str| json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"), "message": message});
        match self {
            Fault::ProvisionedThroughputExceeded => (
                StatusCode::BAD_REQUEST,
                error(
                    "ProvisionedThroughputExceededException",
                    "The level of configured provisioned throughput for the table was exceeded.",
                ),
            ),
            Fault::Throttling => (
                StatusCode::BAD_REQUEST,
                json!({"__type": "com.amazon.coral.availability#ThrottlingException", "message": "Rate exceeded"}),
            ),
            Fault::RequestLimitExceeded => (
                StatusCode::BAD_REQUEST,
                error(
                    "RequestLimitExceeded",
                    "Throughput exceeds the current throughput limit for your account.",
                ),
            ),
            Fault::InternalServerError => (
                StatusCode::INTERNAL_SERVER_ERROR,
                error("InternalServerError", "Internal server error"),
            ),
            Fault::TransactionThrottled => {
                let items = request["TransactItems"].as_array().map_or(1, Vec::len);
                let reasons: Vec<Value> = (0..items)
                    .map(|i| {
                        if i == 0 {
                            json!({"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity of your table or index."})
                        } else {
                            json!({"Code": "None"})
                        }
                    })
                    .collect();
                let mut body = error(
                    "TransactionCanceledException",
                    "Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError]",
                );
                body["CancellationReasons"] = Value::Array(reasons);
                (StatusCode::BAD_REQUEST, body)
            }
        }
    }
}

/// What the proxy does now: which operations get which fault.
#[derive(Default)]
struct Plan {
    fault: Option<Fault>,
    /// Operations (`GetItem`, `TransactWriteItems`, ...) the fault is for;
    /// empty for every one it fits.
    operations: Vec<String>,
    /// Requests answered with a fault so far.
    injected: usize,
    /// How long every request passed through waits first.
    delay: std::time::Duration,
    /// Operations the delay is for; empty for every one.
    delayed: Vec<String>,
}

pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`, to point an app's DynamoDB endpoint at.
    pub endpoint: String,
    plan: Arc<Mutex<Plan>>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Proxies to `upstream` (`http://host:port`), injecting nothing yet.
    pub async fn start(upstream: &str) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
        let plan = Arc::new(Mutex::new(Plan::default()));
        let shared = Arc::clone(&plan);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (plan, upstream) = (Arc::clone(&shared), upstream.clone());
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let Ok((sender, connection)) = client::handshake(TokioIo::new(server)).await
                    else {
                        return;
                    };
                    tokio::spawn(connection);
                    let sender = Arc::new(tokio::sync::Mutex::new(sender));
                    let service = service_fn(move |req| forward(sender.clone(), plan.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            endpoint,
            plan,
            task,
        }
    }

    /// From now on, answers `operations` (every one it fits, if empty)
    /// with `fault`.
    pub fn inject(&self, fault: Fault, operations: &[&str]) {
        let mut plan = self.plan.lock().expect("plan");
        plan.fault = Some(fault);
        plan.operations = operations.iter().map(|o| (*o).to_owned()).collect();
    }

    /// Passes everything through again, at once.
    pub fn heal(&self) {
        let mut plan = self.plan.lock().expect("plan");
        plan.fault = None;
        plan.delay = std::time::Duration::ZERO;
    }

    /// From now on, holds every request passed through for `delay` first:
    /// a database that answers, slowly.
    pub fn slow(&self, delay: std::time::Duration) {
        self.slow_only(delay, &[]);
    }

    /// From now on, holds `operations` (every one, if empty) for `delay`
    /// before passing them through: a write that lands late.
    pub fn slow_only(&self, delay: std::time::Duration, operations: &[&str]) {
        let mut plan = self.plan.lock().expect("plan");
        plan.delay = delay;
        plan.delayed = operations.iter().map(|o| (*o).to_owned()).collect();
    }

    /// Requests answered with a fault so far.
    pub fn injected(&self) -> usize {
        self.plan.lock().expect("plan").injected
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    sender: Arc<tokio::sync::Mutex<client::SendRequest<Full<Bytes>>>>,
    plan: Arc<Mutex<Plan>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split('.').nth(1))
        .unwrap_or_default()
        .to_owned();
    let (fault, delay) = {
        let mut plan = plan.lock().expect("plan");
        let fault = plan.fault.filter(|fault| {
            fault.fits(&operation)
                && (plan.operations.is_empty() || plan.operations.contains(&operation))
        });
        if fault.is_some() {
            plan.injected += 1;
        }
        let delayed = plan.delayed.is_empty() || plan.delayed.contains(&operation);
        (
            fault,
            if delayed {
                plan.delay
            } else {
                std::time::Duration::ZERO
            },
        )
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(fault) = fault {
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let (status, answer) = fault.answer(&request);
        let kind = answer["__type"].as_str().unwrap_or_default().to_owned();
        let response = Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .header(
                "x-amzn-errortype",
                kind.rsplit('#').next().unwrap_or_default(),
            )
            .body(Full::new(Bytes::from(answer.to_string())))
            .expect("a response");
        return Ok(response);
    }
    let request = Request::from_parts(parts, Full::new(body));
    let result = sender.lock().await.send_request(request).await;
    let Ok(response) = result else {
        return Ok(Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Full::new(Bytes::new()))
            .expect("a response"));
    };
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut response = Response::from_parts(parts, Full::new(body));
    response.headers_mut().remove("transfer-encoding");
    Ok(response)
}

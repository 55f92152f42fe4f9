//! A proxy in front of DynamoDB Local that tells how long each request spent
//! in the database and what it cost. It is the functions' DynamoDB endpoint,
//! over TLS. The database's time for a request runs from its head's arrival
//! to its answer's: the harness's own work in between counts as the
//! database's, as DynamoDB's front end does in AWS. It adds
//! `ReturnConsumedCapacity: TOTAL` to every request (DynamoDB Local does not
//! check signatures) and reads the consumed units back from the answer.

use std::{
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{
    Request, Response, StatusCode, body::Incoming, client::conn::http1 as client,
    server::conn::http1, service::service_fn,
};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

use crate::tls::{self, Pki};

#[derive(Debug, Default, Clone, Copy)]
pub struct Usage {
    /// Wall time with at least one request in the database: concurrent
    /// requests overlap, so their durations are not simply added.
    pub db_time: Duration,
    in_flight: u32,
    busy_since: Option<Instant>,
    pub calls: u32,
    /// Calls one after another: how often the database went from idle to
    /// busy (calls sent at once count once).
    pub rounds: u32,
    /// Connections opened to the database (each a TLS handshake).
    pub connections: u32,
    pub read_units: f64,
    pub write_units: f64,
}

#[derive(Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    usage: Arc<Mutex<Usage>>,
}

const READS: &[&str] = &[
    "GetItem",
    "BatchGetItem",
    "Query",
    "Scan",
    "TransactGetItems",
];

impl Proxy {
    /// A proxy to `upstream` that serves TLS with `pki`'s certificate, as
    /// DynamoDB's endpoint does.
    pub async fn start(upstream: SocketAddr, pki: &Pki) -> std::io::Result<Self> {
        let usage = Arc::new(Mutex::new(Usage::default()));
        let shared = usage.clone();
        let addr = tls::listen(pki, move |stream| {
            shared.lock().unwrap().connections += 1;
            let usage = shared.clone();
            async move {
                // One upstream connection per client connection, so keep-alive
                // behaves as it would against DynamoDB itself.
                let Ok(upstream) = TcpStream::connect(upstream).await else {
                    return;
                };
                upstream.set_nodelay(true).ok();
                let Ok((sender, connection)) = client::handshake(TokioIo::new(upstream)).await
                else {
                    return;
                };
                tokio::spawn(connection);
                let sender = Arc::new(tokio::sync::Mutex::new(sender));
                let service = service_fn(move |req| forward(sender.clone(), usage.clone(), req));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            }
        })
        .await?;
        Ok(Self { addr, usage })
    }

    /// What was used since the last call.
    pub fn take(&self) -> Usage {
        let mut usage = self.usage.lock().unwrap();
        let taken = *usage;
        *usage = Usage {
            in_flight: taken.in_flight,
            busy_since: taken.busy_since,
            ..Usage::default()
        };
        taken
    }
}

async fn forward(
    sender: Arc<tokio::sync::Mutex<client::SendRequest<Full<Bytes>>>>,
    usage: Arc<Mutex<Usage>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    // The clock starts as the request's head arrives: rewriting it below is
    // the harness's work, not the function's.
    {
        let mut usage = usage.lock().unwrap();
        if usage.in_flight == 0 {
            usage.busy_since = Some(Instant::now());
            usage.rounds += 1;
        }
        usage.in_flight += 1;
    }
    let (mut parts, body) = req.into_parts();
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
    let body = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(mut map)) if !operation.is_empty() && operation != "DescribeTable" => {
            map.insert("ReturnConsumedCapacity".into(), "TOTAL".into());
            Bytes::from(serde_json::to_vec(&map).unwrap())
        }
        _ => body,
    };
    parts.headers.insert("content-length", body.len().into());
    let request = Request::from_parts(parts, Full::new(body));
    let result = sender.lock().await.send_request(request).await;
    let response = match result {
        Ok(response) => response,
        Err(_) => {
            finish(&usage);
            return Ok(Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(Full::new(Bytes::new()))
                .unwrap());
        }
    };
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let units = consumed_units(&body);
    finish(&usage);
    {
        let mut usage = usage.lock().unwrap();
        usage.calls += 1;
        if READS.contains(&operation.as_str()) {
            usage.read_units += units;
        } else {
            usage.write_units += units;
        }
    }
    let mut response = Response::from_parts(parts, Full::new(body));
    response.headers_mut().remove("transfer-encoding");
    Ok(response)
}

/// One request left the database; the clock stops when none is left in it.
fn finish(usage: &Mutex<Usage>) {
    let mut usage = usage.lock().unwrap();
    usage.in_flight = usage.in_flight.saturating_sub(1);
    if usage.in_flight == 0
        && let Some(since) = usage.busy_since.take()
    {
        usage.db_time += since.elapsed();
    }
}

/// Total capacity units of an answer: `ConsumedCapacity` is one object or a
/// list (batch and transaction operations).
fn consumed_units(body: &[u8]) -> f64 {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return 0.0;
    };
    let units = |c: &Value| c["CapacityUnits"].as_f64().unwrap_or(0.0);
    match &value["ConsumedCapacity"] {
        Value::Array(list) => list.iter().map(units).sum(),
        Value::Object(_) => units(&value["ConsumedCapacity"]),
        _ => 0.0,
    }
}

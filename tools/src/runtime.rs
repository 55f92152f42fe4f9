//! A Lambda Runtime API server for one function process: it hands out
//! invocations on `GET /2018-06-01/runtime/invocation/next`, takes their
//! answers on `POST .../{id}/response`, and timestamps both ends.

use std::{
    collections::HashMap,
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{
    Request, Response, StatusCode, body::Incoming, server::conn::http1, service::service_fn,
};
use hyper_util::rt::TokioIo;
use tokio::{
    net::TcpListener,
    sync::{mpsc, oneshot},
};

/// How long the function took, from handing out the event to its answer.
type Reply = (Duration, String);

struct Invocation {
    event: String,
    answered: oneshot::Sender<Reply>,
}

struct State {
    queue: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    waiting: Mutex<HashMap<String, (Instant, oneshot::Sender<Reply>)>>,
    first_poll: Mutex<Option<oneshot::Sender<Instant>>>,
    errors: Mutex<Vec<String>>,
}

pub struct RuntimeApi {
    pub addr: SocketAddr,
    send: mpsc::Sender<Invocation>,
    first_poll: Option<oneshot::Receiver<Instant>>,
    state: Arc<State>,
}

/// One invocation as the client saw it.
pub struct Outcome {
    /// From handing out the event to receiving the response.
    pub latency: Duration,
    pub response: String,
}

impl RuntimeApi {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (send, receive) = mpsc::channel(1);
        let (first_tx, first_rx) = oneshot::channel();
        let state = Arc::new(State {
            queue: tokio::sync::Mutex::new(receive),
            waiting: Mutex::new(HashMap::new()),
            first_poll: Mutex::new(Some(first_tx)),
            errors: Mutex::new(Vec::new()),
        });
        let server_state = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                stream.set_nodelay(true).ok();
                let state = server_state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(state.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            send,
            first_poll: Some(first_rx),
            state,
        })
    }

    /// When the function first asked for work (the end of its cold start).
    pub async fn first_poll(&mut self, timeout: Duration) -> Option<Instant> {
        let receiver = self.first_poll.take()?;
        tokio::time::timeout(timeout, receiver).await.ok()?.ok()
    }

    pub async fn invoke(&self, event: String, timeout: Duration) -> Result<Outcome, String> {
        let (answered, answer) = oneshot::channel();
        self.send
            .send(Invocation { event, answered })
            .await
            .map_err(|_| "runtime API stopped".to_owned())?;
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok((latency, response))) => Ok(Outcome { latency, response }),
            _ => Err(format!(
                "no answer in {timeout:?}; errors: {:?}",
                self.state.errors.lock().unwrap()
            )),
        }
    }
}

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    if req.method() == hyper::Method::GET && path == "/2018-06-01/runtime/invocation/next" {
        if let Some(first) = state.first_poll.lock().unwrap().take() {
            let _ = first.send(Instant::now());
        }
        let Some(invocation) = state.queue.lock().await.recv().await else {
            return Ok(status(StatusCode::GONE));
        };
        let id = uuid::Uuid::new_v4().to_string();
        let deadline =
            SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(30);
        state
            .waiting
            .lock()
            .unwrap()
            .insert(id.clone(), (Instant::now(), invocation.answered));
        let response = Response::builder()
            .header("content-type", "application/json")
            .header("lambda-runtime-aws-request-id", &id)
            .header(
                "lambda-runtime-deadline-ms",
                deadline.as_millis().to_string(),
            )
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:000000000000:function:bench",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Sampled=0",
            )
            .body(Full::new(Bytes::from(invocation.event)))
            .unwrap();
        return Ok(response);
    }
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body).into_owned();
    if let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") {
        if let Some(id) = rest.strip_suffix("/response") {
            if let Some((delivered, answered)) = state.waiting.lock().unwrap().remove(id) {
                let _ = answered.send((delivered.elapsed(), text));
            }
            return Ok(status(StatusCode::ACCEPTED));
        }
        if let Some(id) = rest.strip_suffix("/error") {
            state
                .errors
                .lock()
                .unwrap()
                .push(format!("invocation error: {text}"));
            state.waiting.lock().unwrap().remove(id);
            return Ok(status(StatusCode::ACCEPTED));
        }
    }
    if path == "/2018-06-01/runtime/init/error" {
        state
            .errors
            .lock()
            .unwrap()
            .push(format!("init error: {text}"));
        return Ok(status(StatusCode::ACCEPTED));
    }
    Ok(status(StatusCode::NOT_FOUND))
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    Response::builder()
        .status(code)
        .body(Full::new(Bytes::new()))
        .unwrap()
}

//! A function's entry point. `main` is one call:
//!
//! ```ignore
//! fn main() -> shared::Served {
//!     shared::serve(shared::Function::GetArticle, get_article::handler)
//! }
//! ```
//!
//! [`serve`] starts the runtime, logs and metrics, builds the [`App`] once
//! per cold start (reading the signing key only for functions that use
//! tokens), and answers each request through [`respond`]: every
//! [`ApiError`] becomes its response, never a failed invocation.

use std::{
    future::Future,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use lambda_http::{Body, Request, RequestExt, Response, request::RequestContext};
use lambda_runtime::LambdaEvent;
use tracing::Instrument;

use crate::{
    app::App,
    ground::{error::ApiError, telemetry},
};

use super::{cache, origin, response::render, routes::Function};

/// What `main` returns.
pub type Served = Result<(), lambda_http::Error>;

/// Runs the HTTP function `function` with `handler` until the environment
/// shuts down.
pub fn serve<F, Fut>(function: Function, handler: F) -> Served
where
    F: Fn(&'static App, Request) -> Fut + Sync,
    Fut: Future<Output = Result<Response<Body>, ApiError>> + Send,
{
    runtime()?.block_on(async {
        let metrics = telemetry::init()?;
        let app = start(function).await?;
        let handler = &handler;
        metrics_cloudwatch_embedded::lambda::handler::run_http(metrics, |req| async move {
            let response = observe(req, |req| {
                answer(app, function, req, |req| handler(app, req))
            })
            .await;
            Ok::<_, lambda_http::Error>(response)
        })
        .await
    })
}

/// Runs an event function (the stream worker): `handler` gets each event.
pub fn serve_events<E, R, F, Fut>(function: Function, handler: F) -> Served
where
    E: for<'de> serde::Deserialize<'de>,
    R: serde::Serialize,
    F: Fn(&'static App, LambdaEvent<E>) -> Fut,
    Fut: Future<Output = Result<R, lambda_runtime::Error>>,
{
    runtime()?.block_on(async {
        let metrics = telemetry::init()?;
        let app = start(function).await?;
        metrics_cloudwatch_embedded::lambda::handler::run(metrics, |event| handler(app, event))
            .await
    })
}

/// A function runs one request at a time: one thread.
fn runtime() -> Result<tokio::runtime::Runtime, lambda_http::Error> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The app of this cold start; it lives as long as the process.
async fn start(function: Function) -> Result<&'static App, lambda_http::Error> {
    let app = App::from_env(function.keys(), function.rate_limits()).await?;
    Ok(Box::leak(Box::new(app)))
}

/// How long this request may take: the app's bound, and never past the
/// invocation's own deadline (less the time to answer).
fn deadline(app: &App, req: &Request) -> Duration {
    const TO_ANSWER: Duration = Duration::from_millis(500);
    let invocation = req.lambda_context_ref().and_then(|context| {
        let deadline = UNIX_EPOCH + Duration::from_millis(context.deadline);
        deadline.duration_since(SystemTime::now()).ok()
    });
    match invocation {
        Some(left) => app.request_deadline.min(left.saturating_sub(TO_ANSWER)),
        None => app.request_deadline,
    }
}

/// The response to `req`: refused if it came around the edge, else
/// `handler`'s answer within the request's deadline, with the caching
/// headers of `function`'s answers (or a 304).
pub async fn answer<F, Fut>(
    app: &App,
    function: Function,
    req: Request,
    handler: F,
) -> Response<Body>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    let asked = cache::Asked::of(&req);
    let response = match origin::admit(app, &req) {
        Err(refused) => render(refused),
        Ok(()) => respond(deadline(app, &req), handler(req)).await,
    };
    let mut response = cache::finish(function, &asked, &app.caching, response);
    // What a browser may read of the answer. API Gateway's CORS replaces it
    // with the template's (the same list); `cargo lambda watch`'s answers
    // preflights but exposes nothing, so locally this is the one.
    response.headers_mut().insert(
        lambda_http::http::header::ACCESS_CONTROL_EXPOSE_HEADERS,
        lambda_http::http::HeaderValue::from_static(EXPOSED_HEADERS),
    );
    response
}

/// The response headers a browser's script may read.
pub const EXPOSED_HEADERS: &str = "ETag, Retry-After";

/// The response for a handler's answer, or a 503 when it is not ready
/// within `deadline`: a client may retry it, as after any timeout, and
/// every write is one transaction, so nothing is left half done.
pub async fn respond(
    deadline: Duration,
    answer: impl Future<Output = Result<Response<Body>, ApiError>>,
) -> Response<Body> {
    match tokio::time::timeout(deadline, answer).await {
        Ok(answer) => answer.unwrap_or_else(render),
        Err(_) => render(ApiError::Unavailable(format!(
            "the request took longer than {deadline:?}"
        ))),
    }
}

/// One request, timed and counted by status class, inside a span naming its
/// route.
pub async fn observe<F, Fut>(req: Request, handler: F) -> Response<Body>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    let span = tracing::info_span!("request", route = %route(&req));
    let started = Instant::now();
    let response = handler(req).instrument(span).await;
    let class = status_class(response.status().as_u16());
    metrics::counter!(telemetry::names::REQUESTS, telemetry::names::STATUS_CLASS => class)
        .increment(1);
    metrics::histogram!(telemetry::names::LATENCY).record(started.elapsed().as_secs_f64() * 1000.0);
    response
}

fn status_class(status: u16) -> &'static str {
    match status {
        500.. => "5xx",
        400..500 => "4xx",
        300..400 => "3xx",
        _ => "2xx",
    }
}

/// The API route as the HTTP API names it (`GET /api/articles/{slug}`): its
/// template, not the path, so no user input reaches the span.
fn route(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .route_key
            .clone()
            .unwrap_or_else(|| format!("{} (no route key)", req.method())),
        _ => format!("{} (no route key)", req.method()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fall_into_their_class() {
        assert_eq!(status_class(200), "2xx");
        assert_eq!(status_class(201), "2xx");
        assert_eq!(status_class(304), "3xx");
        assert_eq!(status_class(404), "4xx");
        assert_eq!(status_class(429), "4xx");
        assert_eq!(status_class(500), "5xx");
        assert_eq!(status_class(503), "5xx");
    }
}

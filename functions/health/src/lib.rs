//! `GET /api/health`: 200 when the table answers a read, 503 (with
//! `Retry-After`) when it does not. For load balancers and monitors.

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, http};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    drop(req);
    http::respond(check(app).await)
}

async fn check(app: &App) -> Result<Response<Body>, ApiError> {
    match app.db.ping().await {
        Ok(()) => http::ok(&Status { status: "ok" }),
        // Whatever the cause (timeout, permissions, a missing table), the
        // table is not usable: report it as unavailable, never as a bug.
        Err(ApiError::Unavailable(detail) | ApiError::Internal(detail)) => {
            Err(ApiError::Unavailable(detail))
        }
        Err(other) => Err(other),
    }
}

#[derive(serde::Serialize)]
struct Status {
    status: &'static str,
}

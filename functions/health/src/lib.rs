//! `GET /api/health`: 200 when the table answers a read, 503 (with
//! `Retry-After`) when it does not. For load balancers and monitors.

use lambda_http::Request;
use shared::{
    ApiError, App,
    response::{self, Answer},
};

pub async fn handler(app: &App, _req: Request) -> Answer {
    match app.store.ping().await {
        Ok(()) => response::ok(&Status { status: "ok" }),
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

//! Writing a response: JSON documents, and every [`ApiError`] rendered as
//! its status and RealWorld body (`Retry-After` where it says when to come
//! back), logging what the client must not see.

use lambda_http::{
    Body, Response,
    http::{StatusCode, header},
};
use serde::Serialize;

use crate::ground::error::ApiError;

pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// What a handler answers: a response, or an error that becomes one.
pub type Answer = Result<Response<Body>, ApiError>;

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Answer {
    let body = serde_json::to_string(value).map_err(ApiError::internal)?;
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, JSON_CONTENT_TYPE)
        .body(Body::Text(body))
        .map_err(ApiError::internal)
}

pub fn ok<T: Serialize>(value: &T) -> Answer {
    json(StatusCode::OK, value)
}

pub fn created<T: Serialize>(value: &T) -> Answer {
    json(StatusCode::CREATED, value)
}

pub fn no_content() -> Answer {
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .map_err(ApiError::internal)
}

/// The response for `err`, logged as what it is: a bug, a dependency's
/// fault, or the client's.
pub fn render(err: ApiError) -> Response<Body> {
    match &err {
        ApiError::Internal(detail) => tracing::error!(error = %detail, "request failed"),
        ApiError::Unavailable(detail) => tracing::warn!(error = %detail, "dependency unavailable"),
        _ => tracing::debug!(error = %err, "request rejected"),
    }
    let mut builder = Response::builder()
        .status(err.status())
        .header(header::CONTENT_TYPE, JSON_CONTENT_TYPE);
    if let Some(seconds) = err.retry_after() {
        builder = builder.header(header::RETRY_AFTER, seconds);
    }
    builder
        .body(Body::Text(err.body().to_string()))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_render_with_their_status_body_and_retry_after() {
        let response = render(ApiError::RateLimited { retry_after: 42 });
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");
        assert_eq!(response.headers()[header::CONTENT_TYPE], JSON_CONTENT_TYPE);
        let response = render(ApiError::Unavailable("timeout".into()));
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let response = render(ApiError::NotFound("article"));
        assert!(response.headers().get(header::RETRY_AFTER).is_none());
        match response.body() {
            Body::Text(text) => assert_eq!(text, r#"{"errors":{"article":["not found"]}}"#),
            other => panic!("unexpected body {other:?}"),
        }
    }
}

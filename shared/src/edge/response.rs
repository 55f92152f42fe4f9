//! Writing a response: JSON documents, and every [`ApiError`] rendered as
//! its status and RealWorld body (`Retry-After` where it says when to come
//! back), logging what the client must not see.

use lambda_http::{
    Body, Response,
    http::{StatusCode, header},
};
use serde::Serialize;

use crate::{
    app::views::{ArticleBody, UserBody},
    ground::{error::ApiError, precondition},
};

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

/// A 200 with a JSON document already written.
pub fn json_text(body: &'static str) -> Answer {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, JSON_CONTENT_TYPE)
        .body(Body::Text(body.to_owned()))
        .map_err(ApiError::internal)
}

pub fn ok<T: Serialize>(value: &T) -> Answer {
    json(StatusCode::OK, value)
}

pub fn created<T: Serialize>(value: &T) -> Answer {
    json(StatusCode::CREATED, value)
}

/// An article, with the `ETag` naming its version (what `If-Match` on an
/// edit or a deletion compares) and a digest of the answer.
pub fn article_with(status: StatusCode, value: &ArticleBody) -> Answer {
    let body = serde_json::to_string(value).map_err(ApiError::internal)?;
    with_tag(status, body, &article_tag(value)?)
}

/// An article's entity tag: its version, which names its body, and a
/// digest of the rest of the answer, so it can be told without the body.
pub fn article_tag(value: &ArticleBody) -> Result<String, ApiError> {
    let mut rest = serde_json::to_value(value).map_err(ApiError::internal)?;
    if let Some(article) = rest["article"].as_object_mut() {
        article.remove("body");
    }
    Ok(precondition::versioned_tag(
        value.version,
        rest.to_string().as_bytes(),
    ))
}

/// 304: the client's copy, named by `tag`, is current.
pub fn not_modified(tag: &str) -> Answer {
    Response::builder()
        .status(StatusCode::NOT_MODIFIED)
        .header(header::ETAG, tag)
        .body(Body::Empty)
        .map_err(ApiError::internal)
}

/// The current user, with the `ETag` naming the profile's version and a
/// digest of the answer but its token (a fresh one every time).
pub fn user_with(status: StatusCode, value: &UserBody) -> Answer {
    let body = serde_json::to_string(value).map_err(ApiError::internal)?;
    let mut stable = serde_json::to_value(value).map_err(ApiError::internal)?;
    stable["user"]["token"] = serde_json::Value::Null;
    let tag = precondition::versioned_tag(value.version, stable.to_string().as_bytes());
    with_tag(status, body, &tag)
}

pub fn article(value: &ArticleBody) -> Answer {
    article_with(StatusCode::OK, value)
}

pub fn user(value: &UserBody) -> Answer {
    user_with(StatusCode::OK, value)
}

fn with_tag(status: StatusCode, body: String, tag: &str) -> Answer {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, JSON_CONTENT_TYPE)
        .header(header::ETAG, tag)
        .body(Body::Text(body))
        .map_err(ApiError::internal)
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

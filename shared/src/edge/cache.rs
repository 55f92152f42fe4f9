//! What a cache may do with each answer, in one place, and the
//! conditional requests it makes possible.
//!
//! - Anything that carries a token, every write and every error:
//!   `no-store` (a 404 for a slug about to exist must not stick).
//! - An answer that depends on the caller (sent with a token, or the
//!   feed): `private, no-cache` and `Vary: Authorization`.
//! - A public read without a token: kept by shared caches (the edge) for
//!   `s-maxage` seconds and served stale while it revalidates for
//!   `stale-while-revalidate` more, while a browser revalidates every time
//!   (`max-age=0`), so a front end never shows its own user a page older
//!   than their last write.
//!
//! Every `GET` answered 200 carries an `ETag` (a handler's own, naming a
//! stored version, or a digest of the body); an `If-None-Match` naming it
//! gets a 304 with no body. A handler that can tell the tag before reading
//! everything (an article's, without its body) answers the 304 itself.

use lambda_http::{
    Body, Request, Response,
    http::{HeaderValue, Method, StatusCode, header},
};

use crate::ground::{config::Caching, precondition};

use super::routes::Function;

/// What a function's answers are, for a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Carries a token, or changes something, or must reach the origin.
    NoStore,
    /// Depends on who asks, always.
    PerCaller,
    /// The same for everyone without a token.
    Public,
}

impl Function {
    pub fn caching(self) -> Kind {
        match self {
            Function::GetProfile
            | Function::ListArticles
            | Function::GetArticle
            | Function::ListComments
            | Function::ListTags
            | Function::GetOpenApi => Kind::Public,
            Function::FeedArticles => Kind::PerCaller,
            _ => Kind::NoStore,
        }
    }
}

/// What of a request decides its answer's caching, read before the
/// handler takes it.
#[derive(Debug, Clone)]
pub struct Asked {
    get: bool,
    token: bool,
    if_none_match: Option<String>,
}

impl Asked {
    pub fn of(req: &Request) -> Self {
        let text = |name| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            get: req.method() == Method::GET,
            token: req.headers().contains_key(header::AUTHORIZATION),
            if_none_match: text(header::IF_NONE_MATCH),
        }
    }
}

/// `response` with the caching headers of `function`'s answers to `asked`,
/// or a 304 when the client's copy is current.
pub fn finish(
    function: Function,
    asked: &Asked,
    caching: &Caching,
    mut response: Response<Body>,
) -> Response<Body> {
    let status = response.status();
    let current = status.is_success() || status == StatusCode::NOT_MODIFIED;
    let kind = match function.caching() {
        _ if !asked.get || !current => Kind::NoStore,
        Kind::Public if asked.token => Kind::PerCaller,
        kind => kind,
    };
    let headers = response.headers_mut();
    let control = match kind {
        Kind::NoStore => "no-store".to_owned(),
        Kind::PerCaller => "private, no-cache".to_owned(),
        Kind::Public => format!(
            "public, max-age=0, s-maxage={}, stale-while-revalidate={}",
            caching.shared_seconds, caching.stale_seconds
        ),
    };
    if let Ok(value) = HeaderValue::from_str(&control) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    if kind != Kind::NoStore {
        headers.insert(header::VARY, HeaderValue::from_static("Authorization"));
    }
    if !(asked.get && status == StatusCode::OK) {
        return response;
    }
    if !response.headers().contains_key(header::ETAG) {
        let tag = precondition::tag(body_bytes(response.body()));
        if let Ok(value) = HeaderValue::from_str(&tag) {
            response.headers_mut().insert(header::ETAG, value);
        }
    }
    let tag = response
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match &asked.if_none_match {
        Some(asked) if matches(asked, tag) => {
            let (mut parts, _) = response.into_parts();
            parts.status = StatusCode::NOT_MODIFIED;
            parts.headers.remove(header::CONTENT_TYPE);
            Response::from_parts(parts, Body::Empty)
        }
        _ => response,
    }
}

fn body_bytes(body: &Body) -> &[u8] {
    match body {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

/// Whether an `If-None-Match` list names `current` (weak comparison, as
/// RFC 9110 has it for `If-None-Match`).
pub fn matches(asked: &str, current: &str) -> bool {
    let weak = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    asked.trim() == "*" || asked.split(',').any(|tag| weak(tag) == weak(current))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_lists() {
        assert!(matches("\"a\"", "\"a\""));
        assert!(matches("W/\"a\"", "\"a\""));
        assert!(matches("\"b\", \"a\"", "\"a\""));
        assert!(matches("*", "\"a\""));
        assert!(!matches("\"b\"", "\"a\""));
    }
}

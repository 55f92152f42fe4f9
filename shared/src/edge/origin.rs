//! Which requests are let in. With the edge on (the stack's `EdgeCache`),
//! CloudFront adds a header holding a secret only it and the functions
//! know; a request without it came around the edge, past its cache and
//! its web ACL, and is refused before any work.

use lambda_http::Request;

use crate::{
    app::{App, ORIGIN_HEADER},
    ground::error::ApiError,
};

/// `Ok` when the request may be served.
pub fn admit(app: &App, req: &Request) -> Result<(), ApiError> {
    let Some(secret) = app.origin_secret() else {
        return Ok(());
    };
    let sent = req
        .headers()
        .get(ORIGIN_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if constant_time_eq(sent, secret) {
        Ok(())
    } else {
        Err(ApiError::Denied {
            field: "origin",
            message: "requests must come through the edge",
        })
    }
}

/// Equality that takes as long wherever the first difference is, so the
/// time of a refusal says nothing of the secret.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

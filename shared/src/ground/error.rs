//! The one error type of the API. Every failure a handler can meet becomes an
//! `ApiError`, and this module alone decides its status code and body:
//! `{"errors":{"field":["message"]}}`. Internal details are logged, never echoed.

use std::collections::BTreeMap;

use lambda_http::http::StatusCode;
use serde_json::json;

/// Field → messages, in the RealWorld shape. Ordered so responses are stable.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<&'static str, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// `Ok(())` when nothing was added, else the 422 carrying every message.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422: the request is well-formed but its content breaks a rule.
    #[error("validation failed: {0:?}")]
    Validation(FieldErrors),
    /// 400: the body is not JSON at all.
    #[error("malformed request: {0}")]
    BadRequest(String),
    /// 413 `{"body": ["is larger than N bytes"]}`: refused before parsing.
    #[error("body of more than {0} bytes")]
    TooLarge(usize),
    /// 401, e.g. `token: is missing` or `credentials: invalid`.
    #[error("unauthorized: {field} {message}")]
    Unauthorized {
        field: &'static str,
        message: &'static str,
    },
    /// 403 `{entity: ["forbidden"]}`.
    #[error("{0} forbidden")]
    Forbidden(&'static str),
    /// 403 `{field: [message]}`: allowed to this caller, but not like this
    /// (a credential change without a recent sign-in, say).
    #[error("denied: {field} {message}")]
    Denied {
        field: &'static str,
        message: &'static str,
    },
    /// 404 `{entity: ["not found"]}`.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409 `{field: ["has already been taken"]}` for each field.
    #[error("conflict on {0:?}")]
    Conflict(Vec<&'static str>),
    /// 409 `{entity: ["was changed by another request, retry"]}`: a write lost
    /// its race against other writes to the same item every time it was retried.
    #[error("{0} kept changing")]
    Changed(&'static str),
    /// 409 `{field: [message]}`: the same content was just created by the
    /// same caller (a resend without the first attempt's `Idempotency-Key`).
    #[error("duplicate: {field} {message}")]
    Duplicate {
        field: &'static str,
        message: &'static str,
    },
    /// 412 `{entity: ["has changed since it was read"]}`: an `If-Match`
    /// names a version that is no longer the stored one.
    #[error("{0} precondition failed")]
    PreconditionFailed(&'static str),
    /// 429 with `Retry-After`: this client reached a rate limit; the window
    /// ends in `retry_after` seconds.
    #[error("rate limited for {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// 503 with `Retry-After`: the database is slow, throttling or unreachable.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug or an unexpected answer. The detail is logged only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Seconds a client should wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: u64 = 1;

impl ApiError {
    /// A 422 with a single message.
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        Self::Validation(errors)
    }

    pub fn token_missing() -> Self {
        Self::Unauthorized {
            field: "token",
            message: "is missing",
        }
    }

    pub fn token_invalid() -> Self {
        Self::Unauthorized {
            field: "token",
            message: "is invalid",
        }
    }

    /// 401 `session: ended`: the token's session lived its longest, or was
    /// ended (a password change, signing out everywhere).
    pub fn session_ended() -> Self {
        Self::Unauthorized {
            field: "session",
            message: "has ended, sign in again",
        }
    }

    /// 403: a change of email or password from a session signed in too
    /// long ago, without the current password.
    pub fn sign_in_again() -> Self {
        Self::Denied {
            field: "currentPassword",
            message: "is required to change the email or password this long after signing in: send it, or sign in again",
        }
    }

    pub fn invalid_credentials() -> Self {
        Self::Unauthorized {
            field: "credentials",
            message: "invalid",
        }
    }

    pub fn internal(context: impl std::fmt::Display) -> Self {
        Self::Internal(context.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::Denied { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::Changed(_) | Self::Duplicate { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The RealWorld error document: `{"errors": {field: [message]}}`.
    pub fn body(&self) -> serde_json::Value {
        let errors = match self {
            Self::Validation(fields) => json!(fields.0),
            Self::BadRequest(message) => json!({ "body": [message] }),
            Self::TooLarge(limit) => json!({ "body": [format!("is larger than {limit} bytes")] }),
            Self::Unauthorized { field, message } => json!({ *field: [message] }),
            Self::Forbidden(entity) => json!({ *entity: ["forbidden"] }),
            Self::Denied { field, message } | Self::Duplicate { field, message } => {
                json!({ *field: [message] })
            }
            Self::NotFound(entity) => json!({ *entity: ["not found"] }),
            Self::Conflict(fields) => {
                let map: serde_json::Map<_, _> = fields
                    .iter()
                    .map(|f| (f.to_string(), json!(["has already been taken"])))
                    .collect();
                serde_json::Value::Object(map)
            }
            Self::Changed(entity) => {
                json!({ *entity: ["was changed by another request, retry"] })
            }
            Self::PreconditionFailed(entity) => {
                json!({ *entity: ["has changed since it was read"] })
            }
            Self::RateLimited { retry_after } => {
                json!({ "request": [format!("limit reached, retry in {retry_after} seconds")] })
            }
            Self::Unavailable(_) => {
                json!({ "service": ["is temporarily unavailable, retry later"] })
            }
            Self::Internal(_) => json!({ "server": ["internal error"] }),
        };
        json!({ "errors": errors })
    }

    /// Seconds a client should wait before trying again, for the errors
    /// that say so (`Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Unavailable(_) => Some(RETRY_AFTER_SECONDS),
            Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(err: ApiError) -> (StatusCode, serde_json::Value) {
        (err.status(), err.body())
    }

    #[test]
    fn validation_errors_collect_per_field() {
        let mut errors = FieldErrors::new();
        errors.add("username", "can't be blank");
        errors.add("email", "can't be blank");
        errors.add("email", "is invalid");
        let (status, body) = body_of(errors.into_result().unwrap_err());
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            json!({"errors": {"username": ["can't be blank"], "email": ["can't be blank", "is invalid"]}})
        );
    }

    #[test]
    fn shapes_of_every_variant() {
        assert_eq!(
            body_of(ApiError::token_missing()),
            (
                StatusCode::UNAUTHORIZED,
                json!({"errors": {"token": ["is missing"]}})
            )
        );
        assert_eq!(
            body_of(ApiError::Forbidden("article")),
            (
                StatusCode::FORBIDDEN,
                json!({"errors": {"article": ["forbidden"]}})
            )
        );
        assert_eq!(
            body_of(ApiError::NotFound("profile")),
            (
                StatusCode::NOT_FOUND,
                json!({"errors": {"profile": ["not found"]}})
            )
        );
        assert_eq!(
            body_of(ApiError::Conflict(vec!["username", "email"])),
            (
                StatusCode::CONFLICT,
                json!({"errors": {"username": ["has already been taken"], "email": ["has already been taken"]}})
            )
        );
        assert_eq!(
            body_of(ApiError::Changed("article")),
            (
                StatusCode::CONFLICT,
                json!({"errors": {"article": ["was changed by another request, retry"]}})
            )
        );
        assert_eq!(
            body_of(ApiError::Duplicate {
                field: "body",
                message: "duplicates a comment you just posted",
            }),
            (
                StatusCode::CONFLICT,
                json!({"errors": {"body": ["duplicates a comment you just posted"]}})
            )
        );
    }

    #[test]
    fn internal_details_are_not_echoed() {
        let (status, body) = body_of(ApiError::internal("connection string secret=abc"));
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("secret"));
    }

    #[test]
    fn a_rate_limit_says_when_to_retry() {
        let limited = ApiError::RateLimited { retry_after: 42 };
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.retry_after(), Some(42));
        let (_, body) = body_of(limited);
        assert_eq!(
            body,
            json!({"errors": {"request": ["limit reached, retry in 42 seconds"]}})
        );
    }

    #[test]
    fn unavailable_says_when_to_retry() {
        let unavailable = ApiError::Unavailable("timeout".into());
        assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unavailable.retry_after(), Some(1));
    }
}

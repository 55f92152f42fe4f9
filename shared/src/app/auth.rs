//! Who is calling: tokens, and the checks every route with one makes.
//!
//! Tokens are HS256 JWTs whose subject is the user's immutable id (usernames
//! and emails can change).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation, decode, encode};
use lambda_http::{Request, http::header};
use serde::{Deserialize, Serialize};

use crate::ground::error::ApiError;

use super::App;

/// Clock skew tolerated on `exp`, in seconds.
const LEEWAY_SECONDS: u64 = 30;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
}

pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl Tokens {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        // HS256 only: a token naming any other algorithm (or `none`) is refused.
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    pub fn issue(&self, user_id: &str) -> Result<String, ApiError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(ApiError::internal)?
            .as_secs();
        let claims = Claims {
            sub: user_id.to_owned(),
            iat: now,
            exp: now + self.ttl.as_secs(),
        };
        encode(&Header::default(), &claims, &self.encoding).map_err(ApiError::internal)
    }

    /// The user id a valid token was issued to.
    pub fn verify(&self, token: &str) -> Result<String, ApiError> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims.sub)
            .map_err(|_| ApiError::token_invalid())
    }
}

/// The user id a valid token names; 401 `token: is missing` without one.
/// It does not say the user exists: for handlers that read the user anyway
/// and answer 401 when it is gone. Everyone else calls [`require_user`].
pub fn token_subject(app: &App, req: &Request) -> Result<String, ApiError> {
    token_user(app, req)?.ok_or_else(ApiError::token_missing)
}

/// The caller's user id: the token must be valid and name a user that
/// exists, else 401. (Writes check it again inside their transaction.)
pub async fn require_user(app: &App, req: &Request) -> Result<String, ApiError> {
    let id = token_subject(app, req)?;
    existing(app, id).await
}

/// The caller's user id if a token is sent. A token that is sent but invalid,
/// or names a user that no longer exists, is still a 401: silently treating
/// it as anonymous hides expired sessions.
pub async fn optional_user(app: &App, req: &Request) -> Result<Option<String>, ApiError> {
    match token_user(app, req)? {
        Some(id) => existing(app, id).await.map(Some),
        None => Ok(None),
    }
}

fn token_user(app: &App, req: &Request) -> Result<Option<String>, ApiError> {
    authorization_token(req)?
        .map(|token| app.tokens()?.verify(token))
        .transpose()
}

async fn existing(app: &App, id: String) -> Result<String, ApiError> {
    if app.store.users().exists(&id).await? {
        Ok(id)
    } else {
        Err(ApiError::token_invalid())
    }
}

/// The token of `Authorization: Token <jwt>` (the RealWorld scheme) or
/// `Bearer <jwt>`. `Ok(None)` when there is no such header.
/// More than one `Authorization` header (API Gateway joins repeats with a
/// comma, which no token contains) is refused: which one counts would be a guess.
pub fn authorization_token(req: &Request) -> Result<Option<&str>, ApiError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::token_invalid())?
        .trim();
    if values.next().is_some() || value.contains(',') {
        return Err(ApiError::Unauthorized {
            field: "token",
            message: "is sent more than once",
        });
    }
    let (scheme, token) = value.split_once(' ').ok_or_else(ApiError::token_invalid)?;
    let token = token.trim();
    if !(scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
        || token.is_empty()
    {
        return Err(ApiError::token_invalid());
    }
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn tokens_round_trip_the_user_id() {
        let tokens = Tokens::new(SECRET, Duration::from_secs(60));
        let token = tokens.issue("user-1").unwrap();
        assert_eq!(tokens.verify(&token).unwrap(), "user-1");
    }

    #[test]
    fn tokens_from_another_key_or_tampered_are_refused() {
        let tokens = Tokens::new(SECRET, Duration::from_secs(60));
        let other = Tokens::new(b"another-secret-another-secret-00", Duration::from_secs(60));
        let token = other.issue("user-1").unwrap();
        assert!(tokens.verify(&token).is_err());
        let mut token = tokens.issue("user-1").unwrap();
        token.push('x');
        assert!(tokens.verify(&token).is_err());
        assert!(tokens.verify("not-a-jwt").is_err());
    }

    #[test]
    fn expired_tokens_are_refused_beyond_the_leeway() {
        let tokens = Tokens::new(SECRET, Duration::from_secs(60));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let expired = |exp| {
            encode(
                &Header::default(),
                &Claims {
                    sub: "u".into(),
                    iat: exp - 10,
                    exp,
                },
                &EncodingKey::from_secret(SECRET),
            )
            .unwrap()
        };
        assert!(tokens.verify(&expired(now - LEEWAY_SECONDS - 5)).is_err());
        assert!(tokens.verify(&expired(now - 1)).is_ok(), "within leeway");
    }

    #[test]
    fn tokens_without_exp_or_with_other_algorithms_are_refused() {
        let tokens = Tokens::new(SECRET, Duration::from_secs(60));
        #[derive(Serialize)]
        struct NoExp {
            sub: String,
        }
        let no_exp = encode(
            &Header::default(),
            &NoExp { sub: "u".into() },
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(tokens.verify(&no_exp).is_err());
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let claims = Claims {
            sub: "u".into(),
            iat: now,
            exp: now + 60,
        };
        let hs512 = encode(
            &Header::new(jsonwebtoken::Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(tokens.verify(&hs512).is_err());
    }

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut builder = lambda_http::http::Request::builder().uri("/api/user");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(lambda_http::Body::Empty).unwrap()
    }

    #[test]
    fn token_schemes() {
        let req = request(&[("authorization", "Token abc.def")]);
        assert_eq!(authorization_token(&req).unwrap(), Some("abc.def"));
        let req = request(&[("authorization", "Bearer abc.def")]);
        assert_eq!(authorization_token(&req).unwrap(), Some("abc.def"));
        let req = request(&[]);
        assert_eq!(authorization_token(&req).unwrap(), None);
        for bad in ["Basic abc", "Token", "Token  ", "abc"] {
            let req = request(&[("authorization", bad)]);
            assert!(
                matches!(
                    authorization_token(&req),
                    Err(ApiError::Unauthorized { .. })
                ),
                "{bad}"
            );
        }
    }
}

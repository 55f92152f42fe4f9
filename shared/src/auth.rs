//! Tokens and passwords.
//!
//! Tokens are HS256 JWTs whose subject is the user's immutable id (usernames
//! and emails can change). Passwords are hashed with argon2id at OWASP's
//! recommended cost, on the blocking pool so hashing never stalls the runtime.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation, decode, encode};
use lambda_http::Request;
use serde::{Deserialize, Serialize};

use crate::{ApiError, App, http::authorization_token};

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
    if app.db.user_exists(&id).await? {
        Ok(id)
    } else {
        Err(ApiError::token_invalid())
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified against when the email is unknown, so that answer costs the same
/// hashing time as a wrong password. Its plaintext is random and discarded.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZiKrggHdC6ejA6FTJZObRA$FKWphyiNY/n2mYCiod3gDwCHwuULuUh9Mc70MvinPUs";

pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Checks `password` against `hash`, or against a dummy hash when there is no
/// user, which then always fails. Both paths do one full argon2id verification.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let parsed = PasswordHash::new(&hash).map_err(ApiError::internal)?;
        let matches = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
    .map_err(ApiError::internal)?
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

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify_password("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[test]
    fn dummy_hash_costs_the_same_as_a_real_one() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(parsed.algorithm, Algorithm::Argon2id.ident());
        let params = Params::try_from(&parsed).unwrap();
        let expected = hasher();
        assert_eq!(params.m_cost(), expected.params().m_cost());
        assert_eq!(params.t_cost(), expected.params().t_cost());
        assert_eq!(params.p_cost(), expected.params().p_cost());
    }
}

//! Who is calling: tokens, sessions, and the checks every route with a
//! token makes.
//!
//! A token is an HS256 JWT naming the user (`sub`, the immutable id:
//! usernames and emails can change) and a session: its id (`sid`) and when
//! it was signed in (`sat`, epoch milliseconds). A session starts at
//! registration or login and lives at most `SESSION_MAX_AGE_SECONDS` from
//! then; `GET /api/user` renews its token (good for `TOKEN_TTL_SECONDS`,
//! never past the session's end) without restarting it. What ends sessions
//! early is on the user's counts item, which every authenticated request
//! reads anyway (see `UserCounts::session_is_on`): a password or email
//! change ends every other session, `DELETE /api/user/sessions` every one.
//!
//! Validation: HS256 only (any other `alg`, `none` included, is refused),
//! `exp` and `sub` required and checked with 30 s of leeway, `sid` and
//! `sat` required; `jsonwebtoken` refuses unknown `crit` headers.

use std::{future::Future, time::Duration};

use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation, decode, encode};
use lambda_http::{Request, http::header};
use serde::{Deserialize, Serialize};

use crate::{
    ground::{clock, error::ApiError},
    store::{
        pages::Viewer,
        records::{UserCounts, UserRecord},
    },
};

use super::App;

/// Clock skew tolerated on `exp`, in seconds.
const LEEWAY_SECONDS: u64 = 30;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    /// The session's id.
    sid: String,
    /// When the session was signed in, epoch milliseconds.
    sat: u64,
    iat: u64,
    exp: u64,
}

/// One sign-in's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    /// When it was signed in, epoch milliseconds.
    pub started: u64,
}

/// A caller whose token is valid and whose session is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user's id.
    pub id: String,
    pub session: Session,
}

impl Caller {
    /// Whether the session was signed in within `window` of now.
    pub fn signed_in_within(&self, window: Duration) -> bool {
        let age = clock::epoch_millis().saturating_sub(self.session.started);
        u128::from(age) <= window.as_millis()
    }
}

pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
    max_age: Duration,
}

impl Tokens {
    /// Tokens signed with `secret`, each good for `ttl`, of sessions that
    /// live at most `max_age`.
    pub fn new(secret: &[u8], ttl: Duration, max_age: Duration) -> Result<Self, ApiError> {
        // HS256 only: a token naming any other algorithm (or `none`) is refused.
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret).map_err(ApiError::internal)?,
            decoding: DecodingKey::from_secret(secret).map_err(ApiError::internal)?,
            validation,
            ttl,
            max_age,
        })
    }

    /// A token of a new session of `user_id`, signed in now.
    pub fn sign_in(&self, user_id: &str) -> Result<String, ApiError> {
        let session = Session {
            id: uuid::Uuid::new_v4().simple().to_string(),
            started: clock::epoch_millis(),
        };
        self.issue(user_id, &session)
    }

    /// A fresh token of the caller's session, which goes on as it is.
    pub fn renew(&self, caller: &Caller) -> Result<String, ApiError> {
        self.issue(&caller.id, &caller.session)
    }

    /// A token for `session`, good for the TTL but never past the session's end.
    pub fn issue(&self, user_id: &str, session: &Session) -> Result<String, ApiError> {
        let now = clock::epoch_seconds();
        let ends = session.started / 1_000 + self.max_age.as_secs();
        let claims = Claims {
            sub: user_id.to_owned(),
            sid: session.id.clone(),
            sat: session.started,
            iat: now,
            exp: (now + self.ttl.as_secs()).min(ends),
        };
        encode(&Header::default(), &claims, &self.encoding).map_err(ApiError::internal)
    }

    /// Who a valid token names; 401 when it is not valid or its session
    /// has lived its longest.
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| ApiError::token_invalid())?;
        let age = clock::epoch_millis().saturating_sub(claims.sat);
        if u128::from(age) > self.max_age.as_millis() {
            return Err(ApiError::session_ended());
        }
        Ok(Caller {
            id: claims.sub,
            session: Session {
                id: claims.sid,
                started: claims.sat,
            },
        })
    }
}

/// The caller: the token must be valid, name a user that exists, and its
/// session be on; else 401. (Writes check the user again inside their
/// transaction.)
pub async fn caller(app: &App, req: &Request) -> Result<Caller, ApiError> {
    let caller = token_caller(app, req)?.ok_or_else(ApiError::token_missing)?;
    let state = app.store.users().state(&caller.id).await?;
    check(caller, state.as_ref())
}

/// The caller's user id (see [`caller`]).
pub async fn require_user(app: &App, req: &Request) -> Result<String, ApiError> {
    caller(app, req).await.map(|caller| caller.id)
}

/// The caller's user id if a token is sent. A token that is sent but invalid,
/// names a user that no longer exists or a session that ended, is still a
/// 401: silently treating it as anonymous hides ended sessions.
pub async fn optional_user(app: &App, req: &Request) -> Result<Option<String>, ApiError> {
    match token_caller(app, req)? {
        Some(_) => require_user(app, req).await.map(Some),
        None => Ok(None),
    }
}

/// Whether a read needs a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Required,
    Optional,
}

/// Answers a read for the viewer a token names (`None` without one), and
/// checks the viewer's session with what the read's batch found (see
/// [`Viewer`]): where the read reaches its batch, the check adds neither a
/// call nor a round trip. The read is harmless before the check, and its
/// answer is dropped for the check's 401. A read that ends before its
/// batch (a 404, an author who does not exist) has the session read on its
/// own, after it: one call and one round trip more on those paths. Only for
/// routes that write nothing a client asked for (the `GET`s); a write
/// checks first.
pub async fn reading<T, Fut>(
    app: &App,
    req: &Request,
    token: Token,
    read: impl FnOnce(Option<Viewer>) -> Fut,
) -> Result<T, ApiError>
where
    Fut: Future<Output = Result<T, ApiError>>,
{
    let caller = token_caller(app, req)?;
    if caller.is_none() && token == Token::Required {
        return Err(ApiError::token_missing());
    }
    let viewer = caller
        .as_ref()
        .map(|c| Viewer::unchecked(&c.id, &c.session.id, c.session.started));
    let answer = read(viewer.clone()).await;
    if let Some(caller) = caller {
        let state = match viewer.and_then(|viewer| viewer.counts_found()) {
            Some(state) => state,
            // The read ended before its batch (a 404, an author who does
            // not exist): the session is read on its own.
            None => app.store.users().state(&caller.id).await?,
        };
        check(caller, state.as_ref())?;
    }
    answer
}

/// The caller and their profile, in one read of the user's partition.
pub async fn caller_with_profile(
    app: &App,
    req: &Request,
) -> Result<(Caller, UserRecord), ApiError> {
    let caller = token_caller(app, req)?.ok_or_else(ApiError::token_missing)?;
    let (profile, state) = app.store.users().profile_and_state(&caller.id).await?;
    let caller = check(caller, state.as_ref())?;
    let profile = profile.ok_or_else(ApiError::token_invalid)?;
    Ok((caller, profile))
}

/// The caller, if the user still exists and the session is on.
fn check(caller: Caller, state: Option<&UserCounts>) -> Result<Caller, ApiError> {
    match state {
        None => Err(ApiError::token_invalid()),
        Some(state) if !state.session_is_on(&caller.session.id, caller.session.started) => {
            Err(ApiError::session_ended())
        }
        Some(_) => Ok(caller),
    }
}

fn token_caller(app: &App, req: &Request) -> Result<Option<Caller>, ApiError> {
    authorization_token(req)?
        .map(|token| app.tokens()?.verify(token))
        .transpose()
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
    const DAY: Duration = Duration::from_secs(86_400);

    fn tokens() -> Tokens {
        Tokens::new(SECRET, Duration::from_secs(60), DAY).unwrap()
    }

    fn signed(claims: &impl Serialize, header: &Header) -> String {
        encode(header, claims, &EncodingKey::from_secret(SECRET).unwrap()).unwrap()
    }

    fn claims(sat: u64, exp: u64) -> Claims {
        Claims {
            sub: "u".into(),
            sid: "s".into(),
            sat,
            iat: exp.saturating_sub(10),
            exp,
        }
    }

    #[test]
    fn tokens_round_trip_the_user_and_session() {
        let tokens = tokens();
        let caller = tokens.verify(&tokens.sign_in("user-1").unwrap()).unwrap();
        assert_eq!(caller.id, "user-1");
        assert!(caller.signed_in_within(Duration::from_secs(5)));
        // A renewal is the same session, signed in at the same time.
        let renewed = tokens.verify(&tokens.renew(&caller).unwrap()).unwrap();
        assert_eq!(renewed, caller);
        let other = tokens.verify(&tokens.sign_in("user-1").unwrap()).unwrap();
        assert_ne!(other.session.id, caller.session.id);
    }

    #[test]
    fn tokens_from_another_key_or_tampered_are_refused() {
        let tokens = tokens();
        let other = Tokens::new(b"another-secret-another-secret-00", DAY, DAY).unwrap();
        let token = other.sign_in("user-1").unwrap();
        assert!(tokens.verify(&token).is_err());
        let mut token = tokens.sign_in("user-1").unwrap();
        token.push('x');
        assert!(tokens.verify(&token).is_err());
        assert!(tokens.verify("not-a-jwt").is_err());
    }

    #[test]
    fn expired_tokens_are_refused_beyond_the_leeway() {
        let tokens = tokens();
        let now = clock::epoch_seconds();
        let expired = |exp| signed(&claims(clock::epoch_millis(), exp), &Header::default());
        assert!(tokens.verify(&expired(now - LEEWAY_SECONDS - 5)).is_err());
        assert!(tokens.verify(&expired(now - 1)).is_ok(), "within leeway");
    }

    #[test]
    fn a_session_older_than_its_longest_life_is_over_whatever_its_token_says() {
        let tokens = tokens();
        let now = clock::epoch_seconds();
        let old = clock::epoch_millis() - DAY.as_millis() as u64 - 1_000;
        let token = signed(&claims(old, now + 60), &Header::default());
        assert!(matches!(
            tokens.verify(&token),
            Err(ApiError::Unauthorized {
                field: "session",
                ..
            })
        ));
        // A renewal never reaches past the session's end.
        let almost = Caller {
            id: "u".into(),
            session: Session {
                id: "s".into(),
                started: clock::epoch_millis() - DAY.as_millis() as u64 + 30_000,
            },
        };
        let renewed = tokens.renew(&almost).unwrap();
        let exp = decode::<Claims>(&renewed, &tokens.decoding, &tokens.validation)
            .unwrap()
            .claims
            .exp;
        assert!(exp <= now + 31, "{exp} > {}", now + 31);
    }

    #[test]
    fn tokens_without_a_session_or_exp_or_with_other_algorithms_are_refused() {
        let tokens = tokens();
        #[derive(Serialize)]
        struct Bare {
            sub: String,
            exp: u64,
        }
        let now = clock::epoch_seconds();
        let bare = signed(
            &Bare {
                sub: "u".into(),
                exp: now + 60,
            },
            &Header::default(),
        );
        assert!(
            tokens.verify(&bare).is_err(),
            "no session: an older release's token"
        );
        #[derive(Serialize)]
        struct NoExp {
            sub: String,
            sid: String,
            sat: u64,
        }
        let no_exp = signed(
            &NoExp {
                sub: "u".into(),
                sid: "s".into(),
                sat: clock::epoch_millis(),
            },
            &Header::default(),
        );
        assert!(tokens.verify(&no_exp).is_err());
        let hs512 = signed(
            &claims(clock::epoch_millis(), now + 60),
            &Header::new(jsonwebtoken::Algorithm::HS512),
        );
        assert!(tokens.verify(&hs512).is_err());
        let critical = Header {
            crit: Some(vec!["exp".into()]),
            ..Header::default()
        };
        let critical = signed(&claims(clock::epoch_millis(), now + 60), &critical);
        assert!(tokens.verify(&critical).is_err(), "an unknown crit header");
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

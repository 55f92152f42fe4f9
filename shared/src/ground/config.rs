//! Configuration comes from the environment only; nothing secret has a default.

use std::{fmt, time::Duration};

/// Minimum length of the JWT signing secret: HS256 is only as strong as its key,
/// and RFC 7518 asks for a key at least as long as the hash output.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub region: String,
    /// Set for DynamoDB Local; unset in AWS, where the regional endpoint is used.
    pub dynamodb_endpoint: Option<String>,
    /// `SECRETS_MANAGER_ENDPOINT`: a stand-in for Secrets Manager (the
    /// benchmark's); unset in AWS.
    pub secrets_endpoint: Option<String>,
    /// Whether the environment holds AWS credentials, as Lambda's always does
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`). The values are read
    /// by the SDK's environment provider, never kept here.
    pub environment_credentials: bool,
    /// Where the token signing key comes from; `None` for functions that
    /// neither issue nor verify tokens.
    pub jwt_secret: Option<SecretSource>,
    /// How long one token is good for; `GET /api/user` issues a fresh one.
    pub token_ttl: Duration,
    /// The longest a session lives from its sign-in, however often its
    /// token is refreshed.
    pub session_max_age: Duration,
    /// How recent a sign-in must be to change the email or password
    /// without sending the current password.
    pub recent_sign_in: Duration,
    /// The most users one user may follow.
    pub follows_max: u64,
    /// Upper bound on one DynamoDB operation, retries included. A database that
    /// does not answer within it yields 503 rather than a Lambda timeout.
    pub db_timeout: Duration,
    /// Upper bound on a whole request, a sequence of such operations: past
    /// it the answer is a 503, before the function's own timeout would
    /// give API Gateway's bare 500.
    pub request_deadline: Duration,
    /// Per-client rate limits (`RATE_LIMIT_*`); unset ones are off.
    pub rate_limits: RateLimits,
    /// How long shared caches keep public reads.
    pub caching: Caching,
    /// With the edge on: the header value every request must carry, which
    /// only the edge knows (`ORIGIN_SECRET`, or `ORIGIN_SECRET_ARN` read
    /// from Secrets Manager at Init). `None`: requests come straight to the
    /// API.
    pub origin_secret: Option<SecretSource>,
}

/// How long shared caches (the edge) keep a public read: `s-maxage`, and
/// `stale-while-revalidate` beyond it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caching {
    pub shared_seconds: u64,
    pub stale_seconds: u64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Debug, Clone)]
pub enum SecretSource {
    /// `JWT_SECRET`: the key itself (local runs).
    Value(Secret),
    /// `JWT_SECRET_ARN`: a Secrets Manager secret, read once per cold start.
    SecretsManager(String),
}

/// A value that must never reach a log line.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any key lookup, so tests need not touch
    /// the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| get(name).filter(|v: &String| !v.trim().is_empty());
        let table_name = get("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?;
        let jwt_secret = match (get("JWT_SECRET"), get("JWT_SECRET_ARN")) {
            (Some(value), _) => Some(SecretSource::Value(checked_secret("JWT_SECRET", value)?)),
            (None, Some(arn)) => Some(SecretSource::SecretsManager(arn)),
            (None, None) => None,
        };
        Ok(Self {
            table_name,
            region: get("AWS_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
            dynamodb_endpoint: get("DYNAMODB_ENDPOINT"),
            secrets_endpoint: get("SECRETS_MANAGER_ENDPOINT"),
            environment_credentials: get("AWS_ACCESS_KEY_ID").is_some()
                && get("AWS_SECRET_ACCESS_KEY").is_some(),
            jwt_secret,
            token_ttl: Duration::from_secs(number(&get, "TOKEN_TTL_SECONDS", 86_400)?),
            session_max_age: Duration::from_secs(number(
                &get,
                "SESSION_MAX_AGE_SECONDS",
                30 * 86_400,
            )?),
            recent_sign_in: Duration::from_secs(number(&get, "RECENT_SIGN_IN_SECONDS", 3_600)?),
            follows_max: number(&get, "FOLLOWS_MAX", 5_000)?,
            db_timeout: Duration::from_millis(number(&get, "DYNAMODB_TIMEOUT_MS", 3_000)?),
            request_deadline: Duration::from_millis(number(&get, "REQUEST_DEADLINE_MS", 8_000)?),
            caching: Caching {
                shared_seconds: number(&get, "CACHE_SHARED_SECONDS", 5)?,
                stale_seconds: number(&get, "CACHE_STALE_SECONDS", 30)?,
            },
            origin_secret: match (get("ORIGIN_SECRET"), get("ORIGIN_SECRET_ARN")) {
                (Some(value), _) => Some(SecretSource::Value(Secret::new(value.into_bytes()))),
                (None, Some(arn)) => Some(SecretSource::SecretsManager(arn)),
                (None, None) => None,
            },
            rate_limits: RateLimits::from_lookup(get)
                .map_err(|(name, reason)| ConfigError::Invalid { name, reason })?,
        })
    }
}

/// A signing key long enough for HS256.
pub fn checked_secret(name: &'static str, value: String) -> Result<Secret, ConfigError> {
    if value.len() < MIN_SECRET_BYTES {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("must be at least {MIN_SECRET_BYTES} bytes"),
        });
    }
    Ok(Secret::new(value))
}

fn number(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(raw) => match raw.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError::Invalid {
                name,
                reason: "must be a positive integer".to_owned(),
            }),
        },
    }
}

// ---- rate limits ------------------------------------------------------------

/// The longest window: five digits of seconds, as the template's parameters
/// allow (a little over a day).
pub const MAX_WINDOW_SECONDS: u64 = 99_999;

/// At most `limit` requests per `window`, for each client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
}

impl Rule {
    /// A rule from its configured form, `<requests>/<seconds>` (`10/900`:
    /// ten per quarter hour); `off` (or nothing) for no limit.
    pub fn parse(name: &'static str, text: &str) -> Result<Option<Self>, String> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let parsed = text.split_once('/').and_then(|(limit, seconds)| {
            let limit: u32 = limit.trim().parse().ok()?;
            let seconds: u64 = seconds.trim().parse().ok()?;
            (limit > 0 && (1..=MAX_WINDOW_SECONDS).contains(&seconds)).then_some((limit, seconds))
        });
        match parsed {
            Some((limit, seconds)) => Ok(Some(Self {
                name,
                limit,
                window: Duration::from_secs(seconds),
            })),
            None => Err(format!(
                "{text:?} is not <requests>/<seconds> (seconds up to {MAX_WINDOW_SECONDS}) or off"
            )),
        }
    }
}

/// The rate limits: each a field, its environment variable, and its name
/// in keys and logs. One list, from which the struct and its reading are made.
macro_rules! rate_limits {
    ($($(#[doc = $doc:literal])* $field:ident: $variable:literal as $name:literal,)*) => {
        /// The rules of every function that has any; `None` is no limit.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct RateLimits {
            $($(#[doc = $doc])* pub $field: Option<Rule>,)*
        }

        impl RateLimits {
            /// The environment variable of each rule and its name in keys and logs.
            pub const VARIABLES: &'static [(&'static str, &'static str)] = &[$(($variable, $name),)*];

            /// These rules, by variable, and none of the others.
            pub fn only(self, variables: &[&str]) -> Self {
                Self {
                    $($field: self.$field.filter(|_| variables.contains(&$variable)),)*
                }
            }

            /// Every rule from `get` (an environment lookup).
            pub fn from_lookup(
                get: impl Fn(&'static str) -> Option<String>,
            ) -> Result<Self, (&'static str, String)> {
                let rule = |variable: &'static str, name: &'static str| {
                    get(variable)
                        .map(|text| Rule::parse(name, &text))
                        .transpose()
                        .map(Option::flatten)
                        .map_err(|why| (variable, why))
                };
                Ok(Self {
                    $($field: rule($variable, $name)?,)*
                })
            }
        }
    };
}

rate_limits! {
    /// Login attempts from one source IP.
    login_per_ip: "RATE_LIMIT_LOGIN_PER_IP" as "login-ip",
    /// Failed password checks for one account (login, or the current
    /// password a credential change sends), from anywhere.
    login_per_email: "RATE_LIMIT_LOGIN_PER_EMAIL" as "login-email",
    /// Registrations from one source IP.
    register_per_ip: "RATE_LIMIT_REGISTER_PER_IP" as "register-ip",
    /// Articles one user creates.
    articles_per_user: "RATE_LIMIT_ARTICLES_PER_USER" as "article-user",
    /// Comments one user writes.
    comments_per_user: "RATE_LIMIT_COMMENTS_PER_USER" as "comment-user",
    /// Follows and unfollows by one user.
    follows_per_user: "RATE_LIMIT_FOLLOWS_PER_USER" as "follow-user",
    /// Favorites and unfavorites by one user.
    favorites_per_user: "RATE_LIMIT_FAVORITES_PER_USER" as "favorite-user",
    /// Changes to one user's account (`PUT /api/user`).
    profile_updates_per_user: "RATE_LIMIT_PROFILE_UPDATES_PER_USER" as "profile-user",
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn requires_a_table() {
        assert_eq!(
            config(&[("JWT_SECRET", SECRET)]).unwrap_err(),
            ConfigError::Missing("TABLE_NAME")
        );
    }

    #[test]
    fn the_secret_comes_from_the_value_or_secrets_manager() {
        assert!(config(&[("TABLE_NAME", "t")]).unwrap().jwt_secret.is_none());
        let c = config(&[
            ("TABLE_NAME", "t"),
            ("JWT_SECRET_ARN", "arn:aws:secretsmanager:x"),
        ])
        .unwrap();
        assert!(
            matches!(c.jwt_secret, Some(SecretSource::SecretsManager(arn)) if arn == "arn:aws:secretsmanager:x")
        );
        let c = config(&[("TABLE_NAME", "t"), ("JWT_SECRET", SECRET)]).unwrap();
        assert!(
            matches!(c.jwt_secret, Some(SecretSource::Value(s)) if s.expose() == SECRET.as_bytes())
        );
    }

    #[test]
    fn rejects_short_secret() {
        let err = config(&[("TABLE_NAME", "t"), ("JWT_SECRET", "short")]).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "JWT_SECRET",
                ..
            }
        ));
    }

    #[test]
    fn defaults_and_overrides() {
        let c = config(&[("TABLE_NAME", "t"), ("JWT_SECRET", SECRET)]).unwrap();
        assert_eq!(c.region, "us-east-1");
        assert_eq!(c.token_ttl, Duration::from_secs(86_400));
        assert!(c.dynamodb_endpoint.is_none());
        assert!(c.secrets_endpoint.is_none());
        assert!(!c.environment_credentials);
        let c = config(&[
            ("TABLE_NAME", "t"),
            ("JWT_SECRET", SECRET),
            ("DYNAMODB_TIMEOUT_MS", "250"),
            ("DYNAMODB_ENDPOINT", "http://127.0.0.1:8000"),
        ])
        .unwrap();
        assert_eq!(c.db_timeout, Duration::from_millis(250));
        assert_eq!(
            c.dynamodb_endpoint.as_deref(),
            Some("http://127.0.0.1:8000")
        );
        assert!(
            config(&[
                ("TABLE_NAME", "t"),
                ("JWT_SECRET", SECRET),
                ("TOKEN_TTL_SECONDS", "x")
            ])
            .is_err()
        );
    }

    #[test]
    fn environment_credentials_need_both_halves_of_the_key() {
        let base = [("TABLE_NAME", "t")];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = base.to_vec();
            pairs.extend_from_slice(extra);
            config(&pairs).unwrap().environment_credentials
        };
        assert!(!with(&[("AWS_ACCESS_KEY_ID", "AKIA")]));
        assert!(!with(&[("AWS_SECRET_ACCESS_KEY", "s")]));
        assert!(with(&[
            ("AWS_ACCESS_KEY_ID", "AKIA"),
            ("AWS_SECRET_ACCESS_KEY", "s")
        ]));
    }

    #[test]
    fn secret_is_redacted_in_debug_output() {
        let c = config(&[("TABLE_NAME", "t"), ("JWT_SECRET", SECRET)]).unwrap();
        assert!(!format!("{c:?}").contains(SECRET));
    }

    #[test]
    fn rules_parse_or_say_why_not() {
        assert_eq!(
            Rule::parse("login-email", "10/900"),
            Ok(Some(Rule {
                name: "login-email",
                limit: 10,
                window: Duration::from_secs(900)
            }))
        );
        assert_eq!(Rule::parse("x", "off"), Ok(None));
        assert_eq!(Rule::parse("x", " "), Ok(None));
        for bad in [
            "10",
            "0/60",
            "10/0",
            "10/100000",
            "-1/60",
            "ten/60",
            "10/60/1",
        ] {
            assert!(Rule::parse("x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_come_from_their_variables() {
        let limits = RateLimits::from_lookup(|name| {
            (name == "RATE_LIMIT_LOGIN_PER_EMAIL").then(|| "5/60".to_owned())
        })
        .unwrap();
        assert_eq!(limits.login_per_email.map(|r| r.limit), Some(5));
        assert_eq!(limits.login_per_ip, None);
        let bad = RateLimits::from_lookup(|name| {
            (name == "RATE_LIMIT_COMMENTS_PER_USER").then(|| "lots".to_owned())
        });
        assert_eq!(bad.map_err(|e| e.0), Err("RATE_LIMIT_COMMENTS_PER_USER"));
    }
}

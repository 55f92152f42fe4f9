//! The application: what a request may do and what it answers, between the
//! HTTP edge and the store. [`App`] is built once per cold start; [`auth`]
//! says who is calling, [`accounts`] holds the sign-up and sign-in policy,
//! [`password`] hashes, [`validate`] the input rules, [`views`] turns
//! records into the RealWorld JSON documents and [`cursor`] positions into
//! the cursors clients send back.

pub mod accounts;
pub mod auth;
pub mod cursor;
pub mod password;
pub mod validate;
pub mod views;

use aws_config::SdkConfig;

use crate::{
    ground::{
        aws::sdk_config,
        config::{Caching, Config, RateLimits, Rule, Secret, SecretSource, checked_secret},
        error::ApiError,
    },
    store::Store,
    table::Table,
};

use auth::Tokens;

/// Everything a handler needs, built once per cold start and shared by every
/// invocation the execution environment serves.
pub struct App {
    pub store: Store,
    /// Per-client rate limits, for the functions that apply them.
    pub limits: RateLimits,
    pub passwords: password::Passwords,
    /// How recent a sign-in must be to change the email or password
    /// without the current one.
    pub recent_sign_in: std::time::Duration,
    /// The most users one user may follow.
    pub follows_max: u64,
    /// How long one request may take in all.
    pub request_deadline: std::time::Duration,
    /// How long shared caches keep public reads.
    pub caching: Caching,
    tokens: Option<Tokens>,
    /// With the edge on: what every request's `ORIGIN_HEADER` must hold.
    origin_secret: Option<Secret>,
}

/// The header the edge adds to every request it forwards, holding the
/// origin secret.
pub const ORIGIN_HEADER: &str = "x-origin-verify";

/// The viewer's address as the edge saw it (`<ip>:<port>`), which it adds
/// to every request it forwards.
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

/// Whether a function issues or verifies tokens, and so needs the signing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// The key must be configured: a cold start without one fails at once.
    Signing,
    /// No key is read (health, tags, the stream worker).
    None,
}

impl App {
    /// The app of a function, from Lambda's environment, with the rate
    /// limits it applies (their variables) and no others.
    pub async fn from_env(keys: Keys, limits: &[&str]) -> Result<Self, lambda_http::Error> {
        let mut config = Config::from_env()?;
        config.rate_limits = config.rate_limits.only(limits);
        match keys {
            Keys::Signing if config.jwt_secret.is_none() => {
                return Err("JWT_SECRET or JWT_SECRET_ARN must be set".into());
            }
            Keys::Signing => {}
            Keys::None => config.jwt_secret = None,
        }
        Self::new(&config).await
    }

    pub async fn new(config: &Config) -> Result<Self, lambda_http::Error> {
        let sdk_config = sdk_config(config).await;
        let secret = match &config.jwt_secret {
            None => None,
            Some(SecretSource::Value(secret)) => Some(secret.clone()),
            Some(SecretSource::SecretsManager(arn)) => {
                Some(read_secret(&sdk_config, config, arn).await?)
            }
        };
        let tokens = secret
            .map(|secret| Tokens::new(secret.expose(), config.token_ttl, config.session_max_age))
            .transpose()?;
        let origin_secret = match &config.origin_secret {
            None => None,
            Some(SecretSource::Value(secret)) => Some(secret.clone()),
            Some(SecretSource::SecretsManager(arn)) => {
                Some(read_secret(&sdk_config, config, arn).await?)
            }
        };
        Ok(Self {
            store: Store::new(Table::new(&sdk_config, config)),
            limits: config.rate_limits.clone(),
            passwords: password::Passwords::default(),
            recent_sign_in: config.recent_sign_in,
            follows_max: config.follows_max,
            request_deadline: config.request_deadline,
            caching: config.caching.clone(),
            tokens,
            origin_secret,
        })
    }

    /// The origin secret every request must carry, with the edge on.
    pub fn origin_secret(&self) -> Option<&[u8]> {
        self.origin_secret.as_ref().map(Secret::expose)
    }

    /// The client's address: with the edge on, the viewer's as the edge
    /// forwards it (every request admitted carries the origin secret, so
    /// the header is the edge's, not a client's); without it, API
    /// Gateway's own `sourceIp`, which no header a client sends can change.
    pub fn client_ip(&self, req: &lambda_http::Request) -> Option<String> {
        if self.origin_secret.is_some() {
            return req
                .headers()
                .get(VIEWER_ADDRESS_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(viewer_ip);
        }
        source_ip(req)
    }

    /// Counts the request against `rule` for the client's address (a
    /// request without one, which API Gateway never sends, is not counted).
    pub async fn limit_by_ip(
        &self,
        rule: Option<&Rule>,
        req: &lambda_http::Request,
    ) -> Result<(), ApiError> {
        match self.client_ip(req) {
            Some(ip) => self.store.limits().hit(rule, &ip).await,
            None => Ok(()),
        }
    }

    pub fn tokens(&self) -> Result<&Tokens, ApiError> {
        self.tokens
            .as_ref()
            .ok_or_else(|| ApiError::internal("this function has no token signing key"))
    }
}

/// The address of `<ip>:<port>` (an IPv6 address has colons of its own,
/// so the port is after the last).
fn viewer_ip(address: &str) -> Option<String> {
    let (ip, port) = address.trim().rsplit_once(':')?;
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    (port.parse::<u16>().is_ok() && ip.parse::<std::net::IpAddr>().is_ok()).then(|| ip.to_owned())
}

/// The client's address as API Gateway saw the connection: its own
/// `sourceIp`, which no header a client sends can change.
pub fn source_ip(req: &lambda_http::Request) -> Option<String> {
    use lambda_http::RequestExt;
    match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => {
            context.http.source_ip.clone().filter(|ip| !ip.is_empty())
        }
        _ => None,
    }
}

async fn read_secret(
    sdk_config: &SdkConfig,
    config: &Config,
    arn: &str,
) -> Result<Secret, lambda_http::Error> {
    let mut builder = aws_sdk_secretsmanager::config::Builder::from(sdk_config);
    if let Some(endpoint) = &config.secrets_endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    let output = aws_sdk_secretsmanager::Client::from_conf(builder.build())
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|err| {
            format!(
                "reading the signing key: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(err)
            )
        })?;
    let value = output
        .secret_string
        .ok_or("the signing key secret has no string value")?;
    Ok(checked_secret("JWT_SECRET_ARN", value)?)
}

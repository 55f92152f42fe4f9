use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::{
    Credentials, Region, SharedCredentialsProvider, retry::RetryConfig, timeout::TimeoutConfig,
};
use std::time::Duration;

use crate::{
    ApiError,
    auth::Tokens,
    config::{Config, SecretSource, checked_secret},
    db::{
        Db,
        limits::{RateLimits, Rule},
    },
};

/// Everything a handler needs, built once per cold start and shared by every
/// invocation the execution environment serves.
pub struct App {
    pub db: Db,
    /// Per-client rate limits, for the functions that apply them.
    pub limits: RateLimits,
    tokens: Option<Tokens>,
}

impl App {
    /// For functions that issue or verify tokens: the signing key must be
    /// configured, and a cold start without one fails at once.
    pub async fn from_env() -> Result<Self, lambda_http::Error> {
        let config = Config::from_env()?;
        if config.jwt_secret.is_none() {
            return Err("JWT_SECRET or JWT_SECRET_ARN must be set".into());
        }
        Self::new(&config).await
    }

    /// For functions that never see a token (health, tags): no key is read.
    pub async fn from_env_without_tokens() -> Result<Self, lambda_http::Error> {
        let mut config = Config::from_env()?;
        config.jwt_secret = None;
        Self::new(&config).await
    }

    pub async fn new(config: &Config) -> Result<Self, lambda_http::Error> {
        let sdk_config = sdk_config(config).await;
        let tokens = match &config.jwt_secret {
            None => None,
            Some(SecretSource::Value(secret)) => {
                Some(Tokens::new(secret.expose(), config.token_ttl))
            }
            Some(SecretSource::SecretsManager(arn)) => {
                let secret = read_secret(&sdk_config, config, arn).await?;
                Some(Tokens::new(secret.expose(), config.token_ttl))
            }
        };
        Ok(Self {
            db: Db::new(&sdk_config, config),
            limits: config.rate_limits.clone(),
            tokens,
        })
    }

    /// Counts the request against `rule` for the client's source IP (a
    /// request without one, which API Gateway never sends, is not counted).
    pub async fn limit_by_ip(
        &self,
        rule: Option<&Rule>,
        req: &lambda_http::Request,
    ) -> Result<(), ApiError> {
        match crate::http::source_ip(req) {
            Some(ip) => self.db.hit(rule, &ip).await,
            None => Ok(()),
        }
    }

    pub fn tokens(&self) -> Result<&Tokens, ApiError> {
        self.tokens
            .as_ref()
            .ok_or_else(|| ApiError::internal("this function has no token signing key"))
    }
}

/// The SDK configuration every client is built from: explicit region,
/// bounded timeouts, and credentials from the cheapest source that has them.
pub async fn sdk_config(config: &Config) -> SdkConfig {
    // The whole operation, retries included, ends within `db_timeout`;
    // one attempt gets half of it so a single hung connection can be retried.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(config.db_timeout.min(Duration::from_secs(1)))
        .operation_attempt_timeout(config.db_timeout / 2)
        .operation_timeout(config.db_timeout)
        .build();
    let retries = RetryConfig::standard().with_max_attempts(3);
    let region = Region::new(config.region.clone());
    let http = https_client();
    let credentials = if config.environment_credentials {
        // Lambda: the role's credentials and the region are in the
        // environment. Built directly, the configuration skips the default
        // chain's work at cold start (profile files, the provider chain and
        // the environment settings it resolves one by one).
        Some(SharedCredentialsProvider::new(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        ))
    } else if config.dynamodb_endpoint.is_some() {
        // DynamoDB Local accepts any credentials; static ones keep the SDK
        // from probing profiles or instance metadata on a developer machine.
        Some(SharedCredentialsProvider::new(Credentials::new(
            "local",
            "local",
            None,
            None,
            "dynamodb-local",
        )))
    } else {
        None
    };
    match credentials {
        Some(credentials) => SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(region)
            .credentials_provider(credentials)
            .http_client(http)
            .timeout_config(timeouts)
            .retry_config(retries)
            .build(),
        // Anywhere else (a developer machine talking to AWS): the default
        // chain, with profiles, SSO and the rest.
        None => {
            aws_config::defaults(BehaviorVersion::latest())
                .region(region)
                .http_client(http)
                .timeout_config(timeouts)
                .retry_config(retries)
                .load()
                .await
        }
    }
}

/// The HTTPS client every service client of this function shares: what the
/// SDK builds by default (rustls on AWS-LC, proxies from the environment),
/// but once. Each client built with its own would parse the platform's trust
/// bundle into a root store of its own, about half a millisecond of Init per
/// client (`make bench`: cold starts trusting one CA against the bundle); a
/// function that reads its key from Secrets Manager has two.
fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig, tls};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

async fn read_secret(
    sdk_config: &SdkConfig,
    config: &Config,
    arn: &str,
) -> Result<crate::config::Secret, lambda_http::Error> {
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

//! The AWS SDK configuration every client of a function is built from.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::{
    Credentials, Region, SharedCredentialsProvider, StalledStreamProtectionConfig,
    retry::RetryConfig, timeout::TimeoutConfig,
};
use std::time::Duration;

use crate::ground::config::Config;

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
    // The SDK's default first backoff (a second, with jitter) would spend
    // a third of the database bound on one wait; DynamoDB's throttles and
    // faults clear in tens of milliseconds.
    let retries = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_secs(1));
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
            .stalled_stream_protection(no_stall_watch())
            .build(),
        // Anywhere else (a developer machine talking to AWS): the default
        // chain, with profiles, SSO and the rest.
        None => {
            aws_config::defaults(BehaviorVersion::latest())
                .region(region)
                .http_client(http)
                .timeout_config(timeouts)
                .retry_config(retries)
                .stalled_stream_protection(no_stall_watch())
                .load()
                .await
        }
    }
}

/// No watch for stalled streams: it times every poll of every body, and
/// the attempt and operation timeouts above already end a stalled call.
fn no_stall_watch() -> StalledStreamProtectionConfig {
    StalledStreamProtectionConfig::disabled()
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

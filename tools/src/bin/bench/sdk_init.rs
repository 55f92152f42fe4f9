//! What building the SDK configuration costs a cold start, each run in a
//! process of its own (as Init is): the configuration the functions build
//! when the environment holds credentials and region, as Lambda's does
//! (`shared::ground::aws::sdk_config`), against `aws_config`'s default loader with the
//! same settings, in an empty home folder as in Lambda. Each run builds the
//! configuration and a DynamoDB client and resolves the credentials once.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use aws_sdk_dynamodb::config::{
    BehaviorVersion, ProvideCredentials, Region, retry::RetryConfig, timeout::TimeoutConfig,
};

use crate::Error;

pub const CHILD_FLAG: &str = "--sdk-init-child";
pub const VARIANTS: [&str; 2] = ["direct", "default loader"];

pub struct SdkInit {
    pub variant: &'static str,
    /// Configuration, client, credentials: each run's three steps.
    pub config: Vec<Duration>,
    pub client: Vec<Duration>,
    pub credentials: Vec<Duration>,
    pub runs: Vec<Duration>,
}

/// Runs each variant `runs` times, alternating, in fresh processes.
pub fn compare(env: &[(String, String)], runs: usize) -> Result<Vec<SdkInit>, Error> {
    let home = std::env::temp_dir().join(format!("conduit-bench-home-{}", std::process::id()));
    std::fs::create_dir_all(&home)?;
    let exe = std::env::current_exe()?;
    let mut results: Vec<SdkInit> = VARIANTS
        .iter()
        .map(|variant| SdkInit {
            variant,
            config: Vec::new(),
            client: Vec::new(),
            credentials: Vec::new(),
            runs: Vec::new(),
        })
        .collect();
    for _ in 0..runs {
        for result in &mut results {
            let output = Command::new(&exe)
                .arg(CHILD_FLAG)
                .arg(result.variant)
                .env_clear()
                .envs(env.iter().map(|(k, v)| (k, v)))
                .env("HOME", &home)
                .stdin(Stdio::null())
                .stderr(Stdio::inherit())
                .output()?;
            let steps: Vec<u64> = String::from_utf8_lossy(&output.stdout)
                .split_whitespace()
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|_| format!("sdk-init child ({}) failed", result.variant))?;
            let [config, client, credentials] = steps[..] else {
                return Err(
                    format!("sdk-init child ({}) printed {steps:?}", result.variant).into(),
                );
            };
            result.config.push(Duration::from_micros(config));
            result.client.push(Duration::from_micros(client));
            result.credentials.push(Duration::from_micros(credentials));
            result
                .runs
                .push(Duration::from_micros(config + client + credentials));
        }
    }
    let _ = std::fs::remove_dir_all(&home);
    Ok(results)
}

/// The child: one configuration, timed, printed in microseconds.
pub async fn child(variant: &str) -> Result<(), Error> {
    let config = shared::ground::config::Config::from_env()?;
    let started = Instant::now();
    let sdk_config = match variant {
        "direct" => shared::ground::aws::sdk_config(&config).await,
        _ => {
            let timeouts = TimeoutConfig::builder()
                .connect_timeout(config.db_timeout.min(Duration::from_secs(1)))
                .operation_attempt_timeout(config.db_timeout / 2)
                .operation_timeout(config.db_timeout)
                .build();
            aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(config.region.clone()))
                .timeout_config(timeouts)
                .retry_config(RetryConfig::standard().with_max_attempts(3))
                .load()
                .await
        }
    };
    let configured = started.elapsed();
    let client = aws_sdk_dynamodb::Client::new(&sdk_config);
    let built = started.elapsed();
    sdk_config
        .credentials_provider()
        .ok_or("no credentials provider")?
        .provide_credentials()
        .await?;
    let resolved = started.elapsed();
    drop(client);
    println!(
        "{} {} {}",
        configured.as_micros(),
        (built - configured).as_micros(),
        (resolved - built).as_micros()
    );
    Ok(())
}

//! Log set-up. In Lambda, `AWS_LAMBDA_LOG_FORMAT=JSON` selects structured logs
//! and `AWS_LAMBDA_LOG_LEVEL` the level; `RUST_LOG` wins where set.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").unwrap_or_else(|_| "info".to_owned());
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level.to_lowercase()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // Lambda stamps every line itself, so the subscriber's own clock is dropped there.
    let result = if json {
        builder.json().without_time().try_init()
    } else if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        builder.with_ansi(false).without_time().try_init()
    } else {
        builder.try_init()
    };
    // A second init (tests, or a host that set one up already) keeps the first.
    drop(result);
}

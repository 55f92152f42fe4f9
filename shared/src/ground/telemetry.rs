//! Logs and metrics, set up once per cold start.
//!
//! Logs: in Lambda, `AWS_LAMBDA_LOG_FORMAT=JSON` selects structured logs and
//! `AWS_LAMBDA_LOG_LEVEL` the level; `RUST_LOG` wins where set. Every line a
//! request logs sits inside two spans: the runtime's (`requestId`,
//! `xrayTraceId`) and this module's (`route`).
//!
//! Metrics: CloudWatch Embedded Metric Format, one JSON document on stdout per
//! invocation, which CloudWatch Logs turns into metrics in the namespace that
//! `METRICS_NAMESPACE` names (the template gives each stack its own,
//! `Conduit/<stack>`; [`DEFAULT_NAMESPACE`] elsewhere), each with the
//! `Function` dimension (the Lambda function's name).
//! Locally they are plain lines in the function's output. What is recorded:
//!
//! | metric | unit | recorded by |
//! |---|---|---|
//! | `Requests` (dimension `StatusClass`: `2xx`, `4xx`, `5xx`) | count | `edge::serve` |
//! | `Latency` | milliseconds | `edge::serve` |
//! | `ColdStart` | count | the first invocation of an execution environment |
//! | `DynamoDbCalls`, `DynamoDbRetries`, `DynamoDbThrottles` | count | the DynamoDB client's interceptor (`table::instrument`) |
//! | `ReadCapacityUnits`, `WriteCapacityUnits` | count | every DynamoDB call, from its `ConsumedCapacity` |
//! | `RecordsApplied`, `RecordsFailed`, `JobsFinished`, `JobsFailed` | count | the stream worker |
//! | `PasswordHashes` | count | every argon2id hash or verification (`app::password`) |

use metrics::Unit;
use metrics_cloudwatch_embedded::Collector;
use tracing_subscriber::EnvFilter;

/// The CloudWatch namespace when `METRICS_NAMESPACE` is not set.
pub const DEFAULT_NAMESPACE: &str = "Conduit";

pub mod names {
    pub const REQUESTS: &str = "Requests";
    pub const STATUS_CLASS: &str = "StatusClass";
    pub const LATENCY: &str = "Latency";
    pub const COLD_START: &str = "ColdStart";
    pub const DYNAMODB_CALLS: &str = "DynamoDbCalls";
    pub const DYNAMODB_RETRIES: &str = "DynamoDbRetries";
    pub const DYNAMODB_THROTTLES: &str = "DynamoDbThrottles";
    pub const READ_UNITS: &str = "ReadCapacityUnits";
    pub const WRITE_UNITS: &str = "WriteCapacityUnits";
    pub const RECORDS_APPLIED: &str = "RecordsApplied";
    pub const RECORDS_FAILED: &str = "RecordsFailed";
    pub const PASSWORD_HASHES: &str = "PasswordHashes";
    pub const JOBS_FINISHED: &str = "JobsFinished";
    pub const JOBS_FAILED: &str = "JobsFailed";
}

/// Logs and metrics for this process; call first in `main`. The metrics
/// collector is process-wide: a second call fails.
pub fn init() -> Result<&'static Collector, lambda_http::Error> {
    init_logs();
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".into());
    let namespace = std::env::var("METRICS_NAMESPACE")
        .ok()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(namespace)
        .with_dimension("Function", function)
        .lambda_cold_start_metric(names::COLD_START)
        .with_lambda_request_id("RequestId")
        .with_lambda_xray_trace_id("TraceId")
        .init()
        .map_err(|err| format!("setting up metrics: {err}"))?;
    describe();
    Ok(collector)
}

fn describe() {
    use metrics::{describe_counter, describe_histogram};
    describe_counter!(
        names::REQUESTS,
        Unit::Count,
        "requests answered, by status class"
    );
    describe_histogram!(
        names::LATENCY,
        Unit::Milliseconds,
        "handler time per request"
    );
    describe_counter!(names::DYNAMODB_CALLS, Unit::Count, "DynamoDB operations");
    describe_counter!(
        names::DYNAMODB_RETRIES,
        Unit::Count,
        "DynamoDB attempts after the first"
    );
    describe_counter!(
        names::DYNAMODB_THROTTLES,
        Unit::Count,
        "DynamoDB attempts refused for throughput"
    );
    describe_counter!(
        names::PASSWORD_HASHES,
        Unit::Count,
        "argon2id hashes and verifications run"
    );
    describe_histogram!(names::READ_UNITS, Unit::Count, "read capacity consumed");
    describe_histogram!(names::WRITE_UNITS, Unit::Count, "write capacity consumed");
}

/// Logs only, for processes that are not Lambda functions (local tools).
pub fn init_logs() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").unwrap_or_else(|_| "info".to_owned());
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level.to_lowercase()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // Lambda stamps every line itself, so the subscriber's own clock is dropped there.
    let result = if json {
        // The span list carries the request id and the route on every line.
        builder
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .without_time()
            .try_init()
    } else if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        builder.with_ansi(false).without_time().try_init()
    } else {
        builder.try_init()
    };
    // A second init (tests, or a host that set one up already) keeps the first.
    drop(result);
}

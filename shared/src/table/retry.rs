//! What a failed call means, and how long to wait before trying again.

use std::{
    fmt::Debug,
    time::{Duration, Instant},
};

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::ground::error::ApiError;

/// Exponential backoff with jitter for retries this layer does itself, within
/// a time budget: concurrent transactions on one item (a counter) conflict
/// and must take turns, and how long that takes depends on how many there
/// are, not on a count of attempts.
pub struct Backoff {
    attempt: u32,
    max_attempts: u32,
    started: Instant,
    budget: Duration,
}

impl Backoff {
    pub(crate) fn new(budget: Duration, max_attempts: u32) -> Self {
        Self {
            attempt: 1,
            max_attempts,
            started: Instant::now(),
            budget,
        }
    }

    /// Sleeps before the next attempt; false once the attempts or the
    /// budget are used up.
    pub async fn wait(&mut self) -> bool {
        let left = self.budget.saturating_sub(self.started.elapsed());
        if self.attempt >= self.max_attempts || left.is_zero() {
            return false;
        }
        let ceiling = 10u64 << self.attempt.min(5);
        let jitter = u64::from(uuid::Uuid::new_v4().as_fields().0) % ceiling;
        let pause = Duration::from_millis(ceiling / 2 + jitter / 2).min(left);
        tokio::time::sleep(pause).await;
        self.attempt += 1;
        true
    }
}

/// DynamoDB's error codes for a request over the table's, an index's or the
/// account's throughput: a client that waits and retries will be served.
pub const THROTTLING_CODES: [&str; 3] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
];

/// Maps an SDK failure to the API's error: what a retry may cure (timeouts,
/// throttling, an unreachable endpoint, a fault of the service) is a 503,
/// anything else a 500.
pub fn sdk_error<E, R>(operation: &'static str, err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let transient = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => service.err().code().is_some_and(|code| {
            THROTTLING_CODES.contains(&code)
                || matches!(
                    code,
                    "InternalServerError"
                        | "ServiceUnavailable"
                        | "TransactionConflictException"
                        | "TransactionInProgressException"
                )
        }),
        _ => false,
    };
    let detail = format!("{operation}: {}", DisplayErrorContext(&err));
    if transient {
        ApiError::Unavailable(detail)
    } else {
        ApiError::Internal(detail)
    }
}

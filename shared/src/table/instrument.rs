//! What the DynamoDB client reports to the metrics of [`crate::ground::telemetry`]:
//! calls, retries and throttled attempts from an SDK interceptor on every
//! client, consumed capacity from each call's answer (every call asks for
//! `ReturnConsumedCapacity: TOTAL`, which costs nothing).

use aws_sdk_dynamodb::{
    config::{
        ConfigBag, Intercept, RuntimeComponents,
        interceptors::{BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef},
    },
    error::BoxError,
    types::ConsumedCapacity,
};
use aws_smithy_runtime_api::client::{orchestrator::HttpResponse, retries::RequestAttempts};

use crate::ground::telemetry::names;

use super::retry::THROTTLING_CODES;

#[derive(Debug)]
pub struct Metrics;

impl Intercept for Metrics {
    fn name(&self) -> &'static str {
        "conduit metrics"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        metrics::counter!(names::DYNAMODB_CALLS).increment(1);
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg
            .load::<RequestAttempts>()
            .is_some_and(|a| a.attempts() > 1)
        {
            metrics::counter!(names::DYNAMODB_RETRIES).increment(1);
        }
        if context.response().is_some_and(throttled) {
            metrics::counter!(names::DYNAMODB_THROTTLES).increment(1);
        }
        Ok(())
    }
}

fn throttled(response: &HttpResponse) -> bool {
    if response.status().as_u16() != 400 {
        return false;
    }
    let code = |text: &[u8]| {
        THROTTLING_CODES
            .iter()
            .any(|c| text.windows(c.len()).any(|w| w == c.as_bytes()))
    };
    response
        .headers()
        .get("x-amzn-ErrorType")
        .is_some_and(|v| code(v.as_bytes()))
        || response.body().bytes().is_some_and(code)
}

#[derive(Clone, Copy)]
pub enum Access {
    Read,
    Write,
}

/// Records what one answer says it consumed.
pub fn consumed<'a>(access: Access, capacity: impl IntoIterator<Item = &'a ConsumedCapacity>) {
    let (mut reads, mut writes) = (0.0, 0.0);
    for c in capacity {
        match (c.read_capacity_units, c.write_capacity_units) {
            (None, None) => match access {
                Access::Read => reads += c.capacity_units.unwrap_or_default(),
                Access::Write => writes += c.capacity_units.unwrap_or_default(),
            },
            (r, w) => {
                reads += r.unwrap_or_default();
                writes += w.unwrap_or_default();
            }
        }
    }
    if reads > 0.0 {
        metrics::histogram!(names::READ_UNITS).record(reads);
    }
    if writes > 0.0 {
        metrics::histogram!(names::WRITE_UNITS).record(writes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::body::SdkBody;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body.to_owned()))
    }

    #[test]
    fn throughput_refusals_count_as_throttles_and_other_errors_do_not() {
        let refused = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"..."}"#;
        assert!(throttled(&response(400, refused)));
        let limit = r#"{"__type":"com.amazon.coral.availability#RequestLimitExceeded"}"#;
        assert!(throttled(&response(400, limit)));
        let condition =
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}"#;
        assert!(!throttled(&response(400, condition)));
        assert!(!throttled(&response(
            200,
            r#"{"Item":{"sk":{"S":"ThrottlingException"}}}"#
        )));
        assert!(!throttled(&response(500, "")));
    }
}

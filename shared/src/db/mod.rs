//! The data layer: one DynamoDB table, reached only through this module.
//!
//! `keys` is the key design (every partition key, sort key and index), the
//! entity modules hold every expression; handlers call typed methods on `Db`
//! and never see an `AttributeValue`.

pub mod articles;
pub mod changes;
pub mod cleanup;
pub mod comments;
pub mod favorites;
pub mod feed;
pub mod follows;
mod instrument;
pub mod keys;
pub mod limits;
pub mod lists;
pub mod requests;
pub mod tags;
pub mod users;
pub mod views;

mod expr;

use std::{
    collections::HashMap,
    fmt::Debug,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use aws_sdk_dynamodb::{
    Client,
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::transact_write_items::TransactWriteItemsError,
    types::{
        AttributeValue, DeleteRequest, KeysAndAttributes, ReturnConsumedCapacity,
        TransactWriteItem, WriteRequest,
    },
};

use crate::{ApiError, config::Config};

pub(crate) use instrument::{Access, consumed};

pub use expr::{Expr, UpdateExpr};
pub use keys::Key;
pub use lists::{Listed, Page, Start};

pub type Item = HashMap<String, AttributeValue>;

/// Which sort keys of a partition a query reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SortKeys<'a> {
    All,
    Prefix(&'a str),
    /// Both ends included.
    Between(&'a str, &'a str),
}

/// The most times a write this layer retries itself (a transaction that lost
/// a race, a batch's unprocessed part) is tried in all; the database bound
/// (`DYNAMODB_TIMEOUT_MS`) usually ends the retries first.
const MAX_ATTEMPTS: u32 = 16;

#[derive(Clone, Debug)]
pub struct Db {
    client: Client,
    table: String,
    /// How long this layer keeps retrying a write that lost a race: the
    /// database bound, as for the SDK's own retries.
    retry_budget: Duration,
}

impl Db {
    /// The client for `config`'s table; only DynamoDB goes to the local
    /// endpoint override, other services keep their regional endpoints.
    pub fn new(sdk_config: &aws_config::SdkConfig, config: &Config) -> Self {
        let mut builder =
            aws_sdk_dynamodb::config::Builder::from(sdk_config).interceptor(instrument::Metrics);
        if let Some(endpoint) = &config.dynamodb_endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Self {
            client: Client::from_conf(builder.build()),
            table: config.table_name.clone(),
            retry_budget: config.db_timeout,
        }
    }

    /// The same table through another client (one with extra interceptors, say).
    pub fn with_client(&self, client: Client) -> Self {
        Self {
            client,
            table: self.table.clone(),
            retry_budget: self.retry_budget,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Reads one item with a strongly consistent read.
    pub(crate) async fn get(
        &self,
        operation: &'static str,
        key: &Key,
    ) -> Result<Option<Item>, ApiError> {
        if !key.is_storable() {
            return Ok(None);
        }
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.to_map()))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| sdk_error(operation, err))?;
        instrument::consumed(Access::Read, &output.consumed_capacity);
        Ok(output.item)
    }

    /// The first `limit` items of partition `pk` whose sort key starts with
    /// `prefix`, newest (highest sort key) first: a strongly consistent query
    /// that reads exactly what it returns, following DynamoDB's pages if needed.
    pub(crate) async fn query_prefix(
        &self,
        operation: &'static str,
        pk: &str,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<Item>, ApiError> {
        let range = if prefix.is_empty() {
            SortKeys::All
        } else {
            SortKeys::Prefix(prefix)
        };
        self.query(operation, pk, range, limit).await
    }

    /// The first `limit` items of partition `pk` whose sort keys are in
    /// `range`, highest sort key first, strongly consistent.
    pub(crate) async fn query(
        &self,
        operation: &'static str,
        pk: &str,
        range: SortKeys<'_>,
        limit: usize,
    ) -> Result<Vec<Item>, ApiError> {
        let mut items = Vec::new();
        if pk.len() > keys::MAX_PK_BYTES {
            // No item has such a partition key (see `Key::is_storable`).
            return Ok(items);
        }
        let mut start = None;
        while items.len() < limit {
            let mut condition = Expr::new();
            let pk_name = condition.name(keys::PK);
            let pk_value = condition.string(pk);
            condition.and(format!("{pk_name} = {pk_value}"));
            match range {
                SortKeys::All => {}
                SortKeys::Prefix(prefix) => {
                    let sk_name = condition.name(keys::SK);
                    let sk_value = condition.string(prefix);
                    condition.and(format!("begins_with({sk_name}, {sk_value})"));
                }
                SortKeys::Between(low, high) => {
                    let sk_name = condition.name(keys::SK);
                    let low = condition.string(low);
                    let high = condition.string(high);
                    condition.and(format!("{sk_name} BETWEEN {low} AND {high}"));
                }
            }
            let (expression, names, values) = condition.into_maps();
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(expression)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .scan_index_forward(false)
                .consistent_read(true)
                .limit(i32::try_from(limit - items.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|err| sdk_error(operation, err))?;
            instrument::consumed(Access::Read, &output.consumed_capacity);
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok(items)
    }

    /// Reads many items by key (strongly consistent), in chunks of 100 and
    /// retrying whatever DynamoDB leaves unprocessed. Missing keys are absent
    /// from the result; order is not preserved.
    pub(crate) async fn batch_get(
        &self,
        operation: &'static str,
        keys: Vec<Key>,
    ) -> Result<Vec<Item>, ApiError> {
        let mut items = Vec::with_capacity(keys.len());
        let mut unique: Vec<Key> = Vec::with_capacity(keys.len());
        for key in keys {
            if key.is_storable() && !unique.contains(&key) {
                unique.push(key);
            }
        }
        for chunk in unique.chunks(100) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.iter().map(Key::to_map).collect()))
                    .consistent_read(true)
                    .build()
                    .map_err(ApiError::internal)?,
            );
            let mut backoff = Backoff::new(self.retry_budget);
            while let Some(request) = pending.take() {
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(|err| sdk_error(operation, err))?;
                instrument::consumed(Access::Read, output.consumed_capacity());
                if let Some(mut found) = output.responses {
                    items.extend(found.remove(&self.table).unwrap_or_default());
                }
                pending = output
                    .unprocessed_keys
                    .and_then(|mut rest| rest.remove(&self.table))
                    .filter(|rest| !rest.keys().is_empty());
                if pending.is_some() && !backoff.wait().await {
                    return Err(ApiError::Unavailable(format!(
                        "{operation}: keys left unprocessed"
                    )));
                }
            }
        }
        Ok(items)
    }

    /// Runs a write transaction. `Ok(Err(cancellation))` when a condition did
    /// not hold, so the caller can say which; lost races are retried here.
    pub(crate) async fn transact(
        &self,
        operation: &'static str,
        items: Vec<TransactWriteItem>,
    ) -> Result<Result<(), Cancellation>, ApiError> {
        let mut backoff = Backoff::new(self.retry_budget);
        loop {
            // One token per attempt: when the SDK re-sends an attempt whose
            // answer was lost (a timeout), DynamoDB recognises it and reports
            // the first outcome instead of applying it twice.
            let token = uuid::Uuid::new_v4().to_string();
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .client_request_token(token)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await;
            let err = match result {
                Ok(output) => {
                    instrument::consumed(Access::Write, output.consumed_capacity());
                    return Ok(Ok(()));
                }
                Err(err) => err,
            };
            if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                err.as_service_error()
            {
                let codes: Vec<String> = cancelled
                    .cancellation_reasons()
                    .iter()
                    .map(|reason| reason.code().unwrap_or("None").to_owned())
                    .collect();
                let cancellation = Cancellation(codes);
                if cancellation.any_condition_failed() {
                    return Ok(Err(cancellation));
                }
                if cancellation.lost_race() {
                    if backoff.wait().await {
                        continue;
                    }
                    // Still contended when the bound is reached: the client
                    // may retry, as for any other throttling.
                    return Err(ApiError::Unavailable(format!(
                        "{operation}: transaction kept conflicting"
                    )));
                }
            }
            return Err(sdk_error(operation, err));
        }
    }

    /// Deletes items by key, 25 to a request, retrying whatever DynamoDB
    /// leaves unprocessed. Deleting what is not there is no error.
    pub(crate) async fn batch_delete(
        &self,
        operation: &'static str,
        keys: Vec<Key>,
    ) -> Result<(), ApiError> {
        for chunk in keys.chunks(25) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|key| {
                    let delete = DeleteRequest::builder()
                        .set_key(Some(key.to_map()))
                        .build()
                        .map_err(ApiError::internal)?;
                    Ok(WriteRequest::builder().delete_request(delete).build())
                })
                .collect::<Result<_, ApiError>>()?;
            let mut backoff = Backoff::new(self.retry_budget);
            while !pending.is_empty() {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(|err| sdk_error(operation, err))?;
                instrument::consumed(Access::Write, output.consumed_capacity());
                pending = output
                    .unprocessed_items
                    .and_then(|mut rest| rest.remove(&self.table))
                    .unwrap_or_default();
                if !pending.is_empty() && !backoff.wait().await {
                    return Err(ApiError::Unavailable(format!(
                        "{operation}: items left unprocessed"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Writes one item, unconditionally.
    pub(crate) async fn put_item(
        &self,
        operation: &'static str,
        item: Item,
    ) -> Result<(), ApiError> {
        let output = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| sdk_error(operation, err))?;
        instrument::consumed(Access::Write, &output.consumed_capacity);
        Ok(())
    }

    /// Deletes one item; deleting what is not there is no error.
    pub(crate) async fn delete_item(
        &self,
        operation: &'static str,
        key: &Key,
    ) -> Result<(), ApiError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key.to_map()))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| sdk_error(operation, err))?;
        instrument::consumed(Access::Write, &output.consumed_capacity);
        Ok(())
    }

    /// Backoff for a retry this layer does itself, within the database bound.
    pub(crate) fn backoff(&self) -> Backoff {
        Backoff::new(self.retry_budget)
    }

    pub(crate) fn put(&self, item: Item, condition: Option<Expr>) -> TransactWriteItem {
        let (expression, names, values) = Expr::parts(condition);
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table and item are set");
        TransactWriteItem::builder().put(put).build()
    }

    pub(crate) fn delete(&self, key: &Key, condition: Option<Expr>) -> TransactWriteItem {
        let (expression, names, values) = Expr::parts(condition);
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_map()))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table and key are set");
        TransactWriteItem::builder().delete(delete).build()
    }

    pub(crate) fn update(&self, key: &Key, update: UpdateExpr) -> TransactWriteItem {
        let (expression, condition, names, values) = update.into_parts();
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_map()))
            .update_expression(expression)
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table, key and expression are set");
        TransactWriteItem::builder().update(update).build()
    }

    pub(crate) fn condition_check(&self, key: &Key, condition: Expr) -> TransactWriteItem {
        let (expression, names, values) = Expr::parts(Some(condition));
        let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_map()))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table, key and condition are set");
        TransactWriteItem::builder().condition_check(check).build()
    }
}

/// Why a transaction was cancelled, one code per item in request order.
#[derive(Debug)]
pub(crate) struct Cancellation(Vec<String>);

impl Cancellation {
    /// Whether the condition of the item at `index` did not hold.
    pub(crate) fn failed(&self, index: usize) -> bool {
        self.0
            .get(index)
            .is_some_and(|code| code == "ConditionalCheckFailed")
    }

    fn any_condition_failed(&self) -> bool {
        self.0.iter().any(|code| code == "ConditionalCheckFailed")
    }

    fn lost_race(&self) -> bool {
        self.0.iter().any(|code| code == "TransactionConflict")
    }
}

/// Exponential backoff with jitter for retries this layer does itself, within
/// a time budget: concurrent transactions on one item (a counter) conflict
/// and must take turns, and how long that takes depends on how many there
/// are, not on a count of attempts.
pub(crate) struct Backoff {
    attempt: u32,
    started: std::time::Instant,
    budget: Duration,
}

impl Backoff {
    fn new(budget: Duration) -> Self {
        Self {
            attempt: 1,
            started: std::time::Instant::now(),
            budget,
        }
    }

    /// Sleeps before the next attempt; false once the attempts or the
    /// budget are used up.
    pub(crate) async fn wait(&mut self) -> bool {
        let left = self.budget.saturating_sub(self.started.elapsed());
        if self.attempt >= MAX_ATTEMPTS || left.is_zero() {
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

/// Maps an SDK failure to the API's error: what a retry may cure (timeouts,
/// throttling, an unreachable endpoint) is a 503, anything else a 500.
pub(crate) fn sdk_error<E, R>(operation: &'static str, err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let transient = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => matches!(
            service.err().code(),
            Some(
                "ProvisionedThroughputExceededException"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "InternalServerError"
                    | "ServiceUnavailable"
                    | "TransactionConflictException"
                    | "TransactionInProgressException"
            )
        ),
        _ => false,
    };
    let detail = format!("{operation}: {}", DisplayErrorContext(&err));
    if transient {
        ApiError::Unavailable(detail)
    } else {
        ApiError::Internal(detail)
    }
}

pub(crate) fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, ApiError> {
    serde_dynamo::from_item(item).map_err(ApiError::internal)
}

/// Now, in epoch seconds: the unit of the table's time-to-live attribute.
pub(crate) fn epoch_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

//! The table engine: every DynamoDB call the API makes goes through a
//! [`Table`]. It knows keys, expressions and items, never what they mean:
//! reads by key and by partition range ([`walk`]), single conditional
//! writes, and transactions with named slots ([`tx`]). Whatever it retries
//! itself (a transaction that lost a race, a batch's unprocessed part) it
//! retries within the database bound, and every failure leaves here already
//! sorted: a refused condition for the caller to judge, a retryable fault as
//! a 503, anything else as a 500.

pub mod expr;
pub mod instrument;
pub mod retry;
pub mod tx;
pub mod walk;

use std::time::Duration;

use aws_sdk_dynamodb::{
    Client,
    types::{
        AttributeValue, DeleteRequest, KeysAndAttributes, ReturnConsumedCapacity, ReturnValue,
        WriteRequest,
    },
};

use crate::ground::{
    config::Config,
    error::ApiError,
    keys::{self, Key},
};

pub use crate::ground::keys::Item;
pub use expr::{Expr, UpdateExpr};
pub use instrument::Access;
pub use retry::Backoff;
pub use tx::{Refused, Slot, Tx};
pub use walk::{Bound, Walk};

use instrument::consumed;
use retry::sdk_error;

/// The most times a write this layer retries itself (a transaction that lost
/// a race, a batch's unprocessed part) is tried in all; the database bound
/// (`DYNAMODB_TIMEOUT_MS`) usually ends the retries first.
const MAX_ATTEMPTS: u32 = 16;

/// One table, through one client.
#[derive(Clone, Debug)]
pub struct Table {
    client: Client,
    name: String,
    /// How long this layer keeps retrying a write that lost a race: the
    /// database bound, as for the SDK's own retries.
    retry_budget: Duration,
}

/// A single write whose condition did not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConditionFailed;

impl Table {
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
            name: config.table_name.clone(),
            retry_budget: config.db_timeout,
        }
    }

    /// The same table through another client (one with extra interceptors, say).
    pub fn with_client(&self, client: Client) -> Self {
        Self {
            client,
            name: self.name.clone(),
            retry_budget: self.retry_budget,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Backoff for a retry this layer's callers do themselves, within the
    /// database bound.
    pub fn backoff(&self) -> Backoff {
        Backoff::new(self.retry_budget, MAX_ATTEMPTS)
    }

    /// A new transaction on this table; `operation` names it in logs.
    pub fn tx(&self, operation: &'static str) -> Tx<'_> {
        Tx::new(self, operation)
    }

    /// Reads one item with a strongly consistent read.
    pub async fn get(&self, operation: &'static str, key: &Key) -> Result<Option<Item>, ApiError> {
        if !key.is_storable() {
            return Ok(None);
        }
        let output = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key.to_map()))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| sdk_error(operation, err))?;
        consumed(Access::Read, &output.consumed_capacity);
        Ok(output.item)
    }

    /// Whether an item is stored under `key`.
    pub async fn exists(&self, operation: &'static str, key: &Key) -> Result<bool, ApiError> {
        Ok(self.get(operation, key).await?.is_some())
    }

    /// Reads many items by key (strongly consistent), in chunks of 100 and
    /// retrying whatever DynamoDB leaves unprocessed. Missing keys are absent
    /// from the result; order is not preserved.
    pub async fn batch_get(
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
            let mut backoff = self.backoff();
            while let Some(request) = pending.take() {
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.name, request)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(|err| sdk_error(operation, err))?;
                consumed(Access::Read, output.consumed_capacity());
                if let Some(mut found) = output.responses {
                    items.extend(found.remove(&self.name).unwrap_or_default());
                }
                pending = output
                    .unprocessed_keys
                    .and_then(|mut rest| rest.remove(&self.name))
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

    /// Which of these keys name a stored item.
    pub async fn present(
        &self,
        operation: &'static str,
        keys: Vec<Key>,
    ) -> Result<std::collections::HashSet<Key>, ApiError> {
        if keys.is_empty() {
            return Ok(Default::default());
        }
        Ok(self
            .batch_get(operation, keys)
            .await?
            .iter()
            .filter_map(Key::of)
            .collect())
    }

    /// Writes one item, unconditionally.
    pub async fn put(&self, operation: &'static str, item: Item) -> Result<(), ApiError> {
        let output = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(item))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| sdk_error(operation, err))?;
        consumed(Access::Write, &output.consumed_capacity);
        Ok(())
    }

    /// Writes one item if `condition` holds on what is stored under its key.
    pub async fn put_if(
        &self,
        operation: &'static str,
        item: Item,
        condition: Expr,
    ) -> Result<Result<(), ConditionFailed>, ApiError> {
        let (expression, names, values) = condition.into_maps();
        let result = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(item))
            .condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(output) => {
                consumed(Access::Write, &output.consumed_capacity);
                Ok(Ok(()))
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(Err(ConditionFailed))
            }
            Err(err) => Err(sdk_error(operation, err)),
        }
    }

    /// Deletes one item; deleting what is not there is no error.
    pub async fn delete(&self, operation: &'static str, key: &Key) -> Result<(), ApiError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.name)
            .set_key(Some(key.to_map()))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| sdk_error(operation, err))?;
        consumed(Access::Write, &output.consumed_capacity);
        Ok(())
    }

    /// Deletes items by key, 25 to a request, retrying whatever DynamoDB
    /// leaves unprocessed. Deleting what is not there is no error.
    pub async fn delete_all(&self, operation: &'static str, keys: &[Key]) -> Result<(), ApiError> {
        let requests = keys
            .iter()
            .map(|key| {
                let delete = DeleteRequest::builder()
                    .set_key(Some(key.to_map()))
                    .build()
                    .map_err(ApiError::internal)?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        self.batch_write(operation, requests).await
    }

    async fn batch_write(
        &self,
        operation: &'static str,
        requests: Vec<WriteRequest>,
    ) -> Result<(), ApiError> {
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            let mut backoff = self.backoff();
            while !pending.is_empty() {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.name, pending)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(|err| sdk_error(operation, err))?;
                consumed(Access::Write, output.consumed_capacity());
                pending = output
                    .unprocessed_items
                    .and_then(|mut rest| rest.remove(&self.name))
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

    /// One conditional `UpdateItem`, with the attributes it wrote as they
    /// are after it. A transaction holding the item at the same moment
    /// makes it wait its turn (within the database bound), as a
    /// transaction would.
    pub async fn update(
        &self,
        operation: &'static str,
        key: &Key,
        update: UpdateExpr,
    ) -> Result<Result<Item, ConditionFailed>, ApiError> {
        let (expression, condition, names, values) = update.into_parts();
        let mut backoff = self.backoff();
        loop {
            let result = self
                .client
                .update_item()
                .table_name(&self.name)
                .set_key(Some(key.to_map()))
                .update_expression(&expression)
                .set_condition_expression(condition.clone())
                .set_expression_attribute_names(names.clone())
                .set_expression_attribute_values(values.clone())
                .return_values(ReturnValue::UpdatedNew)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await;
            match result {
                Ok(output) => {
                    consumed(Access::Write, &output.consumed_capacity);
                    return Ok(Ok(output.attributes.unwrap_or_default()));
                }
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                {
                    return Ok(Err(ConditionFailed));
                }
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_transaction_conflict_exception())
                        && backoff.wait().await =>
                {
                    continue;
                }
                Err(err) => return Err(sdk_error(operation, err)),
            }
        }
    }

    /// A query of the `index` partition `pk_value` (its key attribute
    /// `pk_attr`), highest sort key first, `condition` on its sort key,
    /// at most `limit` items. Index reads are eventually consistent.
    pub async fn query_index(
        &self,
        operation: &'static str,
        index: &str,
        key_condition: Expr,
        limit: usize,
    ) -> Result<Vec<Item>, ApiError> {
        let (expression, names, values) = key_condition.into_maps();
        let output = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(index)
            .key_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| sdk_error(operation, err))?;
        consumed(Access::Read, &output.consumed_capacity);
        Ok(output.items.unwrap_or_default())
    }

    /// The first `limit` items of partition `pk` whose sort keys are in
    /// `low..=high` (or start with `low` when `high` is `None`), highest
    /// sort key first, strongly consistent, following DynamoDB's pages
    /// (at most 1 MB each) until the first that brings what was read to
    /// `max_bytes` of items: what a read costs is then bounded by bytes as
    /// well as by count. Says whether it stopped there with items left.
    pub(crate) async fn query_range(
        &self,
        operation: &'static str,
        pk: &str,
        low: &str,
        high: Option<&str>,
        limit: usize,
        max_bytes: usize,
    ) -> Result<(Vec<Item>, bool), ApiError> {
        let mut items = Vec::new();
        if pk.len() > keys::MAX_PK_BYTES {
            // No item has such a partition key (see `Key::is_storable`).
            return Ok((items, false));
        }
        let mut start = None;
        let mut bytes = 0;
        while items.len() < limit {
            if bytes >= max_bytes {
                return Ok((items, true));
            }
            let mut condition = Expr::new();
            let pk_name = condition.name(keys::PK);
            let pk_value = condition.string(pk);
            condition.and(format!("{pk_name} = {pk_value}"));
            match high {
                None if low.is_empty() => {}
                None => {
                    let sk_name = condition.name(keys::SK);
                    let sk_value = condition.string(low);
                    condition.and(format!("begins_with({sk_name}, {sk_value})"));
                }
                Some(high) => {
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
                .table_name(&self.name)
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
            consumed(Access::Read, &output.consumed_capacity);
            let page = output.items.unwrap_or_default();
            bytes += page.iter().map(item_bytes).sum::<usize>();
            items.extend(page);
            start = output.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok((items, false))
    }
}

/// An item's size as DynamoDB counts it (names and values), near enough
/// to bound a read by: numbers are counted as their decimal text.
fn item_bytes(item: &Item) -> usize {
    fn value_bytes(value: &AttributeValue) -> usize {
        match value {
            AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
            AttributeValue::B(b) => b.as_ref().len(),
            AttributeValue::Ss(v) | AttributeValue::Ns(v) => v.iter().map(String::len).sum(),
            AttributeValue::L(v) => v.iter().map(value_bytes).sum::<usize>() + 3,
            AttributeValue::M(m) => {
                m.iter()
                    .map(|(k, v)| k.len() + value_bytes(v))
                    .sum::<usize>()
                    + 3
            }
            _ => 1,
        }
    }
    item.iter()
        .map(|(name, value)| name.len() + value_bytes(value))
        .sum()
}

/// An item's attributes as `T`.
pub fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, ApiError> {
    serde_dynamo::from_item(item).map_err(ApiError::internal)
}

/// A number attribute of an item, if it has one.
pub fn number(item: &Item, attr: &str) -> Option<i64> {
    match item.get(attr)? {
        AttributeValue::N(n) => n.parse().ok(),
        _ => None,
    }
}

//! Transactions with named slots. Each item added returns a [`Slot`], and a
//! refused transaction is asked by slot which condition failed
//! (`refused.by(claim)`), never by position. One classifier reads
//! DynamoDB's cancellation reasons:
//!
//! | reason | outcome |
//! |---|---|
//! | `ConditionalCheckFailed` on any item | [`Refused`]: the caller decides |
//! | `TransactionConflict` (another transaction holds an item) | backoff and retry, within the database bound; then 503 |
//! | `ThrottlingError`, `ProvisionedThroughputExceeded` | 503 with `Retry-After` |
//! | anything else (`ValidationError`, ...) | 500 |

use aws_sdk_dynamodb::{
    operation::transact_write_items::TransactWriteItemsError,
    types::{ConditionCheck, Delete, Put, ReturnConsumedCapacity, TransactWriteItem, Update},
};
use serde::Serialize;

use crate::ground::{
    error::ApiError,
    keys::{self, Item, Key},
};

use super::{
    Expr, Table, UpdateExpr,
    instrument::{Access, consumed},
    retry::sdk_error,
};

/// The handle of one item of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(usize);

/// A write transaction being built.
#[derive(Debug, Clone)]
pub struct Tx<'t> {
    table: &'t Table,
    operation: &'static str,
    items: Vec<TransactWriteItem>,
}

/// Which conditions of a cancelled transaction did not hold.
#[derive(Debug, Clone)]
pub struct Refused {
    operation: &'static str,
    codes: Vec<String>,
}

impl Refused {
    /// Whether the condition of the item in `slot` did not hold.
    pub fn by(&self, slot: Slot) -> bool {
        self.codes
            .get(slot.0)
            .is_some_and(|code| code == CONDITION_FAILED)
    }

    /// A refusal the caller did not expect: a bug, answered 500.
    pub fn unexpected(&self) -> ApiError {
        ApiError::internal(format!("{}: refused {:?}", self.operation, self.codes))
    }
}

const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// What a cancellation's reasons say to do.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Refused,
    Retry,
    Unavailable,
    Bug,
}

fn classify(codes: &[String]) -> Verdict {
    let any = |wanted: &[&str]| codes.iter().any(|c| wanted.contains(&c.as_str()));
    if any(&[CONDITION_FAILED]) {
        Verdict::Refused
    } else if any(&["ThrottlingError", "ProvisionedThroughputExceeded"]) {
        Verdict::Unavailable
    } else if any(&["TransactionConflict"]) {
        Verdict::Retry
    } else {
        Verdict::Bug
    }
}

impl<'t> Tx<'t> {
    pub(crate) fn new(table: &'t Table, operation: &'static str) -> Self {
        Self {
            table,
            operation,
            items: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn push(&mut self, item: TransactWriteItem) -> Slot {
        self.items.push(item);
        Slot(self.items.len() - 1)
    }

    /// Puts `value`'s attributes under `key`, if `condition` holds.
    pub fn put_if<T: Serialize>(
        &mut self,
        key: &Key,
        value: &T,
        condition: Option<Expr>,
    ) -> Result<Slot, ApiError> {
        let item = key.item(value)?;
        Ok(self.put_item(item, condition))
    }

    /// Puts `value` under `key`, replacing whatever is there.
    pub fn put<T: Serialize>(&mut self, key: &Key, value: &T) -> Result<Slot, ApiError> {
        self.put_if(key, value, None)
    }

    /// Puts `value` under `key` only if nothing is there yet.
    pub fn put_new<T: Serialize>(&mut self, key: &Key, value: &T) -> Result<Slot, ApiError> {
        self.put_if(key, value, Some(Expr::not_exists(keys::PK)))
    }

    /// Puts a whole item, if `condition` holds.
    pub fn put_item(&mut self, item: Item, condition: Option<Expr>) -> Slot {
        let (expression, names, values) = Expr::parts(condition);
        let put = Put::builder()
            .table_name(self.table.name())
            .set_item(Some(item))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table and item are set");
        self.push(TransactWriteItem::builder().put(put).build())
    }

    /// Deletes the item under `key`, if `condition` holds.
    pub fn delete_if(&mut self, key: &Key, condition: Option<Expr>) -> Slot {
        let (expression, names, values) = Expr::parts(condition);
        let delete = Delete::builder()
            .table_name(self.table.name())
            .set_key(Some(key.to_map()))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table and key are set");
        self.push(TransactWriteItem::builder().delete(delete).build())
    }

    /// Deletes the item under `key`, there or not.
    pub fn delete(&mut self, key: &Key) -> Slot {
        self.delete_if(key, None)
    }

    /// Deletes the item under `key`, which must be there.
    pub fn delete_present(&mut self, key: &Key) -> Slot {
        self.delete_if(key, Some(Expr::exists(keys::PK)))
    }

    /// Updates the item under `key` (its condition within `update`).
    pub fn update(&mut self, key: &Key, update: UpdateExpr) -> Slot {
        let (expression, condition, names, values) = update.into_parts();
        let update = Update::builder()
            .table_name(self.table.name())
            .set_key(Some(key.to_map()))
            .update_expression(expression)
            .set_condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table, key and expression are set");
        self.push(TransactWriteItem::builder().update(update).build())
    }

    /// Adds `delta` to the counter `attr` of an item that must exist: a
    /// counter never comes into being by a change to it.
    pub fn bump(&mut self, key: &Key, attr: &str, delta: i64) -> Slot {
        self.update(
            key,
            UpdateExpr::new().add(attr, delta).condition(|c| {
                c.and_exists(keys::PK);
            }),
        )
    }

    /// Adds `delta` to the counter `attr`, made at 0 if missing.
    pub fn add(&mut self, key: &Key, attr: &str, delta: i64) -> Slot {
        self.update(key, UpdateExpr::new().add(attr, delta))
    }

    /// Commits only if `condition` holds on the item under `key`.
    pub fn check(&mut self, key: &Key, condition: Expr) -> Slot {
        let (expression, names, values) = Expr::parts(Some(condition));
        let check = ConditionCheck::builder()
            .table_name(self.table.name())
            .set_key(Some(key.to_map()))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table, key and condition are set");
        self.push(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Commits only while an item is stored under `key`.
    pub fn must_exist(&mut self, key: &Key) -> Slot {
        self.check(key, Expr::exists(keys::PK))
    }

    /// Commits only while nothing is stored under `key`.
    pub fn must_not_exist(&mut self, key: &Key) -> Slot {
        self.check(key, Expr::not_exists(keys::PK))
    }

    /// Runs the transaction. `Ok(Err(refused))` when a condition did not
    /// hold; lost races are retried here, within the database bound.
    pub async fn commit(&self) -> Result<Result<(), Refused>, ApiError> {
        let mut backoff = self.table.backoff();
        loop {
            // One token per attempt: when the SDK re-sends an attempt whose
            // answer was lost (a timeout), DynamoDB recognises it and reports
            // the first outcome instead of applying it twice.
            let token = uuid::Uuid::new_v4().to_string();
            let result = self
                .table
                .client()
                .transact_write_items()
                .set_transact_items(Some(self.items.clone()))
                .client_request_token(token)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await;
            let err = match result {
                Ok(output) => {
                    consumed(Access::Write, output.consumed_capacity());
                    return Ok(Ok(()));
                }
                Err(err) => err,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                err.as_service_error()
            else {
                return Err(sdk_error(self.operation, err));
            };
            let codes: Vec<String> = cancelled
                .cancellation_reasons()
                .iter()
                .map(|reason| reason.code().unwrap_or("None").to_owned())
                .collect();
            match classify(&codes) {
                Verdict::Refused => {
                    return Ok(Err(Refused {
                        operation: self.operation,
                        codes,
                    }));
                }
                Verdict::Retry if backoff.wait().await => continue,
                // Still contended when the bound is reached: the client
                // may retry, as for any other throttling.
                Verdict::Retry => {
                    return Err(ApiError::Unavailable(format!(
                        "{}: transaction kept conflicting",
                        self.operation
                    )));
                }
                Verdict::Unavailable => {
                    return Err(ApiError::Unavailable(format!(
                        "{}: throttled {codes:?}",
                        self.operation
                    )));
                }
                Verdict::Bug => {
                    return Err(ApiError::internal(format!(
                        "{}: cancelled {codes:?}",
                        self.operation
                    )));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn cancellation_reasons_are_sorted_by_what_they_ask_of_the_caller() {
        assert_eq!(
            classify(&codes(&["None", "ConditionalCheckFailed"])),
            Verdict::Refused
        );
        assert_eq!(
            classify(&codes(&["TransactionConflict", "ConditionalCheckFailed"])),
            Verdict::Refused,
            "a failed condition stays failed whatever else happened"
        );
        assert_eq!(
            classify(&codes(&["None", "TransactionConflict"])),
            Verdict::Retry
        );
        assert_eq!(
            classify(&codes(&["ThrottlingError", "None"])),
            Verdict::Unavailable
        );
        assert_eq!(
            classify(&codes(&[
                "TransactionConflict",
                "ProvisionedThroughputExceeded"
            ])),
            Verdict::Unavailable
        );
        assert_eq!(classify(&codes(&["ValidationError"])), Verdict::Bug);
        assert_eq!(classify(&codes(&[])), Verdict::Bug);
    }

    #[test]
    fn a_refusal_is_asked_by_slot() {
        let refused = Refused {
            operation: "t",
            codes: codes(&["None", "ConditionalCheckFailed", "None"]),
        };
        assert!(!refused.by(Slot(0)));
        assert!(refused.by(Slot(1)));
        assert!(!refused.by(Slot(2)));
        assert!(!refused.by(Slot(7)));
    }
}

//! Per-client rate limits, counted in the table: a fixed window per rule and
//! client, one conditional `UpdateItem` per request (`ADD hits 1` while
//! `hits` is under the limit). The window's item expires with the table's
//! time-to-live, so nothing is left to clean up.
//!
//! Who a rule limits (a source IP, an email, a user id) is hashed into the
//! key, so no address or email stands in the table as such. The hash is not
//! keyed: anyone who can read the table and guess an address can confirm it.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::{
    ground::{clock::epoch_seconds, config::Rule, error::ApiError, keys},
    table::{UpdateExpr, number},
};

use super::Limits;

/// The key of `subject`'s current window of `rule`, now, and when the
/// window ends (epoch seconds).
fn window(rule: &Rule, subject: &str) -> (keys::Key, u64, u64) {
    let length = rule.window.as_secs().max(1);
    let now = epoch_seconds();
    let start = now - now % length;
    let key = keys::rate_window(rule.name, &subject_key(rule, subject), start);
    (key, now, start + length)
}

/// Who a rule counts, as it appears in the key: a hash, not the address or
/// email itself.
fn subject_key(rule: &Rule, subject: &str) -> String {
    let input = format!("{}\u{0}{}", rule.name, subject.to_lowercase());
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, input.as_bytes())
        .simple()
        .to_string()
}

impl Limits<'_> {
    /// Refuses `subject` if its window of `rule` is full, without counting
    /// this request (for rules that count only some requests: failed logins).
    pub async fn check(self, rule: Option<&Rule>, subject: &str) -> Result<(), ApiError> {
        let Some(rule) = rule else {
            return Ok(());
        };
        let (key, now, end) = window(rule, subject);
        let hits = self
            .table()
            .get("rate limit", &key)
            .await?
            .and_then(|item| number(&item, "hits"))
            .unwrap_or(0);
        if hits >= i64::from(rule.limit) {
            tracing::info!(rule = rule.name, "rate limit reached");
            return Err(ApiError::RateLimited {
                retry_after: (end - now).max(1),
            });
        }
        Ok(())
    }

    /// Counts one request by `subject` against `rule` (none: no limit). Past
    /// the limit, the answer is a 429 saying when the window ends; the
    /// refused request is not counted.
    pub async fn hit(self, rule: Option<&Rule>, subject: &str) -> Result<(), ApiError> {
        let Some(rule) = rule else {
            return Ok(());
        };
        let (key, now, end) = window(rule, subject);
        let update = UpdateExpr::new()
            .add("hits", 1)
            .set(keys::EXPIRES_AT, AttributeValue::N(end.to_string()))
            .condition(|c| {
                let hits = c.name("hits");
                let limit = c.number(i64::from(rule.limit));
                c.and(format!(
                    "(attribute_not_exists({hits}) OR {hits} < {limit})"
                ));
            });
        match self.table().update("rate limit", &key, update).await? {
            Ok(_) => Ok(()),
            Err(_) => {
                tracing::info!(rule = rule.name, "rate limit reached");
                Err(ApiError::RateLimited {
                    retry_after: (end - now).max(1),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_hashed_per_rule_and_case_blind() {
        let rule = Rule::parse("login-email", "1/60").unwrap().unwrap();
        let other = Rule::parse("login-ip", "1/60").unwrap().unwrap();
        let key = subject_key(&rule, "Jake@Example.com");
        assert_eq!(key, subject_key(&rule, "jake@example.com"));
        assert_ne!(key, subject_key(&other, "jake@example.com"));
        assert!(!key.contains("jake"));
    }
}

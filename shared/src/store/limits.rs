//! Per-client rate limits, counted in the table: a fixed window per rule and
//! client, one conditional `UpdateItem` per request (`ADD hits 1` while
//! `hits` is under the limit), made before the work it limits. The
//! window's item expires with the table's time-to-live, so nothing is left
//! to clean up.
//!
//! Who a rule limits (a source IP, an email, a user id) is hashed into the
//! key, so no address or email stands in the table as such. The hash is not
//! keyed: anyone who can read the table and guess an address can confirm it.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::{
    ground::{clock::epoch_seconds, config::Rule, error::ApiError, keys},
    table::UpdateExpr,
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

/// A request counted against a rule, which can be given back (a login
/// that succeeded: the rule counts failed ones only).
#[derive(Debug)]
pub struct Reservation {
    key: keys::Key,
}

impl Limits<'_> {
    /// Counts one request by `subject` against `rule` (none: no limit). Past
    /// the limit, the answer is a 429 saying when the window ends; the
    /// refused request is not counted.
    pub async fn hit(self, rule: Option<&Rule>, subject: &str) -> Result<(), ApiError> {
        self.reserve(rule, subject).await.map(drop)
    }

    /// Counts one request as [`hit`](Self::hit) does, before the work it
    /// limits, so no more than the limit is ever done in a window however
    /// many run at once; what the count is for can then give it back.
    pub async fn reserve(
        self,
        rule: Option<&Rule>,
        subject: &str,
    ) -> Result<Option<Reservation>, ApiError> {
        let Some(rule) = rule else {
            return Ok(None);
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
            Ok(_) => Ok(Some(Reservation { key })),
            Err(_) => {
                tracing::info!(rule = rule.name, "rate limit reached");
                Err(ApiError::RateLimited {
                    retry_after: (end - now).max(1),
                })
            }
        }
    }

    /// Uncounts a reserved request, in the window it was counted in.
    pub async fn give_back(self, reservation: Option<Reservation>) -> Result<(), ApiError> {
        let Some(reservation) = reservation else {
            return Ok(());
        };
        let update = UpdateExpr::new().add("hits", -1).condition(|c| {
            c.and_exists(keys::PK);
        });
        self.table()
            .update("rate limit", &reservation.key, update)
            .await
            .map(drop)
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

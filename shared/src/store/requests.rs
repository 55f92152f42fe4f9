//! Idempotent creation. A client (or the SDK) that retries a create after a
//! timeout or a 503 cannot know whether the first attempt landed; it must get
//! what that attempt made, not a second copy.
//!
//! Every create writes, in its own transaction, a request claim: keyed by the
//! caller and a fingerprint of what was sent, naming what was made, with an
//! expiry. A retry inside the window fails on the claim's condition, reads it
//! and answers with the thing it names. Past the window (or once the thing is
//! deleted) the claim can be taken again, so sending the same content later
//! creates anew. DynamoDB's time-to-live removes expired claims.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::{
    ground::{clock::epoch_seconds, error::ApiError, keys},
    table::{Expr, Slot, Table, Tx, from_item},
};

/// How long a retry is recognised as one. Clients and SDKs retry within
/// seconds; the window only has to outlast them.
pub const WINDOW: Duration = Duration::from_secs(10 * 60);

/// The header a client names a request by, so that sending it again is
/// recognised as a retry; and the field its errors are reported under.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

#[derive(Serialize, Deserialize)]
struct Claim {
    /// The id of what the request made.
    target: String,
    /// For a request keyed by its `Idempotency-Key`: a fingerprint of what
    /// it asked, so the key cannot answer for another request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    asked: Option<String>,
    expires_at: u64,
}

/// One create request: whose, of what kind, with which content.
#[derive(Debug, Clone)]
pub(crate) struct CreateRequest {
    key: keys::Key,
    /// What a keyed request asked (see [`Claim::asked`]).
    asked: Option<String>,
    /// A claim found naming something that no longer exists: it may be taken over.
    stale: Option<String>,
}

/// A fingerprint of `parts`: each is length-prefixed, so no two different
/// sequences of parts share an input.
fn fingerprint(parts: &[&str]) -> String {
    let mut input = Vec::new();
    for part in parts {
        input.extend_from_slice(&(part.len() as u64).to_be_bytes());
        input.extend_from_slice(part.as_bytes());
    }
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &input)
        .simple()
        .to_string()
}

impl CreateRequest {
    pub(crate) fn new(user_id: &str, kind: &'static str, parts: &[&str]) -> Self {
        Self {
            key: keys::request(user_id, kind, &fingerprint(parts)),
            asked: None,
            stale: None,
        }
    }

    /// A request of `scope` recognised by the `Idempotency-Key` its client
    /// sent (`idempotency_key`), asking for `parts`. Only the client that
    /// made the key can send it again, so a resend needs no other proof.
    pub(crate) fn keyed(
        scope: &str,
        kind: &'static str,
        idempotency_key: &str,
        parts: &[&str],
    ) -> Self {
        Self {
            key: keys::request(scope, kind, &fingerprint(&[idempotency_key])),
            asked: Some(fingerprint(parts)),
            stale: None,
        }
    }

    /// Allows taking over the claim that names `target`, which is gone.
    pub(crate) fn replace_stale(&mut self, target: String) {
        self.stale = Some(target);
    }

    /// Claims this request for `target` in `tx`: refused if a live claim
    /// exists (unless it names the stale target being replaced).
    pub(crate) fn claim(&self, tx: &mut Tx<'_>, target: &str) -> Result<Slot, ApiError> {
        let now = epoch_seconds();
        let claim = Claim {
            target: target.to_owned(),
            asked: self.asked.clone(),
            expires_at: now + WINDOW.as_secs(),
        };
        let mut condition = Expr::new();
        let pk = condition.name(keys::PK);
        let expires = condition.name(keys::EXPIRES_AT);
        let now_value = condition.value(AttributeValue::N(now.to_string()));
        let mut clause = format!("attribute_not_exists({pk}) OR {expires} < {now_value}");
        if let Some(stale) = &self.stale {
            let target_name = condition.name("target");
            let stale = condition.string(stale);
            clause.push_str(&format!(" OR {target_name} = {stale}"));
        }
        condition.and(format!("({clause})"));
        tx.put_if(&self.key, &claim, Some(condition))
    }

    /// What a live claim on this request names, if there is one; 422 when
    /// its key was sent with another request.
    pub(crate) async fn claimed(&self, table: &Table) -> Result<Option<String>, ApiError> {
        let Some(item) = table.get("get request claim", &self.key).await? else {
            return Ok(None);
        };
        let claim: Claim = from_item(item)?;
        if claim.expires_at < epoch_seconds() {
            return Ok(None);
        }
        if claim.asked != self.asked {
            return Err(ApiError::field(
                IDEMPOTENCY_KEY,
                "was sent with another request",
            ));
        }
        Ok(Some(claim.target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_part_boundaries_apart() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["a"]), fingerprint(&["a", ""]));
    }

    #[test]
    fn requests_are_per_user_and_kind() {
        let a = CreateRequest::new("u1", "ARTICLE", &["t"]);
        let b = CreateRequest::new("u2", "ARTICLE", &["t"]);
        let c = CreateRequest::new("u1", "COMMENT", &["t"]);
        assert_ne!(a.key, b.key);
        assert_ne!(a.key, c.key);
    }
}

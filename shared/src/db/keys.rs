//! The key design of the single table, in one place. Every item is addressed
//! by `pk` (partition key) and `sk` (sort key); the README's "Table design"
//! section lists each access pattern and the key that serves it.
//!
//! | item                  | pk                   | sk                            |
//! |-----------------------|----------------------|-------------------------------|
//! | user                  | `USER#<id>`          | `PROFILE`                     |
//! | username claim        | `USERNAME#<lower>`   | `USERNAME`                    |
//! | email claim           | `EMAIL#<lower>`      | `EMAIL`                       |
//! | follow                | `USER#<follower>`    | `FOLLOWS#<followee id>`       |
//!
//! Ids are generated UUIDs (v7, so they also sort by creation), never names:
//! a username or email change moves a claim item, not the user.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::ApiError;

use super::Item;

pub const PK: &str = "pk";
pub const SK: &str = "sk";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    pub fn to_map(&self) -> Item {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (SK.to_owned(), AttributeValue::S(self.sk.clone())),
        ])
    }

    /// The item to store: `value`'s attributes under this key.
    pub fn item<T: Serialize>(&self, value: &T) -> Result<Item, ApiError> {
        let mut item: Item = serde_dynamo::to_item(value).map_err(ApiError::internal)?;
        item.extend(self.to_map());
        Ok(item)
    }
}

pub fn user(id: &str) -> Key {
    Key::new(format!("USER#{id}"), "PROFILE")
}

/// Usernames are unique regardless of case: `Jake` and `jake` are one claim.
pub fn username(username: &str) -> Key {
    Key::new(format!("USERNAME#{}", username.to_lowercase()), "USERNAME")
}

/// Emails are unique regardless of case.
pub fn email(email: &str) -> Key {
    Key::new(format!("EMAIL#{}", email.to_lowercase()), "EMAIL")
}

pub fn follow(follower_id: &str, followee_id: &str) -> Key {
    Key::new(
        format!("USER#{follower_id}"),
        format!("FOLLOWS#{followee_id}"),
    )
}

/// The partition and sort-key prefix under which a user's follows are stored.
pub fn follows_of(follower_id: &str) -> (String, &'static str) {
    (format!("USER#{follower_id}"), "FOLLOWS#")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_ignore_case() {
        assert_eq!(username("Jake"), username("jake"));
        assert_eq!(email("Jake@Example.COM"), email("jake@example.com"));
        assert_ne!(username("jake"), email("jake"));
    }

    #[test]
    fn follows_live_in_the_follower_partition() {
        let key = follow("a", "b");
        let (pk, prefix) = follows_of("a");
        assert_eq!(key.pk, pk);
        assert!(key.sk.starts_with(prefix));
        assert_eq!(key.pk, user("a").pk, "a user's follows share its partition");
        assert_ne!(key.sk, user("a").sk);
    }

    #[test]
    fn items_carry_their_key() {
        #[derive(Serialize)]
        struct V {
            name: &'static str,
        }
        let item = user("1").item(&V { name: "x" }).unwrap();
        assert_eq!(item["pk"], AttributeValue::S("USER#1".into()));
        assert_eq!(item["sk"], AttributeValue::S("PROFILE".into()));
        assert_eq!(item["name"], AttributeValue::S("x".into()));
    }
}

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
//! | article               | `ARTICLE#<id>`       | `ARTICLE`                     |
//! | slug claim            | `SLUG#<slug>`        | `SLUG`                        |
//! | all-articles entry    | `ARTICLES`           | `<created>#<id>`              |
//! | by-author entry       | `USER#<author>`      | `ARTICLE#<created>#<id>`      |
//! | by-tag entry          | `TAG#<tag>`          | `ARTICLE#<created>#<id>`      |
//! | tag counter           | `TAG#<tag>`          | `COUNT` (+ index `tags-by-use`) |
//! | favorite              | `ARTICLE#<id>`       | `FAVORITED_BY#<user>`         |
//! | by-favoriter entry    | `USER#<user>`        | `FAVORITE#<created>#<id>`     |
//! | comment               | `ARTICLE#<id>`       | `COMMENT#<id, 20 digits>`     |
//! | article counter       | `STATS`              | `ARTICLES`                    |
//! | request claim         | `REQUEST#<user>`     | `<kind>#<fingerprint>` (TTL)  |
//!
//! Every list is a strongly consistent query of one partition, newest first,
//! whose entries sort by `<created>#<id>`: creation time (fixed-width RFC 3339,
//! so text order is time order), ties broken by the article's id.
//! Ids are generated UUIDs (v7, so they also sort by creation), never names:
//! a username or email change moves a claim item, not the user.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::ApiError;

use super::Item;

pub const PK: &str = "pk";
pub(crate) const MAX_PK_BYTES: usize = 2048;
const MAX_SK_BYTES: usize = 1024;
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

    /// Whether DynamoDB accepts this key: at most 2,048 bytes of partition key
    /// and 1,024 of sort key. A longer one can't name a stored item, since
    /// every write is validated first, so lookups treat it as "not found".
    pub fn is_storable(&self) -> bool {
        self.pk.len() <= MAX_PK_BYTES && self.sk.len() <= MAX_SK_BYTES
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

pub fn article(id: &str) -> Key {
    Key::new(format!("ARTICLE#{id}"), ARTICLE_SK)
}

pub fn slug(slug: &str) -> Key {
    Key::new(format!("SLUG#{slug}"), "SLUG")
}

/// The sort key that orders an article in every list it appears in.
fn order(created_at: &str, id: &str) -> String {
    format!("{created_at}#{id}")
}

/// Entry in the list of all articles.
pub fn all_articles_entry(created_at: &str, id: &str) -> Key {
    Key::new(ALL_ARTICLES, order(created_at, id))
}

pub const ALL_ARTICLES: &str = "ARTICLES";

pub fn author_entry(author_id: &str, created_at: &str, id: &str) -> Key {
    Key::new(
        format!("USER#{author_id}"),
        format!("ARTICLE#{}", order(created_at, id)),
    )
}

/// The partition and sort-key prefix of an author's articles.
pub fn articles_by_author(author_id: &str) -> (String, &'static str) {
    (format!("USER#{author_id}"), "ARTICLE#")
}

pub fn tag_entry(tag: &str, created_at: &str, id: &str) -> Key {
    Key::new(
        format!("TAG#{tag}"),
        format!("ARTICLE#{}", order(created_at, id)),
    )
}

pub fn articles_by_tag(tag: &str) -> (String, &'static str) {
    (format!("TAG#{tag}"), "ARTICLE#")
}

/// A tag's use counter. It also carries the `tags-by-use` index keys:
/// `tags_pk` (one constant partition) and `uses` (the count, a number).
pub fn tag_counter(tag: &str) -> Key {
    Key::new(format!("TAG#{tag}"), "COUNT")
}

pub const TAGS_INDEX: &str = "tags-by-use";
pub const TAGS_INDEX_PK: &str = "tags_pk";
pub const TAGS_INDEX_SK: &str = "uses";
pub const TAGS_INDEX_PARTITION: &str = "TAGS";

/// The tag a `tag_counter` key belongs to.
pub fn tag_of_counter(pk: &str) -> Option<&str> {
    pk.strip_prefix("TAG#")
}

pub fn favorite(article_id: &str, user_id: &str) -> Key {
    Key::new(
        format!("ARTICLE#{article_id}"),
        format!("FAVORITED_BY#{user_id}"),
    )
}

pub fn favorites_of_article(article_id: &str) -> (String, &'static str) {
    (format!("ARTICLE#{article_id}"), "FAVORITED_BY#")
}

pub fn favoriter_entry(user_id: &str, created_at: &str, id: &str) -> Key {
    Key::new(
        format!("USER#{user_id}"),
        format!("FAVORITE#{}", order(created_at, id)),
    )
}

pub fn articles_favorited_by(user_id: &str) -> (String, &'static str) {
    (format!("USER#{user_id}"), "FAVORITE#")
}

/// Comment ids count up per article; zero-padding makes text order numeric order.
pub fn comment(article_id: &str, comment_id: u64) -> Key {
    Key::new(
        format!("ARTICLE#{article_id}"),
        format!("COMMENT#{comment_id:020}"),
    )
}

pub fn comments_of_article(article_id: &str) -> (String, &'static str) {
    (format!("ARTICLE#{article_id}"), "COMMENT#")
}

pub fn article_counter() -> Key {
    Key::new("STATS", "ARTICLES")
}

/// What user `user_id` asked to create, by a fingerprint of the request, so a
/// retry finds what the first attempt made (see `db::requests`).
pub fn request(user_id: &str, kind: &str, fingerprint: &str) -> Key {
    Key::new(
        format!("REQUEST#{user_id}"),
        format!("{kind}#{fingerprint}"),
    )
}

/// The table's time-to-live attribute (epoch seconds): DynamoDB deletes an
/// item some time after it passes. Only request claims carry it.
pub const EXPIRES_AT: &str = "expires_at";

/// The sort key of an article item: what the stream worker matches on to
/// find deleted articles.
pub const ARTICLE_SK: &str = "ARTICLE";

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
    fn list_entries_sort_newest_last_by_time_then_id() {
        let a = author_entry("u", "2026-01-01T00:00:00.000Z", "b");
        let b = author_entry("u", "2026-01-01T00:00:00.000Z", "c");
        let c = author_entry("u", "2026-01-02T00:00:00.000Z", "a");
        assert!(a.sk < b.sk && b.sk < c.sk);
        let (pk, prefix) = articles_by_author("u");
        assert!(a.pk == pk && a.sk.starts_with(prefix));
        let (pk, prefix) = articles_by_tag("rust");
        let t = tag_entry("rust", "2026-01-01T00:00:00.000Z", "a");
        assert!(t.pk == pk && t.sk.starts_with(prefix));
        assert!(
            !tag_counter("rust").sk.starts_with(prefix),
            "the counter is not a list entry"
        );
        assert_eq!(tag_of_counter(&tag_counter("a#b").pk), Some("a#b"));
    }

    #[test]
    fn an_articles_partition_separates_favorites_and_comments() {
        let (pk, favs) = favorites_of_article("a");
        let (pk2, comments) = comments_of_article("a");
        assert_eq!(pk, pk2);
        assert!(favorite("a", "u").sk.starts_with(favs));
        assert!(comment("a", 7).sk.starts_with(comments));
        assert!(comment("a", 9).sk < comment("a", 10).sk);
        assert_ne!(article("a").sk, comment("a", 1).sk);
    }

    #[test]
    fn a_users_partition_separates_its_lists() {
        let (_, articles) = articles_by_author("u");
        let (_, favorites) = articles_favorited_by("u");
        let (_, follows) = follows_of("u");
        for (a, b) in [
            (articles, favorites),
            (articles, follows),
            (favorites, follows),
        ] {
            assert!(!a.starts_with(b) && !b.starts_with(a));
        }
    }

    #[test]
    fn keys_beyond_dynamodbs_limits_are_not_storable() {
        assert!(username(&"a".repeat(100)).is_storable());
        assert!(!username(&"a".repeat(2048)).is_storable());
        assert!(!slug(&"s".repeat(3000)).is_storable());
        assert!(!tag_counter(&"t".repeat(2045)).is_storable());
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

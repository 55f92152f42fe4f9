//! The key design of the single table, in one place. Every item is addressed
//! by `pk` (partition key) and `sk` (sort key); `docs/design.md` ("Table
//! design", "Access patterns") lists each access pattern and the key that
//! serves it.
//!
//! | item                     | pk                     | sk                             |
//! |--------------------------|------------------------|--------------------------------|
//! | user profile             | `USER#<id>`            | `PROFILE`                      |
//! | user counts              | `USER#<id>`            | `PROFILE#COUNTS`               |
//! | username claim           | `USERNAME#<lower>`     | `USERNAME`                     |
//! | email claim              | `EMAIL#<lower>`        | `EMAIL`                        |
//! | follow                   | `USER#<follower>`      | `FOLLOWS#<followee>`           |
//! | follower (reverse edge)  | `USER#<followee>`      | `FOLLOWER#<follower>`          |
//! | article head             | `ARTICLE#<id>`         | `ARTICLE`                      |
//! | comment sequence         | `ARTICLE#<id>`         | `ARTICLE#COMMENTS`             |
//! | article body             | `ARTICLE#<id>`         | `BODY`                         |
//! | favorite                 | `ARTICLE#<id>`         | `FAVORITED_BY#<user>`          |
//! | comment                  | `ARTICLE#<id>`         | `COMMENT#<id, 20 digits>`      |
//! | slug claim               | `SLUG#<slug>`          | `SLUG`                         |
//! | all-articles entry (and favorites counter) | `ARTICLES#<shard>` | `ARTICLE#<created>#<id>` |
//! | all-articles counter     | `ARTICLES#<shard>`     | `COUNT`                        |
//! | by-author entry          | `USER#<author>`        | `ARTICLE#<created>#<id>`       |
//! | by-tag entry             | `TAG#<tag>`            | `ARTICLE#<created>#<id>`       |
//! | tag counter              | `TAG#<tag>`            | `COUNT` (+ index `tags-by-use`)|
//! | by-favoriter entry       | `USER#<user>`          | `FAVORITE#<created>#<id>`      |
//! | feed entry               | `FEED#<reader>`        | `ARTICLE#<created>#<id>`       |
//! | request claim            | `REQUEST#<user>`       | `<kind>#<fingerprint>` (TTL)   |
//! | rate-limit window        | `LIMIT#<rule>#<who>`   | `<window start>` (TTL)         |
//! | job state                | `JOB#<kind>#<ids>`     | `STATE` (+ index `jobs-by-status`) |
//!
//! What a page of a list shows (an article's head and its favorites count)
//! is small and apart from what only one article's page shows (its body): a
//! favorite or a comment never rewrites the body, and no list reads one.
//! Items that every write of one kind touches are spread, so no single item
//! caps a rate: favorites of one article (counted on its head and on its
//! all-articles entry, which that list reads anyway), the all-articles list
//! and its count, and the partitions of the tags index.
//!
//! Every list is a strongly consistent query of one partition (or of the
//! all-articles shards, merged), newest first, whose entries sort by
//! `<created>#<id>`: creation time (fixed-width RFC 3339, so text order is
//! time order), ties broken by the article's id. An entry holds its key,
//! which names the article and its place in the list, and the article's
//! author, so a page's heads, counters and authors are one batched read.
//! A slug claim names its article's author and creation time too, for the
//! same reason.
//! Ids are generated UUIDs (v7, so they also sort by creation), never names:
//! a username or email change moves a claim item, not the user.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::ground::error::ApiError;

/// An item as the SDK holds it: attribute name to value.
pub type Item = HashMap<String, AttributeValue>;

mod lists;

pub use lists::*;

pub const PK: &str = "pk";
pub(crate) const MAX_PK_BYTES: usize = 2048;
const MAX_SK_BYTES: usize = 1024;
pub const SK: &str = "sk";

/// Shards of the all-articles list and of its counter: every article goes to
/// one, by a hash of its id. Each shard is a partition of its own, so
/// creation is not held to one partition's write ceiling; a page reads
/// each, so every shard is a call (see `docs/design.md`, "Access
/// patterns"). The hash depends on the number: changing it moves articles
/// between shards, so it needs a migration of the entries and counters (a
/// new layout version).
pub const ARTICLE_SHARDS: u32 = 3;

/// The attribute an article's favorites are counted in: on its head and on
/// its all-articles entry, each favorite adding to one of the two at
/// random. The count is their sum.
pub const FAVORITES: &str = "favorites";

/// The attribute of a list entry naming its article's author.
pub const ENTRY_AUTHOR: &str = "author_id";

/// Partitions of the `tags-by-use` index; each tag's counter is in one, by
/// the tag's hash.
pub const TAG_SHARDS: u32 = 4;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

    /// The key of an item that was read back.
    pub fn of(item: &Item) -> Option<Self> {
        let text = |name: &str| item.get(name)?.as_s().ok().cloned();
        Some(Self {
            pk: text(PK)?,
            sk: text(SK)?,
        })
    }
}

/// A stable hash of `value` into `0..shards` (FNV-1a): the same value always
/// lands in the same shard, on every machine and in every release.
pub fn shard_of(value: &str, shards: u32) -> u32 {
    (fnv1a(value) % u64::from(shards)) as u32
}

fn fnv1a(value: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in value.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

// ---- users ------------------------------------------------------------------

pub fn user(id: &str) -> Key {
    Key::new(format!("USER#{id}"), USER_PROFILE)
}

/// A user's counters (articles, favorites, feed entries). Small, so the
/// writes that change them, and the existence check every write makes on
/// the user, are billed at its size, not the profile's.
pub fn user_counts(id: &str) -> Key {
    Key::new(format!("USER#{id}"), USER_COUNTS)
}

const USER_PROFILE: &str = "PROFILE";
const USER_COUNTS: &str = "PROFILE#COUNTS";

/// The partition and sort-key prefix under which a user's profile and
/// counts are read together.
pub fn user_with_counts(id: &str) -> (String, &'static str) {
    (format!("USER#{id}"), USER_PROFILE)
}

/// Whether a read-back sort key is a user's counts rather than the profile.
pub fn is_user_counts(sk: &str) -> bool {
    sk == USER_COUNTS
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
        format!("{FOLLOWS}{followee_id}"),
    )
}

/// The reverse of a follow, in the followee's partition: who to reach when
/// the followee publishes.
pub fn follower(followee_id: &str, follower_id: &str) -> Key {
    Key::new(
        format!("USER#{followee_id}"),
        format!("{FOLLOWER}{follower_id}"),
    )
}

const FOLLOWS: &str = "FOLLOWS#";
const FOLLOWER: &str = "FOLLOWER#";

/// The partition and sort-key prefix of the users following `followee_id`.
pub fn followers_of(followee_id: &str) -> (String, &'static str) {
    (format!("USER#{followee_id}"), FOLLOWER)
}

/// The partition and sort-key prefix of the users `follower_id` follows.
pub fn follows_of(follower_id: &str) -> (String, &'static str) {
    (format!("USER#{follower_id}"), FOLLOWS)
}

/// The followee a follow's sort key names.
pub fn followee_of(sk: &str) -> Option<&str> {
    sk.strip_prefix(FOLLOWS)
}

/// The follower a reverse edge's sort key names.
pub fn follower_of(sk: &str) -> Option<&str> {
    sk.strip_prefix(FOLLOWER)
}

/// The (follower, followee) a follow's key names.
pub fn follow_of(key: &Key) -> Option<(&str, &str)> {
    Some((key.pk.strip_prefix("USER#")?, key.sk.strip_prefix(FOLLOWS)?))
}

// ---- articles ---------------------------------------------------------------

/// The sort key of an article head: what the stream worker matches on.
pub const ARTICLE_SK: &str = "ARTICLE";
const ARTICLE_COMMENTS: &str = "ARTICLE#COMMENTS";
const ARTICLE_BODY: &str = "BODY";

pub fn article(id: &str) -> Key {
    Key::new(format!("ARTICLE#{id}"), ARTICLE_SK)
}

pub fn article_body(id: &str) -> Key {
    Key::new(format!("ARTICLE#{id}"), ARTICLE_BODY)
}

/// The article's last comment id, an atomic counter.
pub fn comment_sequence(id: &str) -> Key {
    Key::new(format!("ARTICLE#{id}"), ARTICLE_COMMENTS)
}

/// The item whose presence says article `id` exists: its comment sequence,
/// created and deleted with the head in one transaction, and the smallest
/// of its items, so a check of it is billed at the least. What must not
/// outlive an article (a comment, a feed entry, a favorite's count) is
/// written only while it is there.
pub fn article_alive(id: &str) -> Key {
    comment_sequence(id)
}

/// The two items an article's favorites are counted on: its head and its
/// entry in the all-articles list, which the all-articles list reads
/// anyway, so its pages get the second share without another key.
pub fn favorite_counters(position: &Position) -> [Key; 2] {
    let id = position.article_id();
    [article(id), all_articles_of(id).entry(position)]
}

/// The article's id from a head's partition key.
pub fn article_id_of(pk: &str) -> Option<&str> {
    pk.strip_prefix("ARTICLE#")
}

/// Which part of an article a read-back sort key is.
#[derive(Debug, PartialEq, Eq)]
pub enum ArticlePart {
    Head,
    Body,
    CommentSequence,
}

pub fn article_part(sk: &str) -> Option<ArticlePart> {
    match sk {
        ARTICLE_SK => Some(ArticlePart::Head),
        ARTICLE_BODY => Some(ArticlePart::Body),
        ARTICLE_COMMENTS => Some(ArticlePart::CommentSequence),
        _ => None,
    }
}

pub fn slug(slug: &str) -> Key {
    Key::new(format!("SLUG#{slug}"), "SLUG")
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

const COMMENT: &str = "COMMENT#";

/// Comment ids count up per article; zero-padding makes text order numeric order.
pub fn comment(article_id: &str, comment_id: u64) -> Key {
    Key::new(
        format!("ARTICLE#{article_id}"),
        format!("{COMMENT}{comment_id:020}"),
    )
}

pub fn comments_of_article(article_id: &str) -> (String, &'static str) {
    (format!("ARTICLE#{article_id}"), COMMENT)
}

// ---- tags -------------------------------------------------------------------

/// A tag's use counter. It also carries the `tags-by-use` index keys:
/// `tags_pk` (one of `TAG_SHARDS` partitions) and `uses` (the count).
pub fn tag_counter(tag: &str) -> Key {
    Key::new(format!("TAG#{tag}"), "COUNT")
}

pub const TAGS_INDEX: &str = "tags-by-use";
pub const TAGS_INDEX_PK: &str = "tags_pk";
pub const TAGS_INDEX_SK: &str = "uses";

/// The index partition a tag's counter is listed in.
pub fn tags_index_partition_of(tag: &str) -> String {
    tags_index_partition(shard_of(tag, TAG_SHARDS))
}

pub fn tags_index_partition(shard: u32) -> String {
    format!("TAGS#{shard}")
}

/// The tag a `tag_counter` key belongs to.
pub fn tag_of_counter(pk: &str) -> Option<&str> {
    pk.strip_prefix("TAG#")
}

// ---- requests and limits ----------------------------------------------------

/// What user `user_id` asked to create, by a fingerprint of the request, so a
/// retry finds what the first attempt made (see `store::requests`).
pub fn request(user_id: &str, kind: &str, fingerprint: &str) -> Key {
    Key::new(
        format!("REQUEST#{user_id}"),
        format!("{kind}#{fingerprint}"),
    )
}

/// A job's saved state (see `store::jobs`).
pub fn job_state(kind: &str, id: &str) -> Key {
    Key::new(format!("JOB#{kind}#{id}"), JOB_STATE)
}

const JOB_STATE: &str = "STATE";

/// The state of the job whose partition key is `pk` (`JOB#<kind>#<ids>`,
/// as an operator names it).
pub fn job_state_at(pk: &str) -> Option<Key> {
    pk.starts_with("JOB#").then(|| Key::new(pk, JOB_STATE))
}

/// Whether a read-back key is a job's state.
pub fn is_job_state(key: &Key) -> bool {
    key.pk.starts_with("JOB#") && key.sk == JOB_STATE
}

/// The sparse index of jobs not finished, by status: only a running or
/// failed job's state carries its keys.
pub const JOBS_INDEX: &str = "jobs-by-status";
pub const JOBS_INDEX_PK: &str = "job_status";
pub const JOBS_INDEX_SK: &str = "updated_at";

/// One fixed window of a rate limit: rule, who it limits, when it started.
pub fn rate_window(rule: &str, subject: &str, window_start: u64) -> Key {
    Key::new(
        format!("LIMIT#{rule}#{subject}"),
        format!("{window_start:012}"),
    )
}

/// Which layout of items a table holds: written when a table is created
/// locally, so a table of an earlier layout (`make dev`'s kept data) is
/// recognised rather than misread. The version goes up with every change to
/// the items above.
pub fn layout() -> Key {
    Key::new("META", "LAYOUT")
}

pub const LAYOUT_VERSION: u64 = 3;

/// The table's time-to-live attribute (epoch seconds): DynamoDB deletes an
/// item some time after it passes. Request claims, rate-limit windows and
/// job checkpoints carry it.
pub const EXPIRES_AT: &str = "expires_at";

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "2026-01-01T00:00:00.000Z";
    const ID: &str = "0190b3a0-0000-7000-8000-000000000001";

    #[test]
    fn claims_ignore_case() {
        assert_eq!(username("Jake"), username("jake"));
        assert_eq!(email("Jake@Example.COM"), email("jake@example.com"));
        assert_ne!(username("jake"), email("jake"));
    }

    #[test]
    fn follows_live_in_both_partitions() {
        let key = follow("a", "b");
        assert_eq!(follow_of(&key), Some(("a", "b")));
        assert_eq!(key.pk, user("a").pk, "a user's follows share its partition");
        let back = follower("b", "a");
        let (pk, prefix) = followers_of("b");
        assert!(back.pk == pk && back.sk.starts_with(prefix));
        assert_eq!(follower_of(&back.sk), Some("a"));
        assert!(!key.sk.starts_with(prefix) && !back.sk.starts_with(FOLLOWS));
    }

    #[test]
    fn positions_round_trip_and_refuse_anything_else() {
        let p = Position::new(T, ID);
        assert_eq!(Position::parse(p.as_str()), Some(p.clone()));
        assert_eq!((p.created_at(), p.article_id()), (T, ID));
        for bad in [
            "",
            "2026-01-01T00:00:00.000Z",
            "2026-01-01T00:00:00.000Z#",
            "2026-01-01T00:00:00.000Z#not-a-uuid",
            "2026-01-01 00:00:00.000Z#0190b3a0-0000-7000-8000-000000000001",
            "é026-01-01T00:00:00.000Z#0190b3a0-0000-7000-8000-000000000001",
        ] {
            assert_eq!(Position::parse(bad), None, "{bad}");
        }
        assert!(Position::new(T, "b") < Position::new(T, "c"));
        assert!(Position::new(T, "z") < Position::new("2026-01-02T00:00:00.000Z", "a"));
    }

    #[test]
    fn list_entries_carry_their_position() {
        let p = Position::new(T, ID);
        let lists = [
            articles_by_author("u"),
            articles_by_tag("rust"),
            articles_favorited_by("u"),
            feed("u"),
            all_articles_of(ID),
        ];
        for list in lists {
            let entry = list.entry(&p);
            assert_eq!(entry.pk, list.pk);
            assert_eq!(list.position_of(&entry.sk), Some(p.clone()));
        }
        assert!(
            articles_by_tag("rust")
                .position_of(&tag_counter("rust").sk)
                .is_none(),
            "the counter is not a list entry"
        );
        assert_eq!(tag_of_counter(&tag_counter("a#b").pk), Some("a#b"));
    }

    #[test]
    fn shards_are_stable_and_in_range() {
        // The published FNV-1a test vectors: a change here would move stored items.
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(shard_of(ID, ARTICLE_SHARDS), shard_of(ID, ARTICLE_SHARDS));
        let mut seen = [0; ARTICLE_SHARDS as usize];
        for i in 0..400 {
            seen[shard_of(&uuid::Uuid::now_v7().to_string(), ARTICLE_SHARDS) as usize] += 1;
            seen[shard_of(&format!("tag{i}"), ARTICLE_SHARDS) as usize] += 1;
        }
        assert!(seen.iter().all(|n| *n > 150), "spread: {seen:?}");
        assert_eq!(all_articles().len(), ARTICLE_SHARDS as usize);
        assert_eq!(
            all_articles_of(ID).pk,
            article_counter_of(ID).pk,
            "a shard's entries and counter share its partition"
        );
        assert!(tags_index_partition_of("rust").starts_with("TAGS#"));
    }

    #[test]
    fn an_articles_favorites_are_counted_on_its_head_and_its_all_articles_entry() {
        let at = Position::new(T, ID);
        let [head, entry] = favorite_counters(&at);
        assert_eq!(head, article(ID));
        assert_eq!(entry, all_articles_of(ID).entry(&at));
        assert_eq!(all_articles_entry_of(&entry), Some(at.clone()));
        for other in [
            article(ID),
            article_counter_of(ID),
            articles_by_author("u").entry(&at),
            feed("r").entry(&at),
        ] {
            assert_eq!(all_articles_entry_of(&other), None, "{other:?}");
        }
        assert_eq!(article_part(&article("a").sk), Some(ArticlePart::Head));
        assert_eq!(article_part(&article_body("a").sk), Some(ArticlePart::Body));
        assert_eq!(
            article_part(&comment_sequence("a").sk),
            Some(ArticlePart::CommentSequence)
        );
        for key in [favorite("a", "u"), comment("a", 7)] {
            assert_eq!(key.pk, article("a").pk);
            assert_eq!(article_part(&key.sk), None, "{key:?}");
        }
        let (pk, favs) = favorites_of_article("a");
        let (pk2, comments) = comments_of_article("a");
        assert_eq!(pk, pk2);
        assert!(favorite("a", "u").sk.starts_with(favs));
        assert!(comment("a", 7).sk.starts_with(comments));
        assert!(comment("a", 9).sk < comment("a", 10).sk);
        assert_eq!(article_id_of(&article("a").pk), Some("a"));
    }

    #[test]
    fn a_users_partition_keeps_its_parts_apart() {
        let prefixes = [
            articles_by_author("u").prefix,
            articles_favorited_by("u").prefix,
            FOLLOWS,
            FOLLOWER,
            USER_PROFILE,
        ];
        for (i, a) in prefixes.iter().enumerate() {
            for b in &prefixes[i + 1..] {
                assert!(!a.starts_with(b) && !b.starts_with(a), "{a} {b}");
            }
        }
        let (pk, prefix) = user_with_counts("u");
        for key in [user("u"), user_counts("u")] {
            assert!(key.pk == pk && key.sk.starts_with(prefix));
        }
        assert!(is_user_counts(&user_counts("u").sk) && !is_user_counts(&user("u").sk));
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
        assert_eq!(Key::of(&item), Some(user("1")));
    }

    #[test]
    fn rate_windows_sort_by_time() {
        let a = rate_window("login-ip", "1.2.3.4", 60);
        let b = rate_window("login-ip", "1.2.3.4", 120);
        assert_eq!(a.pk, b.pk);
        assert!(a.sk < b.sk);
        assert_ne!(a.pk, rate_window("login-email", "1.2.3.4", 60).pk);
    }
}

//! The lists of articles and their order. Every list's entries sort by
//! `<created>#<id>`: creation time (fixed-width RFC 3339, so text order is
//! time order), ties broken by the article's id.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{ARTICLE_SHARDS, ENTRY_AUTHOR, Item, Key, shard_of};

/// Where an article stands in every list: its creation time, then its id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// `<created>#<id>`: text order is list order.
    suffix: String,
}

/// The width of an API timestamp (`2026-11-22T06:31:00.000Z`).
const TIME_WIDTH: usize = 24;

impl Position {
    pub fn new(created_at: &str, article_id: &str) -> Self {
        Self {
            suffix: format!("{created_at}#{article_id}"),
        }
    }

    /// A position as a client sent it back: `<created>#<uuid>` and nothing else.
    pub fn parse(text: &str) -> Option<Self> {
        let (created, id) = text.split_at_checked(TIME_WIDTH)?;
        let id = id.strip_prefix('#')?;
        let timestamp = created.len() == TIME_WIDTH
            && created.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b'T',
                13 | 16 => b == b':',
                19 => b == b'.',
                23 => b == b'Z',
                _ => b.is_ascii_digit(),
            });
        (timestamp && uuid::Uuid::try_parse(id).is_ok()).then(|| Self {
            suffix: text.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.suffix
    }

    pub fn article_id(&self) -> &str {
        &self.suffix[TIME_WIDTH + 1..]
    }

    pub fn created_at(&self) -> &str {
        &self.suffix[..TIME_WIDTH]
    }
}

/// One list of articles: the partition its entries live in and the prefix
/// of their sort keys, `<prefix><created>#<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub pk: String,
    pub prefix: &'static str,
}

const ENTRY: &str = "ARTICLE#";

impl List {
    fn new(pk: String, prefix: &'static str) -> Self {
        Self { pk, prefix }
    }

    /// The entry of the article at `position` in this list.
    pub fn entry(&self, position: &Position) -> Key {
        Key::new(
            self.pk.clone(),
            format!("{}{}", self.prefix, position.suffix),
        )
    }

    /// The entry item of the article at `position` by `author_id`: its key,
    /// and its author, so a page knows whose profiles to read with its
    /// articles.
    pub fn entry_item(&self, position: &Position, author_id: &str) -> Item {
        let mut item = self.entry(position).to_map();
        item.insert(
            ENTRY_AUTHOR.to_owned(),
            AttributeValue::S(author_id.to_owned()),
        );
        item
    }

    /// The position a read-back entry's sort key names.
    pub fn position_of(&self, sk: &str) -> Option<Position> {
        Position::parse(sk.strip_prefix(self.prefix)?)
    }
}

/// Every shard of the all-articles list.
pub fn all_articles() -> Vec<List> {
    (0..ARTICLE_SHARDS).map(all_articles_shard).collect()
}

fn all_articles_shard(shard: u32) -> List {
    List::new(format!("ARTICLES#{shard}"), ENTRY)
}

/// The all-articles shard an article's entry and count go to.
pub fn all_articles_of(article_id: &str) -> List {
    all_articles_shard(shard_of(article_id, ARTICLE_SHARDS))
}

/// The article whose all-articles entry `key` is, if it is one: the entry
/// holds a share of the article's favorites count.
pub fn all_articles_entry_of(key: &Key) -> Option<Position> {
    let shard: u32 = key.pk.strip_prefix("ARTICLES#")?.parse().ok()?;
    all_articles_shard(shard).position_of(&key.sk)
}

/// The article count of one all-articles shard; the total is their sum.
pub fn article_counter(shard: u32) -> Key {
    Key::new(format!("ARTICLES#{shard}"), "COUNT")
}

pub fn article_counters() -> Vec<Key> {
    (0..ARTICLE_SHARDS).map(article_counter).collect()
}

/// The counter an article's creation and deletion change.
pub fn article_counter_of(article_id: &str) -> Key {
    article_counter(shard_of(article_id, ARTICLE_SHARDS))
}

pub fn articles_by_author(author_id: &str) -> List {
    List::new(format!("USER#{author_id}"), ENTRY)
}

pub fn articles_by_tag(tag: &str) -> List {
    List::new(format!("TAG#{tag}"), ENTRY)
}

pub fn articles_favorited_by(user_id: &str) -> List {
    List::new(format!("USER#{user_id}"), "FAVORITE#")
}

/// A reader's feed: an entry for every article of every author the reader
/// follows, written when either happens (see `store::feed`).
pub fn feed(reader_id: &str) -> List {
    List::new(format!("FEED#{reader_id}"), ENTRY)
}

/// The reader a feed's partition key belongs to.
pub fn feed_reader(pk: &str) -> Option<&str> {
    pk.strip_prefix("FEED#")
}

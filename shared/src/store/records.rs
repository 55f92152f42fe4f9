//! What the table stores, as the store reads and writes it: one type per
//! kind of item that more than one entity touches. Every entity module
//! builds on these; none of them is needed to read another's records.

use std::{collections::HashMap, fmt};

use serde::{Deserialize, Serialize};

use crate::{
    ground::keys::{Item, Key, Position},
    table::number,
};

// ---- users ------------------------------------------------------------------

#[derive(Clone, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub created_at: String,
    /// Bumped by every profile update, which is conditioned on the version it
    /// read: two updates racing can't undo each other (optimistic locking).
    #[serde(default)]
    pub version: u64,
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A user's counters and what ends their sessions: a small item of its own
/// beside the profile, which every authenticated request reads (it exists
/// exactly while the user does). Counters change only with `ADD`, in the
/// transactions that change what they count.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UserCounts {
    /// Articles the user wrote.
    #[serde(default)]
    pub articles_count: i64,
    /// Articles the user favorited.
    #[serde(default)]
    pub favorites_count: i64,
    /// Entries in the user's feed.
    #[serde(default)]
    pub feed_count: i64,
    /// Users the user follows.
    #[serde(default)]
    pub follows_count: i64,
    /// Sessions signed in at or before this instant (epoch milliseconds)
    /// are over, but for `session_kept`.
    #[serde(default)]
    pub sessions_ended_at: u64,
    /// The session that ended the others (by changing the password or
    /// email) and goes on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_kept: Option<String>,
}

impl UserCounts {
    pub fn articles(&self) -> u64 {
        u64::try_from(self.articles_count).unwrap_or(0)
    }

    pub fn favorites(&self) -> u64 {
        u64::try_from(self.favorites_count).unwrap_or(0)
    }

    pub fn feed(&self) -> u64 {
        u64::try_from(self.feed_count).unwrap_or(0)
    }

    /// Whether the session `id`, signed in at `started` (epoch
    /// milliseconds), is still on.
    pub fn session_is_on(&self, id: &str, started: u64) -> bool {
        started > self.sessions_ended_at || self.session_kept.as_deref() == Some(id)
    }
}

// ---- articles ---------------------------------------------------------------

/// An article as read: the head as stored, with the favorites count summed
/// from its two counters (the head and its all-articles entry) and, for
/// single-article reads, the body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ArticleRecord {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub tag_list: Vec<String>,
    pub author_id: String,
    pub created_at: String,
    pub updated_at: String,
    /// Bumped by every edit of the content (not by favorites or comments);
    /// edits and deletion are conditioned on the version they read.
    #[serde(default)]
    pub version: u64,
    /// Stored on the head: the head's share of the favorites count. As
    /// read: the whole count, the head's and the all-articles entry's
    /// together. Never written with the head: favorites change it with `ADD`.
    #[serde(default, rename = "favorites", skip_serializing)]
    pub favorites_count: i64,
    /// Read only where one article is shown; never stored on the head.
    #[serde(skip)]
    pub body: Option<String>,
}

impl ArticleRecord {
    /// What a page read needs to know of it: its place and author.
    pub fn shows(&self) -> Shows {
        Shows {
            position: self.position(),
            author_id: self.author_id.clone(),
            counted: None,
        }
    }

    /// Where the article stands in every list it belongs to.
    pub fn position(&self) -> Position {
        Position::new(&self.created_at, &self.id)
    }
}

/// An article's body, an item apart from its head.
#[derive(Serialize, Deserialize)]
pub(crate) struct BodyItem {
    pub(crate) body: String,
}

/// The all-articles entry's share of an article's favorites count.
#[derive(Serialize, Deserialize)]
pub(crate) struct EntryFavorites {
    #[serde(default)]
    pub(crate) favorites: i64,
}

/// An article a page shows: where it stands in every list (which names it
/// and its entries), and its author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shows {
    pub position: Position,
    pub author_id: String,
    /// The favorites counted on its all-articles entry, when the page has
    /// read that entry already (a page of the all-articles list).
    pub counted: Option<i64>,
}

impl Shows {
    pub fn id(&self) -> &str {
        self.position.article_id()
    }
}

/// Where a list's count is kept: the sum of one attribute of some items.
pub(crate) struct CountOf {
    pub(crate) keys: Vec<Key>,
    pub(crate) attr: &'static str,
}

impl CountOf {
    /// The count in what a page's read found.
    pub(crate) fn in_items(&self, found: &HashMap<Key, Item>) -> u64 {
        let sum: i64 = self
            .keys
            .iter()
            .filter_map(|key| found.get(key))
            .filter_map(|item| number(item, self.attr))
            .sum();
        u64::try_from(sum).unwrap_or(0)
    }
}

/// What a job needs to know of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub id: String,
    pub author_id: String,
    pub created_at: String,
}

impl Published {
    pub fn position(&self) -> Position {
        Position::new(&self.created_at, &self.id)
    }
}

impl From<&ArticleRecord> for Published {
    fn from(article: &ArticleRecord) -> Self {
        Self {
            id: article.id.clone(),
            author_id: article.author_id.clone(),
            created_at: article.created_at.clone(),
        }
    }
}

// ---- comments, favorites, follows ------------------------------------------

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommentRecord {
    pub id: u64,
    pub article_id: String,
    pub body: String,
    pub author_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The favorite item, in the article's partition.
#[derive(Serialize, Deserialize)]
pub struct Favorite {
    pub user_id: String,
    pub article_id: String,
}

#[derive(Serialize, Deserialize)]
pub struct Follow {
    pub follower_id: String,
    pub followee_id: String,
}

//! What the table's stream worker does for each change it is sent: the
//! derived data that one request can't finish. The event source mapping
//! sends only what is listed here (inserts and removals of article heads and
//! of follows); anything else is passed over.
//!
//! | change                  | work                                                    |
//! |-------------------------|---------------------------------------------------------|
//! | article head inserted   | the article into its author's followers' feeds          |
//! | article head removed    | out of those feeds; its favorites and comments removed  |
//! | follow inserted         | the followee's articles into the follower's feed        |
//! | follow removed          | those articles out of the follower's feed               |

use std::time::Instant;

use serde::Deserialize;

use crate::ApiError;

use super::{
    Db,
    cleanup::DeletedArticle,
    feed::{Budget, Job, Published},
    keys::{self, Key},
};

/// One change of the table that leaves work to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Published(Published),
    Deleted(Published),
    Followed { reader: String, author: String },
    Unfollowed { reader: String, author: String },
}

#[derive(Deserialize)]
struct Head {
    id: String,
    author_id: String,
    created_at: String,
}

impl Change {
    /// The change a stream record describes (`eventName`, its keys and
    /// images); `None` for changes with nothing to do.
    pub fn of(
        event_name: &str,
        keys: serde_dynamo::Item,
        new_image: serde_dynamo::Item,
        old_image: serde_dynamo::Item,
    ) -> Option<Self> {
        let key = Key::of(&keys.into())?;
        let inserted = match event_name {
            "INSERT" => true,
            "REMOVE" => false,
            _ => return None,
        };
        if key.sk == keys::ARTICLE_SK {
            let image = if inserted { new_image } else { old_image };
            let head: Head = serde_dynamo::from_item(image).ok()?;
            let article = Published {
                id: head.id,
                author_id: head.author_id,
                created_at: head.created_at,
            };
            return Some(if inserted {
                Self::Published(article)
            } else {
                Self::Deleted(article)
            });
        }
        let (reader, author) = keys::follow_of(&key)?;
        let (reader, author) = (reader.to_owned(), author.to_owned());
        Some(if inserted {
            Self::Followed { reader, author }
        } else {
            Self::Unfollowed { reader, author }
        })
    }
}

/// What one run did for a change, for the log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub feed_entries: usize,
    pub favorites: usize,
    pub comments: usize,
    /// False when the deadline came first: run again to go on.
    pub finished: bool,
}

impl Db {
    /// Does the work `change` leaves, until done or `deadline`. `record`
    /// names the stream record (its sequence number): a run cut short saves
    /// where it got to, and the record's next delivery goes on from there.
    /// Every step is idempotent, so a change delivered twice changes nothing
    /// more.
    pub async fn apply(
        &self,
        change: &Change,
        deadline: Instant,
        record: &str,
    ) -> Result<Done, ApiError> {
        let budget = Budget::Until {
            deadline,
            record: record.to_owned(),
        };
        let job = match change {
            Change::Published(article) => Job::Publish(article.clone()),
            Change::Deleted(article) => Job::Unpublish(article.clone()),
            Change::Followed { reader, author } => Job::Backfill {
                reader: reader.clone(),
                author: author.clone(),
            },
            Change::Unfollowed { reader, author } => Job::Purge {
                reader: reader.clone(),
                author: author.clone(),
            },
        };
        let feed = self.run(&job, budget).await?;
        let mut done = Done {
            feed_entries: feed.changed,
            finished: feed.finished,
            ..Done::default()
        };
        if let (Change::Deleted(article), true) = (change, done.finished) {
            let deleted = DeletedArticle {
                id: article.id.clone(),
                created_at: article.created_at.clone(),
            };
            let cleanup = self.clean_up_article(&deleted, deadline).await?;
            done.favorites = cleanup.favorites;
            done.comments = cleanup.comments;
            done.finished = cleanup.finished;
        }
        Ok(done)
    }
}

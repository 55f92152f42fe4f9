//! The store: the API's data, one small surface per entity, over the table
//! engine. Each write does everything it implies, so a handler never
//! repairs data or starts a job itself:
//!
//! | write | what it also does |
//! |---|---|
//! | create an article | its list entries, tags and counts in its transaction; the first page of its publish job (followers' feeds) |
//! | delete an article | the same undone; the first page of its unpublish job (feeds, then favorites and comments) |
//! | follow, unfollow | the first page of the backfill or purge of the reader's feed |
//! | favorite, unfavorite | the favoriter's list entry and both counts in its transaction |
//! | read a feed page | removes the stale entries it meets, with the reader's count (not for a reader whose session is over) |
//!
//! The stream worker runs every job whole from the write's stream record
//! ([`jobs`]). Entities:
//!
//! - [`records`]: the stored items more than one entity reads;
//! - [`users`]: profiles, counts, and the claims that keep usernames and
//!   emails unique;
//! - [`follows`], [`favorites`], [`comments`];
//! - [`articles`]: heads, bodies, counters, slugs; [`slug`] makes slugs;
//! - [`lists`]: pages of the article lists, and [`pages`] what a page
//!   shows beside its articles (authors, the caller's follows and favorites);
//! - [`feed`]: each reader's pushed feed; [`jobs`]: the work a write leaves;
//! - [`tags`], [`limits`] (per-client rate limits), [`requests`]
//!   (idempotent creates);
//! - [`repair`]: what an operator runs (`conduit-admin`) when a job failed
//!   for good or a fault left a feed wrong.

pub mod articles;
pub mod comments;
pub mod favorites;
pub mod feed;
pub mod follows;
pub mod jobs;
pub mod limits;
pub mod lists;
pub mod pages;
pub mod records;
pub mod repair;
pub mod requests;
pub mod slug;
pub mod tags;
pub mod users;

use crate::{
    ground::{error::ApiError, keys},
    table::Table,
};

/// The API's data in one table.
#[derive(Clone, Debug)]
pub struct Store {
    table: Table,
    /// Whether writes run the first page of their jobs at once (always, but
    /// in tests that stand for a request cut short right after its write).
    at_once: bool,
}

/// One entity's surface of the store.
macro_rules! surface {
    ($($(#[$doc:meta])* $name:ident => $method:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy)]
            pub struct $name<'s>(&'s Store);

            impl<'s> $name<'s> {
                fn table(self) -> &'s Table {
                    &self.0.table
                }

                #[allow(dead_code)]
                fn store(self) -> &'s Store {
                    self.0
                }
            }
        )*

        impl Store {
            $(
                pub fn $method(&self) -> $name<'_> {
                    $name(self)
                }
            )*
        }
    };
}

surface! {
    /// Users, their counts and their unique names.
    Users => users,
    /// Articles: heads, bodies, counters and slugs.
    Articles => articles,
    /// Comments of articles.
    Comments => comments,
    /// Who favorited what.
    Favorites => favorites,
    /// Who follows whom.
    Follows => follows,
    /// Each reader's feed.
    Feed => feed,
    /// Pages of the article lists.
    Lists => lists,
    /// The work a write leaves for the stream worker.
    Jobs => jobs,
    /// Tags in use.
    Tags => tags,
    /// Per-client rate limits.
    Limits => limits,
    /// What an operator runs to finish or repair what the lane left.
    Repair => repair,
}

impl Store {
    pub fn new(table: Table) -> Self {
        Self {
            table,
            at_once: true,
        }
    }

    /// The same store, leaving every job to the stream worker: what a
    /// request that ends right after its write leaves behind.
    pub fn deferring_jobs(&self) -> Self {
        Self {
            table: self.table.clone(),
            at_once: false,
        }
    }

    /// The table underneath, for tools and tests that inspect it.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The same store through another client (one with extra interceptors, say).
    pub fn with_client(&self, client: aws_sdk_dynamodb::Client) -> Self {
        Self {
            table: self.table.with_client(client),
            at_once: self.at_once,
        }
    }

    /// A cheap strongly consistent read, to tell whether the table answers.
    pub async fn ping(&self) -> Result<(), ApiError> {
        self.table
            .get("health check", &keys::article_counter(0))
            .await
            .map(drop)
    }
}

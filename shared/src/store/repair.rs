//! What an operator runs when the background lane could not finish
//! something, or a fault left a reader's data wrong (`conduit-admin`).
//! Each repair is idempotent and conditioned as the writes it stands in
//! for are, so it is safe beside live traffic and a second run changes
//! nothing more.

use std::{
    collections::{HashMap, HashSet},
    time::Instant,
};

use crate::{
    ground::{
        error::ApiError,
        keys::{self, Key, Position},
    },
    table::Walk,
};

use super::{
    Repair,
    feed::Stale,
    jobs::{Budget, Job, Progress},
    records::Published,
    users::Counter,
};

/// What rebuilding a reader's feed changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    /// Entries written for followed authors' articles that had none.
    pub added: usize,
    /// Entries removed: their article gone, or its author not followed.
    pub removed: usize,
    /// The count as it was and as it was set, when it was wrong.
    pub recounted: Option<(i64, i64)>,
    /// False when the deadline came first: run it again.
    pub finished: bool,
}

/// Follows and entries read per page of a rebuild.
const REBUILD_PAGE: usize = 100;

impl Repair<'_> {
    /// Finishes a deleted article's unpublish job in place, page by page,
    /// until done or `deadline`: from its saved state when the worker left
    /// one (a failed job, say), which is then saved as done; from its start
    /// otherwise (its state expired, or its record never reached the
    /// worker), every page being idempotent. `None` while the article
    /// exists: its entries, favorites and comments are not leftovers then.
    pub async fn cleanup(
        self,
        article: &Published,
        deadline: Instant,
    ) -> Result<Option<Progress>, ApiError> {
        let jobs = self.store().jobs();
        if self.store().articles().exists(&article.id).await? {
            return Ok(None);
        }
        let job = Job::Unpublish(article.clone());
        let key = job.key();
        match jobs.state(&key).await? {
            Some(state) if state.status.is_some() => jobs.finish(&key, deadline).await,
            _ => jobs.run(&job, Budget::Until(deadline)).await.map(Some),
        }
    }

    /// Rebuilds `reader`'s feed, page by page, until done or `deadline`:
    /// every followed author's articles in (each follow's backfill again),
    /// every entry whose article is gone or whose author is not followed
    /// out, then the count set to the entries. Each change is conditioned
    /// as the writes it stands in for are, so it is safe beside live
    /// traffic and a second run changes nothing; what an operator runs
    /// when a fault or a failed job left the feed wrong.
    pub async fn feed(self, reader: &str, deadline: Instant) -> Result<Rebuilt, ApiError> {
        let store = self.store();
        let mut rebuilt = Rebuilt::default();
        let mut followed = HashSet::new();
        let (pk, prefix) = keys::follows_of(reader);
        let mut follows = Walk::new(pk, prefix);
        while !follows.done() {
            let page = follows
                .next(self.table(), "list follows", REBUILD_PAGE)
                .await?;
            for key in page.iter().filter_map(Key::of) {
                let Some(author) = keys::followee_of(&key.sk) else {
                    continue;
                };
                let job = Job::Backfill {
                    reader: reader.to_owned(),
                    author: author.to_owned(),
                };
                let progress = store.jobs().run(&job, Budget::Until(deadline)).await?;
                rebuilt.added += progress.changed;
                if !progress.finished {
                    return Ok(rebuilt);
                }
                followed.insert(author.to_owned());
            }
        }
        let list = keys::feed(reader);
        let mut entries = Walk::new(list.pk.clone(), list.prefix);
        while !entries.done() {
            if Instant::now() >= deadline {
                return Ok(rebuilt);
            }
            let page = entries
                .next(self.table(), "list feed entries", REBUILD_PAGE)
                .await?;
            let positions: Vec<Position> = page
                .iter()
                .filter_map(Key::of)
                .filter_map(|key| list.position_of(&key.sk))
                .collect();
            let authors: HashMap<String, String> = store
                .articles()
                .published(&positions)
                .await?
                .into_iter()
                .map(|article| (article.id, article.author_id))
                .collect();
            let stale = positions
                .into_iter()
                .filter_map(|at| match authors.get(at.article_id()) {
                    None => Some(Stale::Deleted(at)),
                    Some(author) if !followed.contains(author) => Some(Stale::Unfollowed {
                        at,
                        author: author.clone(),
                    }),
                    Some(_) => None,
                })
                .collect();
            for removed in store.feed().remove_stale(reader, stale).await {
                rebuilt.removed += usize::from(removed?);
            }
        }
        rebuilt.recounted = self.recount_feed(reader, deadline).await?;
        rebuilt.finished = true;
        Ok(rebuilt)
    }

    /// Sets `reader`'s feed count to the number of entries, if it differs:
    /// the count read before and after walking the entries must agree, and
    /// the write is conditioned on it, so a change that lands meanwhile (it
    /// moves the count) sends it round again. The old and new count, when
    /// it was wrong.
    async fn recount_feed(
        self,
        reader: &str,
        deadline: Instant,
    ) -> Result<Option<(i64, i64)>, ApiError> {
        let users = self.store().users();
        let list = keys::feed(reader);
        while Instant::now() < deadline {
            let was = users.counts(reader).await?.feed_count;
            let mut entries = Walk::new(list.pk.clone(), list.prefix);
            let mut counted = 0;
            while !entries.done() {
                let page = entries
                    .next(self.table(), "count feed entries", REBUILD_PAGE)
                    .await?;
                counted += i64::try_from(page.len()).unwrap_or(i64::MAX);
            }
            if users.counts(reader).await?.feed_count != was {
                continue;
            }
            if counted == was {
                return Ok(None);
            }
            if users.recount(reader, Counter::Feed, was, counted).await? {
                return Ok(Some((was, counted)));
            }
        }
        Err(ApiError::Changed("feed"))
    }
}

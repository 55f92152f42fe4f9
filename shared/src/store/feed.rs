//! The feed: for each reader, an entry per article of every author they
//! follow, kept in the reader's own partition and counted on their counts
//! item. Reading a page is one query of that partition, whatever the number
//! of follows; the work moves to the writes, which touch one entry per
//! follower (a new article) or per article (a new follow), as jobs
//! ([`super::jobs`]).
//!
//! Entries change in transactions conditioned on what makes them right (the
//! entry absent or present, the follow there or gone), with the reader's
//! count, so a job can run twice, or at once in the request and the worker,
//! and the count stays equal to the entries. Two transactions that touch one
//! item conflict, so no item is in more than one transaction of a job: a
//! publish gives each follower a transaction of their own (their entry,
//! their count, their follow), and a follow's or unfollow's entries, which
//! share the reader's count and follow, go together, up to forty to a
//! transaction. Entries already right are found with one batched read per
//! page before anything is written, so a rerun costs reads only.
//!
//! A deletion or an unfollow that lands while a job still runs wins: the job
//! that undoes it runs after it. What a race still leaves (an entry written
//! for an article deleted a moment before, or kept for an author unfollowed
//! while the deletion's job ran) is never shown, and is removed, with its
//! count, by the first read of the page that holds it.

use std::collections::HashSet;

use futures::StreamExt;

use crate::{
    ground::{
        error::ApiError,
        keys::{self, Key, Position},
    },
    table::Expr,
};

use super::{
    Feed,
    lists::Page,
    pages::{Shown, Viewer},
    records::Published,
    users::{self, Counter},
};

/// What a job does to each entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Write it, while the reader follows the author (and, for a follow's
    /// entries, while the article exists).
    Add,
    /// Remove it: the article is gone.
    Unpublish,
    /// Remove it unless the reader follows the author again (an unfollow).
    Purge,
}

/// An entry found on a read that no longer belongs in its feed.
#[derive(Debug, Clone)]
pub(crate) enum Stale {
    /// Its article is gone.
    Deleted(Position),
    /// The reader no longer follows its author.
    Unfollowed { at: Position, author: String },
}

/// Entries of one reader changed in one transaction (with the reader's
/// count and follow: 2 + 2 items each, under DynamoDB's 100).
pub(crate) const ENTRIES_PER_TRANSACTION: usize = 40;

/// Stale entries removed at the same time.
const CONCURRENCY: usize = 8;

impl Feed<'_> {
    /// A page of `reader`'s feed, newest first, and its total, as the reader
    /// sees it: no article that is gone, none by an author the reader no
    /// longer follows. Such entries are taken out as they are met.
    pub async fn page(self, viewer: &Viewer, page: &Page) -> Result<Shown, ApiError> {
        let store = self.store();
        let reader = viewer.id();
        let lists = [keys::feed(reader)];
        let listed = store.lists().page("feed", &lists, page).await?;
        let positions: Vec<Position> = listed.entries.iter().map(|e| e.position.clone()).collect();
        let mut shown = store
            .lists()
            .show(listed, Counter::Feed.of(reader), Some(viewer))
            .await?;
        let found: HashSet<&str> = shown.articles.iter().map(|a| a.id.as_str()).collect();
        let mut stale: Vec<Stale> = positions
            .into_iter()
            .filter(|p| !found.contains(p.article_id()))
            .map(Stale::Deleted)
            .collect();
        // An author unfollowed a moment ago may still have entries until the
        // purge has taken them out.
        let (kept, unfollowed): (Vec<_>, Vec<_>) = shown
            .articles
            .drain(..)
            .partition(|article| shown.context.follows(&article.author_id));
        stale.extend(unfollowed.into_iter().map(|article| Stale::Unfollowed {
            at: article.position(),
            author: article.author_id,
        }));
        shown.articles = kept;
        // A reader whose session is over is answered 401: nothing is
        // written for them, repairs included.
        if !viewer.session_over() {
            self.drop_stale(reader, stale).await;
        }
        Ok(shown)
    }

    /// Removes entries a read found stale, each with the reader's count and
    /// conditioned on still being stale. A read does this in passing: a
    /// failure is logged, not answered.
    async fn drop_stale(self, reader: &str, stale: Vec<Stale>) {
        for result in self.remove_stale(reader, stale).await {
            if let Err(err) = result {
                tracing::warn!(error = %err, "stale feed entry left for a later read");
            }
        }
    }

    /// Removes each stale entry with the reader's count, in a transaction
    /// of its own conditioned on it still being stale: whether each was
    /// (false: it was not stale any more, or already gone).
    pub(crate) async fn remove_stale(
        self,
        reader: &str,
        stale: Vec<Stale>,
    ) -> Vec<Result<bool, ApiError>> {
        futures::stream::iter(stale)
            .map(|stale| async move {
                let mut tx = self.table().tx("drop stale feed entry");
                let at = match &stale {
                    Stale::Deleted(at) => {
                        tx.must_not_exist(&keys::article_alive(at.article_id()));
                        at
                    }
                    Stale::Unfollowed { at, author } => {
                        tx.must_not_exist(&keys::follow(reader, author));
                        at
                    }
                };
                tx.delete_present(&keys::feed(reader).entry(at));
                users::count(&mut tx, reader, Counter::Feed, -1);
                Ok(tx.commit().await?.is_ok())
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await
    }

    /// Which of `items` need their entry (`entry_of` each) changed: one
    /// batched read of the entries.
    pub(crate) async fn to_change<T: Clone>(
        self,
        items: &[T],
        entry_of: impl Fn(&T) -> Key,
        change: Change,
    ) -> Result<Vec<T>, ApiError> {
        let present = self
            .table()
            .present("get feed entries", items.iter().map(&entry_of).collect())
            .await?;
        Ok(items
            .iter()
            .filter(|item| present.contains(&entry_of(item)) != (change == Change::Add))
            .cloned()
            .collect())
    }

    /// One follower's entry of `article` and their count, in one
    /// transaction; false when the entry was already as wanted or is no
    /// longer wanted.
    pub(crate) async fn change_entry(
        self,
        reader: &str,
        article: &Published,
        change: Change,
    ) -> Result<bool, ApiError> {
        let feed = keys::feed(reader);
        let entry = feed.entry(&article.position());
        let mut tx = self.table().tx("change feed entry");
        if change == Change::Add {
            let item = feed.entry_item(&article.position(), &article.author_id);
            tx.put_item(item, Some(Expr::not_exists(keys::PK)));
            users::count(&mut tx, reader, Counter::Feed, 1);
            // Only while the reader follows the author and the article is
            // there: an unfollow or a deletion that lands first wins, and
            // its job (which runs after it) finds nothing left behind.
            tx.must_exist(&keys::follow(reader, &article.author_id));
            tx.must_exist(&keys::article_alive(&article.id));
        } else {
            tx.delete_present(&entry);
            users::count(&mut tx, reader, Counter::Feed, -1);
        }
        Ok(tx.commit().await?.is_ok())
    }

    /// `articles`' entries in `reader`'s feed and the count, in one
    /// transaction conditioned on the follow (there for a backfill, gone
    /// for a purge) and, for a backfill, on each article existing. An entry
    /// whose own condition fails (changed by a race) is left out and the
    /// rest tried again. `None` when the follow changed: nothing to do.
    pub(crate) async fn change_entries(
        self,
        reader: &str,
        author: &str,
        articles: &[Published],
        change: Change,
    ) -> Result<Option<usize>, ApiError> {
        let feed = keys::feed(reader);
        let follow = keys::follow(reader, author);
        let mut left: Vec<&Published> = articles.iter().collect();
        while !left.is_empty() {
            let delta = if change == Change::Add { 1 } else { -1 } * left.len() as i64;
            let mut tx = self.table().tx("change feed entries");
            let followed = if change == Change::Add {
                tx.must_exist(&follow)
            } else {
                tx.must_not_exist(&follow)
            };
            let count = users::count(&mut tx, reader, Counter::Feed, delta);
            // Each article's entry and, for a backfill, its existence.
            let mut slots = Vec::with_capacity(left.len());
            for article in &left {
                let entry = feed.entry(&article.position());
                if change == Change::Add {
                    let item = feed.entry_item(&article.position(), author);
                    let put = tx.put_item(item, Some(Expr::not_exists(keys::PK)));
                    let alive = tx.must_exist(&keys::article_alive(&article.id));
                    slots.push((put, Some(alive)));
                } else {
                    slots.push((tx.delete_present(&entry), None));
                }
            }
            match tx.commit().await? {
                Ok(()) => return Ok(Some(left.len())),
                Err(refused) if refused.by(followed) || refused.by(count) => return Ok(None),
                Err(refused) => {
                    let before = left.len();
                    let kept: Vec<&Published> = left
                        .into_iter()
                        .zip(slots)
                        .filter(|(_, (entry, alive))| {
                            !(refused.by(*entry) || alive.is_some_and(|a| refused.by(a)))
                        })
                        .map(|(article, _)| article)
                        .collect();
                    if kept.len() == before {
                        return Err(refused.unexpected());
                    }
                    left = kept;
                }
            }
        }
        Ok(Some(0))
    }
}

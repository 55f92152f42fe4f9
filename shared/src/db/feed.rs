//! The feed: for each reader, an entry per article of every author they
//! follow, kept in the reader's own partition and counted on their counts
//! item. Reading a page is one query of that partition, whatever the number
//! of follows; the work moves to the writes, which touch one entry per
//! follower (a new article) or per article (a new follow):
//!
//! - publishing adds the article to each follower's feed, unpublishing
//!   (deletion) takes it out;
//! - following adds the author's articles to the reader's feed, unfollowing
//!   takes them out.
//!
//! Each is a job over a list that can be long (an author's followers, an
//! author's articles). The request that causes it does a first page at
//! once, so the reader sees it at once in the common case (an author with
//! few followers, a follow of an author with few articles); the table's
//! stream worker does the whole job from the write's stream record, saving
//! where it got to after each page so a run cut short goes on from there.
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
//! while the deletion's job ran) is invisible to the reader, who never sees
//! a missing article or an unfollowed author's, and is removed, with its
//! count, by the first read of the page that holds it.

use std::{collections::HashSet, time::Instant};

use aws_sdk_dynamodb::types::TransactWriteItem;
use futures::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};

use crate::ApiError;

use super::{
    Db, Expr, Page, SortKeys, UpdateExpr,
    articles::{ArticlePage, ArticleRecord},
    epoch_seconds, from_item,
    keys::{self, Key, Position},
};

/// What a feed job needs to know of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// How much of a job one run may do.
#[derive(Debug, Clone)]
pub enum Budget {
    /// The first this many followers or articles: what a request does at once.
    First(usize),
    /// Everything, page by page, until this instant: the stream worker,
    /// running the job of the stream record `record` (its sequence number).
    /// Where it got to is saved after each page, so the record's next
    /// delivery goes on from there.
    Until { deadline: Instant, record: String },
}

impl Budget {
    fn allows(&self, done: usize) -> Option<usize> {
        match self {
            Budget::First(n) => (done < *n).then(|| (*n - done).min(JOB_PAGE)),
            Budget::Until { deadline, .. } => (Instant::now() < *deadline).then_some(JOB_PAGE),
        }
    }

    fn record(&self) -> Option<&str> {
        match self {
            Budget::First(_) => None,
            Budget::Until { record, .. } => Some(record),
        }
    }
}

/// Where a job run by the stream worker got to.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    /// The stream record the job is for: another record's job starts anew.
    record: String,
    /// The sort key of the last follower or article done.
    below: String,
    expires_at: u64,
}

/// How long a checkpoint is kept: the stream keeps a record a day.
const CHECKPOINT_SECONDS: u64 = 86_400;

/// A change to the feeds, caused by one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// An article was created: into its author's followers' feeds.
    Publish(Published),
    /// An article was deleted: out of its author's followers' feeds.
    Unpublish(Published),
    /// `reader` followed `author`: the author's articles into the reader's feed.
    Backfill { reader: String, author: String },
    /// `reader` unfollowed `author`: the author's articles out of the feed.
    Purge { reader: String, author: String },
}

/// What a run of a job did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Entries written or removed by this run.
    pub changed: usize,
    /// False when the budget ran out first: run again to go on.
    pub finished: bool,
}

/// Followers or articles read per page of a job.
const JOB_PAGE: usize = 100;

/// Entry transactions of a page run at the same time.
const CONCURRENCY: usize = 8;

/// How long a request waits for its first page of a feed job.
const AT_ONCE_BOUND: std::time::Duration = std::time::Duration::from_secs(1);

/// Entries of one reader changed in one transaction (with the reader's
/// count and follow: 2 + 2 items each, under DynamoDB's 100).
const ENTRIES_PER_TRANSACTION: usize = 40;

/// What a request does of a job at once: a page of followers, or of the
/// articles of the author followed (more than the 20 of a default feed page,
/// so that page is right at once after a follow).
pub const AT_ONCE: usize = 25;

/// What a job does to each entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
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
pub enum Stale {
    /// Its article is gone.
    Deleted(Position),
    /// The reader no longer follows its author.
    Unfollowed { at: Position, author: String },
}

impl Db {
    /// A page of `reader`'s feed, newest first, and its total.
    pub async fn feed(&self, reader: &str, page: &Page) -> Result<ArticlePage, ApiError> {
        let lists = [keys::feed(reader)];
        let listed = self.list_page("feed", &lists, page);
        let counts = self.user_counts(reader);
        let (listed, counts) = futures::try_join!(listed, counts)?;
        let positions = listed.positions.clone();
        let page = self.article_page(listed, counts.feed()).await?;
        let found: HashSet<&str> = page.articles.iter().map(|a| a.id.as_str()).collect();
        let gone: Vec<Stale> = positions
            .into_iter()
            .filter(|p| !found.contains(p.article_id()))
            .map(Stale::Deleted)
            .collect();
        self.drop_stale(reader, gone).await;
        Ok(page)
    }

    /// Removes entries a read found stale, each with the reader's count and
    /// conditioned on still being stale. A read does this in passing: a
    /// failure is logged, not answered.
    pub async fn drop_stale(&self, reader: &str, stale: Vec<Stale>) {
        let removals = stream::iter(stale)
            .map(|stale| async move {
                let (at, condition) = match &stale {
                    Stale::Deleted(at) => (at, keys::comment_sequence(at.article_id())),
                    Stale::Unfollowed { at, author } => (at, keys::follow(reader, author)),
                };
                let items = vec![
                    self.delete(&keys::feed(reader).entry(at), Some(Expr::exists(keys::PK))),
                    self.feed_count_change(reader, -1),
                    self.condition_check(&condition, Expr::not_exists(keys::PK)),
                ];
                self.transact("drop stale feed entry", items)
                    .await
                    .map(drop)
            })
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        for result in removals {
            if let Err(err) = result {
                tracing::warn!(error = %err, "stale feed entry left for a later read");
            }
        }
    }

    /// Runs `job` within `budget`. The job's state lives on the heap: it
    /// is large, and requests run it after their own work.
    pub async fn run(&self, job: &Job, budget: Budget) -> Result<Progress, ApiError> {
        match job {
            Job::Publish(article) => {
                Box::pin(self.over_followers(job, article, budget, Change::Add)).await
            }
            Job::Unpublish(article) => {
                Box::pin(self.over_followers(job, article, budget, Change::Unpublish)).await
            }
            Job::Backfill { reader, author } => {
                Box::pin(self.over_articles(job, reader, author, budget, Change::Add)).await
            }
            Job::Purge { reader, author } => {
                Box::pin(self.over_articles(job, reader, author, budget, Change::Purge)).await
            }
        }
    }

    /// The first page of `job`, as the request that caused it does it. The
    /// write it follows has committed and the stream worker runs the whole
    /// job from its record, so a failure here is logged, not answered, and
    /// the request waits for it at most `AT_ONCE_BOUND`.
    pub async fn run_at_once(&self, job: &Job) {
        let run = self.run(job, Budget::First(AT_ONCE));
        match tokio::time::timeout(AT_ONCE_BOUND, run).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => {
                tracing::warn!(?job, error = %err, "feed update left to the stream worker");
            }
            Err(_) => tracing::warn!(?job, "feed update left to the stream worker (slow)"),
        }
    }

    /// One article, every follower of its author: a transaction per
    /// follower, which shares no item with another follower's.
    async fn over_followers(
        &self,
        job: &Job,
        article: &Published,
        budget: Budget,
        change: Change,
    ) -> Result<Progress, ApiError> {
        let (pk, prefix) = keys::followers_of(&article.author_id);
        let mut pages = self.resume(job, &budget, Pager::new(pk, prefix)).await?;
        let mut progress = Progress::default();
        let mut seen = 0;
        while let Some(n) = budget.allows(seen) {
            // A deleted article reaches no one more: its deletion's job,
            // which runs after this one, takes out what this one wrote.
            if change == Change::Add
                && self
                    .get("get article", &keys::comment_sequence(&article.id))
                    .await?
                    .is_none()
            {
                progress.finished = true;
                break;
            }
            let keys = pages.next(self, "list followers", n).await?;
            seen += keys.len();
            let readers: Vec<String> = keys
                .iter()
                .filter_map(|key| keys::follower_of(&key.sk).map(str::to_owned))
                .collect();
            let entry = |reader: &String| keys::feed(reader).entry(&article.position());
            let todo = self.to_change(&readers, entry, change).await?;
            let changed: Vec<bool> = stream::iter(todo)
                .map(|reader| async move { self.change_entry(&reader, article, change).await })
                .buffer_unordered(CONCURRENCY)
                .try_collect()
                .await?;
            progress.changed += changed.into_iter().filter(|c| *c).count();
            if pages.done {
                progress.finished = true;
                break;
            }
            self.save(job, &budget, &pages).await?;
        }
        self.finish(job, &budget, &progress).await?;
        Ok(progress)
    }

    /// One reader, every article of one author: the entries go together, up
    /// to `ENTRIES_PER_TRANSACTION` to a transaction, since they share the
    /// reader's count and follow.
    async fn over_articles(
        &self,
        job: &Job,
        reader: &str,
        author: &str,
        budget: Budget,
        change: Change,
    ) -> Result<Progress, ApiError> {
        let list = keys::articles_by_author(author);
        let pages = Pager::new(list.pk.clone(), list.prefix);
        let mut pages = self.resume(job, &budget, pages).await?;
        let mut progress = Progress::default();
        let mut seen = 0;
        while let Some(n) = budget.allows(seen) {
            let keys = pages.next(self, "list articles of author", n).await?;
            seen += keys.len();
            let articles: Vec<Published> = keys
                .iter()
                .filter_map(|key| list.position_of(&key.sk))
                .map(|position| Published {
                    id: position.article_id().to_owned(),
                    author_id: author.to_owned(),
                    created_at: position.created_at().to_owned(),
                })
                .collect();
            let feed = keys::feed(reader);
            let entry = |article: &Published| feed.entry(&article.position());
            let todo = self.to_change(&articles, entry, change).await?;
            for chunk in todo.chunks(ENTRIES_PER_TRANSACTION) {
                match self.change_entries(reader, author, chunk, change).await? {
                    Some(changed) => progress.changed += changed,
                    // The follow changed meanwhile: its own job takes over.
                    None => {
                        progress.finished = true;
                        self.finish(job, &budget, &progress).await?;
                        return Ok(progress);
                    }
                }
            }
            if pages.done {
                progress.finished = true;
                break;
            }
            self.save(job, &budget, &pages).await?;
        }
        self.finish(job, &budget, &progress).await?;
        Ok(progress)
    }

    /// Which of `items` need their entry (`entry_of` each) changed: one
    /// batched read of the entries.
    async fn to_change<T: Clone>(
        &self,
        items: &[T],
        entry_of: impl Fn(&T) -> Key,
        change: Change,
    ) -> Result<Vec<T>, ApiError> {
        let present = self.present(items.iter().map(&entry_of).collect()).await?;
        Ok(items
            .iter()
            .filter(|item| present.contains(&entry_of(item)) != (change == Change::Add))
            .cloned()
            .collect())
    }

    /// `reader`'s feed count moved by `delta`, with the entries that change
    /// it; the reader must still exist.
    fn feed_count_change(&self, reader: &str, delta: i64) -> TransactWriteItem {
        self.update(
            &keys::user_counts(reader),
            UpdateExpr::new().add("feed_count", delta).condition(|c| {
                c.and_exists(keys::PK);
            }),
        )
    }

    /// Which of these keys name an item.
    async fn present(&self, keys: Vec<Key>) -> Result<HashSet<Key>, ApiError> {
        if keys.is_empty() {
            return Ok(HashSet::new());
        }
        Ok(self
            .batch_get("get feed entries", keys)
            .await?
            .iter()
            .filter_map(Key::of)
            .collect())
    }

    /// One follower's entry of `article` and their count, in one
    /// transaction; false when the entry was already as wanted or is no
    /// longer wanted.
    async fn change_entry(
        &self,
        reader: &str,
        article: &Published,
        change: Change,
    ) -> Result<bool, ApiError> {
        let entry = keys::feed(reader).entry(&article.position());
        let delta = if change == Change::Add { 1 } else { -1 };
        let mut items = vec![
            if change == Change::Add {
                self.put(entry.to_map(), Some(Expr::not_exists(keys::PK)))
            } else {
                self.delete(&entry, Some(Expr::exists(keys::PK)))
            },
            self.feed_count_change(reader, delta),
        ];
        // Only while the reader follows the author: an unfollow that lands
        // first wins, and its purge (which runs after it) finds nothing.
        if change == Change::Add {
            let follow = keys::follow(reader, &article.author_id);
            items.push(self.condition_check(&follow, Expr::exists(keys::PK)));
        }
        Ok(self.transact("change feed entry", items).await?.is_ok())
    }

    /// `articles`' entries in `reader`'s feed and the count, in one
    /// transaction conditioned on the follow (there for a backfill, gone
    /// for a purge) and, for a backfill, on each article existing. An entry
    /// whose own condition fails (changed by a race) is left out and the
    /// rest tried again. `None` when the follow changed: nothing to do.
    async fn change_entries(
        &self,
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
            let mut items = vec![
                self.condition_check(
                    &follow,
                    if change == Change::Add {
                        Expr::exists(keys::PK)
                    } else {
                        Expr::not_exists(keys::PK)
                    },
                ),
                self.feed_count_change(reader, delta),
            ];
            // Item indices of each article's entry (and, for a backfill,
            // its existence check).
            let mut at = Vec::with_capacity(left.len());
            for article in &left {
                let entry = feed.entry(&article.position());
                at.push(items.len());
                if change == Change::Add {
                    items.push(self.put(entry.to_map(), Some(Expr::not_exists(keys::PK))));
                    items.push(self.condition_check(
                        &keys::comment_sequence(&article.id),
                        Expr::exists(keys::PK),
                    ));
                } else {
                    items.push(self.delete(&entry, Some(Expr::exists(keys::PK))));
                }
            }
            match self.transact("change feed entries", items).await? {
                Ok(()) => return Ok(Some(left.len())),
                Err(cancelled) if cancelled.failed(0) || cancelled.failed(1) => return Ok(None),
                Err(cancelled) => {
                    let before = left.len();
                    let mut kept = Vec::with_capacity(left.len());
                    for (article, index) in left.into_iter().zip(at) {
                        let raced = cancelled.failed(index)
                            || (change == Change::Add && cancelled.failed(index + 1));
                        if !raced {
                            kept.push(article);
                        }
                    }
                    if kept.len() == before {
                        return Err(ApiError::internal(format!(
                            "change feed entries: {cancelled:?}"
                        )));
                    }
                    left = kept;
                }
            }
        }
        Ok(Some(0))
    }

    /// The pager of a job the stream worker resumes where its last run for
    /// the same record stopped.
    async fn resume(
        &self,
        job: &Job,
        budget: &Budget,
        mut pages: Pager,
    ) -> Result<Pager, ApiError> {
        let Some(record) = budget.record() else {
            return Ok(pages);
        };
        if let Some(item) = self.get("get job checkpoint", &checkpoint_key(job)).await? {
            let checkpoint: Checkpoint = from_item(item)?;
            if checkpoint.record == record {
                pages.below = Some(checkpoint.below);
            }
        }
        Ok(pages)
    }

    /// Saves where the stream worker's run of a job got to.
    async fn save(&self, job: &Job, budget: &Budget, pages: &Pager) -> Result<(), ApiError> {
        let (Some(record), Some(below)) = (budget.record(), &pages.below) else {
            return Ok(());
        };
        let checkpoint = Checkpoint {
            record: record.to_owned(),
            below: below.clone(),
            expires_at: epoch_seconds() + CHECKPOINT_SECONDS,
        };
        let item = checkpoint_key(job).item(&checkpoint)?;
        self.put_item("save job checkpoint", item).await
    }

    /// Forgets a finished job's checkpoint.
    async fn finish(
        &self,
        job: &Job,
        budget: &Budget,
        progress: &Progress,
    ) -> Result<(), ApiError> {
        if progress.finished && budget.record().is_some() {
            self.delete_item("forget job checkpoint", &checkpoint_key(job))
                .await?;
        }
        Ok(())
    }
}

/// Where a job's checkpoint lives: one per job, whatever the record.
fn checkpoint_key(job: &Job) -> Key {
    match job {
        Job::Publish(a) => keys::job_checkpoint("PUBLISH", &a.id),
        Job::Unpublish(a) => keys::job_checkpoint("UNPUBLISH", &a.id),
        Job::Backfill { reader, author } => {
            keys::job_checkpoint("BACKFILL", &format!("{reader}#{author}"))
        }
        Job::Purge { reader, author } => {
            keys::job_checkpoint("PURGE", &format!("{reader}#{author}"))
        }
    }
}

/// Reads a partition's items under a prefix, newest first, a page at a time.
struct Pager {
    pk: String,
    prefix: &'static str,
    below: Option<String>,
    done: bool,
}

impl Pager {
    fn new(pk: String, prefix: &'static str) -> Self {
        Self {
            pk,
            prefix,
            below: None,
            done: false,
        }
    }

    /// The next `n` keys (fewer at the end, when `done` turns true).
    async fn next(
        &mut self,
        db: &Db,
        operation: &'static str,
        n: usize,
    ) -> Result<Vec<Key>, ApiError> {
        let items = match &self.below {
            None => {
                db.query(operation, &self.pk, SortKeys::Prefix(self.prefix), n)
                    .await?
            }
            Some(below) => {
                db.query(
                    operation,
                    &self.pk,
                    SortKeys::Between(self.prefix, below),
                    n + 1,
                )
                .await?
            }
        };
        let asked = if self.below.is_some() { n + 1 } else { n };
        self.done = items.len() < asked;
        let keys: Vec<Key> = items
            .iter()
            .filter_map(Key::of)
            .filter(|key| self.below.as_ref().is_none_or(|b| key.sk < *b))
            .collect();
        if let Some(last) = keys.last() {
            self.below = Some(last.sk.clone());
        } else {
            self.done = true;
        }
        Ok(keys)
    }
}

//! The work a write leaves that can be too large for one request, as jobs.
//! The table's stream worker runs each job whole from the write's stream
//! record; the request that made the write runs its first page at once, so
//! the common case (an author with few followers, a follow of an author with
//! few articles) is visible at once. The event source mapping sends only
//! the records listed here (inserts and removals of article heads and of
//! follows); anything else is passed over.
//!
//! | record | job |
//! |---|---|
//! | article head inserted | [`Job::Publish`]: the article into its author's followers' feeds |
//! | article head removed | [`Job::Unpublish`]: out of those feeds; then its favorites and comments removed |
//! | follow inserted | [`Job::Backfill`]: the followee's articles into the follower's feed |
//! | follow removed | [`Job::Purge`]: those articles out of the follower's feed |
//!
//! A job walks a list that can be long (an author's followers, an author's
//! articles, a deleted article's favorites) a page at a time, saving where
//! it got to after each page, so a run cut short goes on from there. Every
//! step is idempotent (see [`super::feed`] for the feed's conditions), so a
//! record delivered twice, or a job run by the request and the worker at
//! once, changes nothing more.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};

use crate::{
    ground::{
        clock::epoch_seconds,
        error::ApiError,
        keys::{self, Key},
    },
    table::{Walk, from_item},
};

use super::{
    Jobs,
    favorites::{self, Toggle},
    feed::Change,
    records::{Favorite, Published},
};

/// One job, caused by one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// An article was created: into its author's followers' feeds.
    Publish(Published),
    /// An article was deleted: out of its author's followers' feeds, then
    /// its favorites and comments removed.
    Unpublish(Published),
    /// `reader` followed `author`: the author's articles into the reader's feed.
    Backfill { reader: String, author: String },
    /// `reader` unfollowed `author`: the author's articles out of the feed.
    Purge { reader: String, author: String },
}

#[derive(Deserialize)]
struct Head {
    id: String,
    author_id: String,
    created_at: String,
}

impl Job {
    /// The job a stream record describes (`eventName`, its keys and
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
                Self::Publish(article)
            } else {
                Self::Unpublish(article)
            });
        }
        let (reader, author) = keys::follow_of(&key)?;
        let (reader, author) = (reader.to_owned(), author.to_owned());
        Some(if inserted {
            Self::Backfill { reader, author }
        } else {
            Self::Purge { reader, author }
        })
    }

    /// Where this job's checkpoint lives: one per job, whatever the record.
    fn checkpoint(&self) -> Key {
        match self {
            Self::Publish(a) => keys::job_checkpoint("PUBLISH", &a.id),
            Self::Unpublish(a) => keys::job_checkpoint("UNPUBLISH", &a.id),
            Self::Backfill { reader, author } => {
                keys::job_checkpoint("BACKFILL", &format!("{reader}#{author}"))
            }
            Self::Purge { reader, author } => {
                keys::job_checkpoint("PURGE", &format!("{reader}#{author}"))
            }
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

/// What a run of a job did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Feed entries written or removed by this run.
    pub changed: usize,
    /// False when the budget ran out first: run again to go on.
    pub finished: bool,
}

/// What one run did for a stream record, for the log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub feed_entries: usize,
    pub favorites: usize,
    pub comments: usize,
    /// False when the deadline came first: run again to go on.
    pub finished: bool,
}

/// Followers, articles or favorites read per page of a job.
const JOB_PAGE: usize = 100;

/// Transactions of a page run at the same time.
const CONCURRENCY: usize = 8;

/// How long a request waits for its first page of a job.
const AT_ONCE_BOUND: Duration = Duration::from_secs(1);

/// What a request does of a job at once: a page of followers, or of the
/// articles of the author followed (more than the 20 of a default feed page,
/// so that page is right at once after a follow).
pub const AT_ONCE: usize = 25;

impl Jobs<'_> {
    /// The first page of `job`, as the request that caused it does it. The
    /// write it follows has committed and the stream worker runs the whole
    /// job from its record, so a failure here is logged, not answered, and
    /// the request waits for it at most `AT_ONCE_BOUND`.
    pub(crate) async fn at_once(self, job: &Job) {
        if !self.0.at_once {
            return;
        }
        let run = self.run(job, Budget::First(AT_ONCE));
        match tokio::time::timeout(AT_ONCE_BOUND, run).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => {
                tracing::warn!(?job, error = %err, "job left to the stream worker");
            }
            Err(_) => tracing::warn!(?job, "job left to the stream worker (slow)"),
        }
    }

    /// Runs the feed part of `job` within `budget`. The job's state lives
    /// on the heap: it is large, and requests run it after their own work.
    pub async fn run(self, job: &Job, budget: Budget) -> Result<Progress, ApiError> {
        let feed = self.store().feed();
        match job {
            Job::Publish(article) => {
                Box::pin(self.over_followers(job, article, budget, Change::Add)).await
            }
            Job::Unpublish(article) => {
                Box::pin(self.over_followers(job, article, budget, Change::Unpublish)).await
            }
            Job::Backfill { reader, author } => {
                Box::pin(self.over_articles(&feed, job, reader, author, budget, Change::Add)).await
            }
            Job::Purge { reader, author } => {
                Box::pin(self.over_articles(&feed, job, reader, author, budget, Change::Purge))
                    .await
            }
        }
    }

    /// Does the whole of `job` for the stream record `record` (its
    /// sequence number), until done or `deadline`: a run cut short saves
    /// where it got to, and the record's next delivery goes on from there.
    pub async fn apply(self, job: &Job, deadline: Instant, record: &str) -> Result<Done, ApiError> {
        let budget = Budget::Until {
            deadline,
            record: record.to_owned(),
        };
        let feed = self.run(job, budget.clone()).await?;
        let mut done = Done {
            feed_entries: feed.changed,
            finished: feed.finished,
            ..Done::default()
        };
        if let (Job::Unpublish(article), true) = (job, done.finished) {
            let cleanup = self.clean_up(article, deadline).await?;
            done.favorites = cleanup.favorites;
            done.comments = cleanup.comments;
            done.finished = cleanup.finished;
        }
        Ok(done)
    }

    /// One article, every follower of its author: a transaction per
    /// follower, which shares no item with another follower's.
    async fn over_followers(
        self,
        job: &Job,
        article: &Published,
        budget: Budget,
        change: Change,
    ) -> Result<Progress, ApiError> {
        let (pk, prefix) = keys::followers_of(&article.author_id);
        let mut walk = self.resume(job, &budget, Walk::new(pk, prefix)).await?;
        let feed = self.store().feed();
        let mut progress = Progress::default();
        let mut seen = 0;
        while let Some(n) = budget.allows(seen) {
            // A deleted article reaches no one more: its deletion's job,
            // which runs after this one, takes out what this one wrote.
            if change == Change::Add && !self.article_exists(&article.id).await? {
                progress.finished = true;
                break;
            }
            let items = walk.next(self.table(), "list followers", n).await?;
            seen += items.len();
            let readers: Vec<String> = items
                .iter()
                .filter_map(Key::of)
                .filter_map(|key| keys::follower_of(&key.sk).map(str::to_owned))
                .collect();
            let position = article.position();
            let entry = |reader: &String| keys::feed(reader).entry(&position);
            let todo = feed.to_change(&readers, entry, change).await?;
            let changed: Vec<bool> = stream::iter(todo)
                .map(|reader| {
                    let feed = &feed;
                    async move { feed.change_entry(&reader, article, change).await }
                })
                .buffer_unordered(CONCURRENCY)
                .try_collect()
                .await?;
            progress.changed += changed.into_iter().filter(|c| *c).count();
            if walk.done() {
                progress.finished = true;
                break;
            }
            self.save(job, &budget, &walk).await?;
        }
        self.finish(job, &budget, &progress).await?;
        Ok(progress)
    }

    /// One reader, every article of one author: the entries go together, up
    /// to `feed::ENTRIES_PER_TRANSACTION` to a transaction, since they share
    /// the reader's count and follow.
    async fn over_articles(
        self,
        feed: &super::Feed<'_>,
        job: &Job,
        reader: &str,
        author: &str,
        budget: Budget,
        change: Change,
    ) -> Result<Progress, ApiError> {
        let list = keys::articles_by_author(author);
        let walk = Walk::new(list.pk.clone(), list.prefix);
        let mut walk = self.resume(job, &budget, walk).await?;
        let mut progress = Progress::default();
        let mut seen = 0;
        while let Some(n) = budget.allows(seen) {
            let items = walk
                .next(self.table(), "list articles of author", n)
                .await?;
            seen += items.len();
            let articles: Vec<Published> = items
                .iter()
                .filter_map(Key::of)
                .filter_map(|key| list.position_of(&key.sk))
                .map(|position| Published {
                    id: position.article_id().to_owned(),
                    author_id: author.to_owned(),
                    created_at: position.created_at().to_owned(),
                })
                .collect();
            let entries = keys::feed(reader);
            let entry = |article: &Published| entries.entry(&article.position());
            let todo = feed.to_change(&articles, entry, change).await?;
            for chunk in todo.chunks(super::feed::ENTRIES_PER_TRANSACTION) {
                match feed.change_entries(reader, author, chunk, change).await? {
                    Some(changed) => progress.changed += changed,
                    // The follow changed meanwhile: its own job takes over.
                    None => {
                        progress.finished = true;
                        self.finish(job, &budget, &progress).await?;
                        return Ok(progress);
                    }
                }
            }
            if walk.done() {
                progress.finished = true;
                break;
            }
            self.save(job, &budget, &walk).await?;
        }
        self.finish(job, &budget, &progress).await?;
        Ok(progress)
    }

    /// Removes a deleted article's favorites (each with its favoriter's
    /// list entry and count) and comments, a page at a time, until none is
    /// left or the budget's deadline has passed. Nothing can add to them
    /// meanwhile: favorites and comments are conditioned on the article
    /// existing.
    pub async fn clean_up(
        self,
        article: &Published,
        deadline: Instant,
    ) -> Result<Cleanup, ApiError> {
        let mut done = Cleanup::default();
        if self.article_exists(&article.id).await? {
            // Not deleted (a record replayed out of order): nothing to do.
            done.finished = true;
            return Ok(done);
        }
        let (pk, prefix) = keys::favorites_of_article(&article.id);
        loop {
            if Instant::now() >= deadline {
                return Ok(done);
            }
            // Removed favorites are gone from the next read, so the first page
            // is always the next one.
            let page = Walk::new(pk.clone(), prefix)
                .next(self.table(), "list favorites of deleted article", JOB_PAGE)
                .await?;
            if page.is_empty() {
                break;
            }
            let removed: Vec<bool> = stream::iter(page)
                .map(|item| self.remove_favorite(article, item))
                .buffer_unordered(CONCURRENCY)
                .try_collect()
                .await?;
            done.favorites += removed.into_iter().filter(|r| *r).count();
        }
        let (pk, prefix) = keys::comments_of_article(&article.id);
        loop {
            if Instant::now() >= deadline {
                return Ok(done);
            }
            let page = Walk::new(pk.clone(), prefix)
                .next(self.table(), "list comments of deleted article", JOB_PAGE)
                .await?;
            if page.is_empty() {
                break;
            }
            let keys: Vec<Key> = page.iter().filter_map(Key::of).collect();
            done.comments += keys.len();
            self.table()
                .delete_all("remove comments of deleted article", &keys)
                .await?;
        }
        done.finished = true;
        Ok(done)
    }

    /// Removes one favorite of a deleted article with its list entry and
    /// the favoriter's count; false if another run removed it first.
    async fn remove_favorite(
        self,
        article: &Published,
        item: keys::Item,
    ) -> Result<bool, ApiError> {
        let favorite: Favorite = from_item(item)?;
        // The favoriter's count too, unless the favoriter is gone: then
        // there is no count to correct, and none to create.
        for count in [true, false] {
            let mut tx = self.table().tx("remove favorite of deleted article");
            let made = favorites::layout(
                &mut tx,
                &article.id,
                &article.position(),
                &favorite.user_id,
                Toggle::Off,
                count,
            )?;
            match tx.commit().await? {
                Ok(()) => return Ok(true),
                Err(refused) if refused.by(made.favorite) => return Ok(false),
                Err(refused) if made.favoriter.is_some_and(|s| refused.by(s)) => continue,
                Err(refused) => return Err(refused.unexpected()),
            }
        }
        Err(ApiError::internal(
            "favorite cleanup: refused without a count",
        ))
    }

    async fn article_exists(self, id: &str) -> Result<bool, ApiError> {
        self.table()
            .exists("get article", &keys::article_alive(id))
            .await
    }

    /// The walk of a job the stream worker resumes where its last run for
    /// the same record stopped.
    async fn resume(self, job: &Job, budget: &Budget, walk: Walk) -> Result<Walk, ApiError> {
        let Some(record) = budget.record() else {
            return Ok(walk);
        };
        if let Some(item) = self
            .table()
            .get("get job checkpoint", &job.checkpoint())
            .await?
        {
            let checkpoint: Checkpoint = from_item(item)?;
            if checkpoint.record == record {
                return Ok(walk.from(crate::table::Bound::Below(checkpoint.below)));
            }
        }
        Ok(walk)
    }

    /// Saves where the stream worker's run of a job got to.
    async fn save(self, job: &Job, budget: &Budget, walk: &Walk) -> Result<(), ApiError> {
        let (Some(record), Some(below)) = (budget.record(), walk.below()) else {
            return Ok(());
        };
        let checkpoint = Checkpoint {
            record: record.to_owned(),
            below: below.to_owned(),
            expires_at: epoch_seconds() + CHECKPOINT_SECONDS,
        };
        let item = job.checkpoint().item(&checkpoint)?;
        self.table().put("save job checkpoint", item).await
    }

    /// Forgets a finished job's checkpoint.
    async fn finish(self, job: &Job, budget: &Budget, progress: &Progress) -> Result<(), ApiError> {
        if progress.finished && budget.record().is_some() {
            self.table()
                .delete("forget job checkpoint", &job.checkpoint())
                .await?;
        }
        Ok(())
    }
}

/// What one cleanup run removed, and whether anything is left.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cleanup {
    pub favorites: usize,
    pub comments: usize,
    /// False when the deadline came first: run again to go on.
    pub finished: bool,
}

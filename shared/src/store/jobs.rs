//! The work a write leaves that can be too large for one request, as jobs,
//! run a page at a time so that no job, however large, holds any other
//! behind it for longer than one page.
//!
//! | stream record | job |
//! |---|---|
//! | article head inserted | [`Job::Publish`]: the article into its author's followers' feeds |
//! | article head removed | [`Job::Unpublish`]: out of those feeds; then its favorites and comments removed |
//! | follow inserted | [`Job::Backfill`]: the followee's articles into the follower's feed |
//! | follow removed | [`Job::Purge`]: those articles out of the follower's feed |
//!
//! The request that made the write runs the job's first page at once, so
//! the common case (an author with few followers, a follow of an author
//! with few articles) shows at once. The write's stream record only
//! *starts* the job: the worker saves the job's state in an item of its own
//! (`JOB#<kind>#<ids>`, `STATE`). Every change of that item is a stream
//! record too, and each is one step: the worker runs the next page from the
//! saved state and saves where it got to, which makes the next record. So a
//! job goes on through records of its own partition key; the event source
//! mapping keeps order per key only, and runs up to ten keys of a shard at
//! once (`ParallelizationFactor`), so other jobs' pages run between a large
//! job's pages, or beside them.
//!
//! A step that fails is retried from the saved state (a few times, waiting
//! longer each time); then the job is marked failed and stops, kept with
//! its state and error for as long as an operator needs, in the sparse
//! index `jobs-by-status` (`conduit-admin jobs`, `conduit-admin redrive`).
//! A finished job's item expires a day later.
//!
//! Every page is idempotent (see [`super::feed`] for the feed's
//! conditions), so a record delivered twice, a step run twice, or a job run
//! by the request and the worker at once changes nothing more.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use futures::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};

use crate::{
    ground::{
        clock,
        error::ApiError,
        keys::{self, Key},
    },
    table::{Expr, Walk, from_item},
};

use super::{
    Jobs,
    favorites::{self, Toggle},
    feed::Change,
    records::{Favorite, Published},
};

/// One job, caused by one write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
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
    /// Where this job's state lives: one item per job.
    pub fn key(&self) -> Key {
        match self {
            Self::Publish(a) => keys::job_state("PUBLISH", &a.id),
            Self::Unpublish(a) => keys::job_state("UNPUBLISH", &a.id),
            Self::Backfill { reader, author } => {
                keys::job_state("BACKFILL", &format!("{reader}#{author}"))
            }
            Self::Purge { reader, author } => {
                keys::job_state("PURGE", &format!("{reader}#{author}"))
            }
        }
    }
}

/// What a stream record asks of the worker.
#[derive(Debug, Clone)]
pub enum Work {
    /// A write that leaves a job: start it.
    Start(Job),
    /// A job's state changed and it is running: its next page.
    Step(Box<JobState>),
}

impl Work {
    /// The work a stream record describes (`eventName`, its keys and
    /// images); `None` for changes with nothing to do.
    pub fn of(
        event_name: &str,
        keys: serde_dynamo::Item,
        new_image: serde_dynamo::Item,
        old_image: serde_dynamo::Item,
    ) -> Option<Self> {
        let key = Key::of(&keys.into())?;
        if keys::is_job_state(&key) {
            if !matches!(event_name, "INSERT" | "MODIFY") {
                return None;
            }
            let state: JobState = serde_dynamo::from_item(new_image).ok()?;
            return (state.status == Some(Status::Running)).then(|| Self::Step(Box::new(state)));
        }
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
            return Some(Self::Start(if inserted {
                Job::Publish(article)
            } else {
                Job::Unpublish(article)
            }));
        }
        let (reader, author) = keys::follow_of(&key)?;
        let (reader, author) = (reader.to_owned(), author.to_owned());
        Some(Self::Start(if inserted {
            Job::Backfill { reader, author }
        } else {
            Job::Purge { reader, author }
        }))
    }
}

/// Which part of its work a job is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Feed entries: every follower's (publish, unpublish) or every
    /// article's (backfill, purge).
    Feed,
    /// A deleted article's favorites.
    Favorites,
    /// A deleted article's comments.
    Comments,
}

/// Where a job goes on from: its phase, and the sort key below which its
/// walk of the phase's list goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub phase: Phase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<String>,
}

impl Cursor {
    fn start() -> Self {
        Self::at(Phase::Feed)
    }

    fn at(phase: Phase) -> Self {
        Self { phase, below: None }
    }
}

/// A job that is not finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Running,
    /// Stopped after failing `MAX_ATTEMPTS` times in a row; kept for an
    /// operator to look at and run again.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Failed => "failed",
        }
    }
}

/// A job's saved state: the item of its own the stream worker runs it from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobState {
    pub job: Job,
    pub cursor: Cursor,
    /// Changed by every step, so each step's record is new and a step run
    /// twice (a record delivered twice) saves nothing the second time.
    pub version: u64,
    /// Running or failed; absent once done, which takes the job out of the
    /// `jobs-by-status` index and its records out of the worker's filter.
    #[serde(
        default,
        rename = "job_status",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<Status>,
    /// Steps failed in a row.
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The stream record that started the job (its sequence number).
    pub record: String,
    pub updated_at: String,
    /// A finished job expires a day after it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
}

impl JobState {
    pub fn key(&self) -> Key {
        self.job.key()
    }
}

/// How much of a job one run may do.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    /// The first this many followers or articles of its feed part: what a
    /// request does at once.
    First(usize),
    /// Every phase, page by page, until this instant.
    Until(Instant),
}

/// What a run or a step did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Feed entries written or removed.
    pub changed: usize,
    /// Favorites and comments of a deleted article removed.
    pub favorites: usize,
    pub comments: usize,
    /// False when the budget ran out first.
    pub finished: bool,
}

impl Progress {
    fn add(&mut self, other: Progress) {
        self.changed += other.changed;
        self.favorites += other.favorites;
        self.comments += other.comments;
    }
}

/// What one step of a job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stepped {
    /// A page done; the job goes on.
    Advanced(Progress),
    /// The last page done.
    Finished(Progress),
    /// The page failed; it is tried again from the saved state.
    Retrying,
    /// The page failed once too often: the job stopped.
    Failed,
    /// Another step got there first (a record delivered twice).
    Stale,
}

/// Followers, articles, favorites or comments read per page of a job.
const JOB_PAGE: usize = 100;

/// Transactions of a page run at the same time.
const CONCURRENCY: usize = 8;

/// How long a request waits for its first page of a job.
const AT_ONCE_BOUND: Duration = Duration::from_secs(1);

/// What a request does of a job at once: a page of followers, or of the
/// articles of the author followed (more than the 20 of a default feed page,
/// so that page is right at once after a follow).
pub const AT_ONCE: usize = 25;

/// Failed steps in a row before a job stops.
pub const MAX_ATTEMPTS: u32 = 5;

/// How long a finished job's state is kept.
const DONE_SECONDS: u64 = 86_400;

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

    /// Runs `job` from its start within `budget`, without saving where it
    /// got to: a request's first page, or a whole job run in place.
    pub async fn run(self, job: &Job, budget: Budget) -> Result<Progress, ApiError> {
        let mut cursor = Cursor::start();
        let mut progress = Progress::default();
        let mut seen = 0;
        loop {
            let n = match budget {
                Budget::First(n) if cursor.phase != Phase::Feed || seen >= n => {
                    return Ok(progress);
                }
                Budget::First(n) => (n - seen).min(JOB_PAGE),
                Budget::Until(deadline) if Instant::now() >= deadline => return Ok(progress),
                Budget::Until(_) => JOB_PAGE,
            };
            let (done, next, read) = Box::pin(self.page(job, &cursor, n)).await?;
            progress.add(done);
            seen += read;
            match next {
                Some(next) => cursor = next,
                None => {
                    progress.finished = true;
                    return Ok(progress);
                }
            }
        }
    }

    /// Starts `job` for the stream record `record`: saves its state at its
    /// start, whose own record runs its first step. The same record
    /// delivered again starts nothing; another record of the same job (a
    /// second follow after an unfollow) starts it over.
    pub async fn start(self, job: &Job, record: &str) -> Result<(), ApiError> {
        let state = JobState {
            job: job.clone(),
            cursor: Cursor::start(),
            version: 0,
            status: Some(Status::Running),
            attempts: 0,
            error: None,
            record: record.to_owned(),
            updated_at: clock::now(),
            expires_at: None,
        };
        let mut condition = Expr::new();
        let pk = condition.name(keys::PK);
        let name = condition.name("record");
        let value = condition.string(record);
        condition.and(format!("(attribute_not_exists({pk}) OR {name} <> {value})"));
        let item = job.key().item(&state)?;
        self.table()
            .put_if("start job", item, condition)
            .await
            .map(drop)
    }

    /// One step of a running job, from `state` as its record shows it: the
    /// next page, then where it got to saved (conditioned on the version
    /// read, so a step run twice saves once). A failed page is saved as an
    /// attempt, after a pause that grows with each, and tried again from
    /// the same state; the `MAX_ATTEMPTS`-th stops the job.
    pub async fn step(self, state: &JobState) -> Result<Stepped, ApiError> {
        let mut next = state.clone();
        next.version += 1;
        next.updated_at = clock::now();
        let stepped = match Box::pin(self.page(&state.job, &state.cursor, JOB_PAGE)).await {
            Ok((done, Some(cursor), _)) => {
                next.cursor = cursor;
                next.attempts = 0;
                next.error = None;
                Stepped::Advanced(done)
            }
            Ok((mut done, None, _)) => {
                next.status = None;
                next.attempts = 0;
                next.error = None;
                next.expires_at = Some(clock::epoch_seconds() + DONE_SECONDS);
                done.finished = true;
                Stepped::Finished(done)
            }
            Err(err) => {
                next.attempts = state.attempts + 1;
                next.error = Some(err.to_string());
                if next.attempts >= MAX_ATTEMPTS {
                    next.status = Some(Status::Failed);
                    tracing::error!(job = ?state.job, error = %err, "job stopped after failing");
                    Stepped::Failed
                } else {
                    let pause = Duration::from_millis(200 << next.attempts.min(5));
                    tracing::warn!(job = ?state.job, error = %err, ?pause, "job step failed; trying again");
                    tokio::time::sleep(pause).await;
                    Stepped::Retrying
                }
            }
        };
        match self.save(&next, state.version).await? {
            true => Ok(stepped),
            false => Ok(Stepped::Stale),
        }
    }

    /// Saves `state` if the stored one is still at `version`.
    async fn save(self, state: &JobState, version: u64) -> Result<bool, ApiError> {
        let mut condition = Expr::new();
        condition.and_equals("version", AttributeValue::N(version.to_string()));
        let item = state.key().item(state)?;
        Ok(self
            .table()
            .put_if("save job state", item, condition)
            .await?
            .is_ok())
    }

    /// The saved state of the job under `key`, if any.
    pub async fn state(self, key: &Key) -> Result<Option<JobState>, ApiError> {
        self.table()
            .get("get job state", key)
            .await?
            .map(from_item)
            .transpose()
    }

    /// Sets a stopped (or stuck) job running again from its saved state:
    /// the change is a stream record, and the worker takes it from there.
    pub async fn redrive(self, key: &Key) -> Result<Option<JobState>, ApiError> {
        let Some(state) = self.state(key).await? else {
            return Ok(None);
        };
        let mut next = state.clone();
        next.version += 1;
        next.status = Some(Status::Running);
        next.attempts = 0;
        next.updated_at = clock::now();
        next.expires_at = None;
        if !self.save(&next, state.version).await? {
            return Err(ApiError::Changed("job"));
        }
        Ok(Some(next))
    }

    /// Runs the job under `key` to its end from its saved state, in place,
    /// saving after each page, until done or `deadline`: what an operator
    /// does for a job that cannot wait.
    pub async fn finish(self, key: &Key, deadline: Instant) -> Result<Option<Progress>, ApiError> {
        let mut progress = Progress::default();
        while Instant::now() < deadline {
            let Some(state) = self.state(key).await? else {
                return Ok(None);
            };
            if state.status.is_none() {
                progress.finished = true;
                return Ok(Some(progress));
            }
            let mut running = state.clone();
            running.status = Some(Status::Running);
            match self.step(&running).await? {
                Stepped::Advanced(done) => progress.add(done),
                Stepped::Finished(done) => {
                    progress.add(done);
                    progress.finished = true;
                    return Ok(Some(progress));
                }
                Stepped::Retrying | Stepped::Stale => {}
                Stepped::Failed => return Ok(Some(progress)),
            }
        }
        Ok(Some(progress))
    }

    /// Jobs with this status, most recently changed first, a page of `limit`.
    pub async fn listed(self, status: Status, limit: usize) -> Result<Vec<JobState>, ApiError> {
        let mut condition = Expr::new();
        let name = condition.name(keys::JOBS_INDEX_PK);
        let value = condition.string(status.as_str());
        condition.and(format!("{name} = {value}"));
        let found = self
            .table()
            .query_index("list jobs", keys::JOBS_INDEX, condition, limit)
            .await?;
        let keys: Vec<Key> = found.iter().filter_map(Key::of).collect();
        let mut states: Vec<JobState> = self
            .table()
            .batch_get("get job states", keys)
            .await?
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        states.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
        Ok(states)
    }

    /// One page of `job` at `cursor`, of at most `n` items: what it did,
    /// where the job goes on (`None`: it is done), and how many items of
    /// the phase's list it read.
    async fn page(
        self,
        job: &Job,
        cursor: &Cursor,
        n: usize,
    ) -> Result<(Progress, Option<Cursor>, usize), ApiError> {
        match (job, cursor.phase) {
            (Job::Publish(article), Phase::Feed) => {
                // A deleted article reaches no one more: its deletion's job
                // takes out what was written, and every entry's own
                // transaction checks the article is there.
                if !self.article_exists(&article.id).await? {
                    return Ok((Progress::default(), None, 0));
                }
                let (done, next, read) =
                    self.followers_page(article, cursor, n, Change::Add).await?;
                Ok((
                    done,
                    next.map(|below| Cursor {
                        phase: Phase::Feed,
                        below: Some(below),
                    }),
                    read,
                ))
            }
            (Job::Unpublish(article), Phase::Feed) => {
                let (done, next, read) = self
                    .followers_page(article, cursor, n, Change::Unpublish)
                    .await?;
                let next = match next {
                    Some(below) => Cursor {
                        phase: Phase::Feed,
                        below: Some(below),
                    },
                    None => Cursor::at(Phase::Favorites),
                };
                Ok((done, Some(next), read))
            }
            (Job::Unpublish(article), Phase::Favorites) => {
                if self.article_exists(&article.id).await? {
                    // Not deleted (a record replayed out of order): nothing to do.
                    return Ok((Progress::default(), None, 0));
                }
                let removed = self.favorites_page(article, n).await?;
                let next = if removed.1 == 0 {
                    Cursor::at(Phase::Comments)
                } else {
                    Cursor::at(Phase::Favorites)
                };
                let done = Progress {
                    favorites: removed.0,
                    ..Progress::default()
                };
                Ok((done, Some(next), removed.1))
            }
            (Job::Unpublish(article), Phase::Comments) => {
                let removed = self.comments_page(article, n).await?;
                let done = Progress {
                    comments: removed,
                    ..Progress::default()
                };
                let next = (removed > 0).then(|| Cursor::at(Phase::Comments));
                Ok((done, next, removed))
            }
            (Job::Backfill { reader, author }, Phase::Feed) => {
                self.articles_page(reader, author, cursor, n, Change::Add)
                    .await
            }
            (Job::Purge { reader, author }, Phase::Feed) => {
                self.articles_page(reader, author, cursor, n, Change::Purge)
                    .await
            }
            // No other job has other phases.
            _ => Ok((Progress::default(), None, 0)),
        }
    }

    /// A page of an article's author's followers: a transaction per
    /// follower, which shares no item with another follower's. Where the
    /// walk goes on, unless it is done.
    async fn followers_page(
        self,
        article: &Published,
        cursor: &Cursor,
        n: usize,
        change: Change,
    ) -> Result<(Progress, Option<String>, usize), ApiError> {
        let (pk, prefix) = keys::followers_of(&article.author_id);
        let mut walk = resume(Walk::new(pk, prefix), cursor);
        let items = walk.next(self.table(), "list followers", n).await?;
        let readers: Vec<String> = items
            .iter()
            .filter_map(Key::of)
            .filter_map(|key| keys::follower_of(&key.sk).map(str::to_owned))
            .collect();
        let feed = self.store().feed();
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
        let done = Progress {
            changed: changed.into_iter().filter(|c| *c).count(),
            ..Progress::default()
        };
        let next = (!walk.done())
            .then(|| walk.below().map(str::to_owned))
            .flatten();
        Ok((done, next, items.len()))
    }

    /// A page of one author's articles in one reader's feed: the entries go
    /// together, up to `feed::ENTRIES_PER_TRANSACTION` to a transaction,
    /// since they share the reader's count and follow.
    async fn articles_page(
        self,
        reader: &str,
        author: &str,
        cursor: &Cursor,
        n: usize,
        change: Change,
    ) -> Result<(Progress, Option<Cursor>, usize), ApiError> {
        let list = keys::articles_by_author(author);
        let mut walk = resume(Walk::new(list.pk.clone(), list.prefix), cursor);
        let items = walk
            .next(self.table(), "list articles of author", n)
            .await?;
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
        let feed = self.store().feed();
        let entries = keys::feed(reader);
        let entry = |article: &Published| entries.entry(&article.position());
        let todo = feed.to_change(&articles, entry, change).await?;
        let mut done = Progress::default();
        for chunk in todo.chunks(super::feed::ENTRIES_PER_TRANSACTION) {
            match feed.change_entries(reader, author, chunk, change).await? {
                Some(changed) => done.changed += changed,
                // The follow changed meanwhile: its own job takes over.
                None => return Ok((done, None, items.len())),
            }
        }
        let next = match walk.below() {
            Some(below) if !walk.done() => Some(Cursor {
                phase: Phase::Feed,
                below: Some(below.to_owned()),
            }),
            _ => None,
        };
        Ok((done, next, items.len()))
    }

    /// Removes a page of a deleted article's favorites (removed ones are
    /// gone from the next read, so the first page is always the next):
    /// how many this run removed, and how many it read.
    async fn favorites_page(
        self,
        article: &Published,
        n: usize,
    ) -> Result<(usize, usize), ApiError> {
        let (pk, prefix) = keys::favorites_of_article(&article.id);
        let page = Walk::new(pk, prefix)
            .next(self.table(), "list favorites of deleted article", n)
            .await?;
        let read = page.len();
        let removed: Vec<bool> = stream::iter(page)
            .map(|item| self.remove_favorite(article, item))
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        Ok((removed.into_iter().filter(|r| *r).count(), read))
    }

    /// Deletes a page of a deleted article's comments; how many.
    async fn comments_page(self, article: &Published, n: usize) -> Result<usize, ApiError> {
        let (pk, prefix) = keys::comments_of_article(&article.id);
        let page = Walk::new(pk, prefix)
            .next(self.table(), "list comments of deleted article", n)
            .await?;
        let keys: Vec<Key> = page.iter().filter_map(Key::of).collect();
        self.table()
            .delete_all("remove comments of deleted article", &keys)
            .await?;
        Ok(keys.len())
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
                &article.author_id,
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
        self.store().articles().exists(id).await
    }
}

/// `walk`, going on below where `cursor` got to.
fn resume(walk: Walk, cursor: &Cursor) -> Walk {
    match &cursor.below {
        Some(below) => walk.from(crate::table::Bound::Below(below.clone())),
        None => walk,
    }
}

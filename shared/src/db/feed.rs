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
//! stream worker does the whole job from the write's stream record. Every
//! step is one small transaction conditioned on what makes the entry right
//! (the entry absent or present, the follow and the article there or gone),
//! and the counts change with the entries in it, so the job can be run
//! twice, or at once by the request and the worker, and the feed and its
//! count stay exact. Entries already right are found with one batched read
//! per page before anything is written, so a rerun costs reads only.

use std::{collections::HashSet, time::Instant};

use futures::{StreamExt, TryStreamExt, stream};

use crate::ApiError;

use super::{
    Db, Expr, Page, SortKeys, UpdateExpr,
    articles::{ArticlePage, ArticleRecord},
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
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    /// The first this many followers or articles: what a request does at once.
    First(usize),
    /// Everything, page by page, until this instant: the stream worker.
    Until(Instant),
}

impl Budget {
    fn allows(&self, done: usize) -> Option<usize> {
        match self {
            Budget::First(n) => (done < *n).then(|| (*n - done).min(JOB_PAGE)),
            Budget::Until(deadline) => (Instant::now() < *deadline).then_some(JOB_PAGE),
        }
    }
}

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

/// What a request does of a job at once: a page of followers, or of the
/// articles of the author followed (more than the 20 of a default feed page,
/// so that page is right at once after a follow).
pub const AT_ONCE: usize = 25;

/// What a job does to each entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Write it, while the reader follows the author and the article exists.
    Add,
    /// Remove it: the article is gone.
    Unpublish,
    /// Remove it unless the reader follows the author again (an unfollow).
    Purge,
}

impl Db {
    /// A page of `reader`'s feed, newest first, and its total.
    pub async fn feed(&self, reader: &str, page: &Page) -> Result<ArticlePage, ApiError> {
        let lists = [keys::feed(reader)];
        let listed = self.list_page("feed", &lists, page);
        let counts = self.user_counts(reader);
        let (listed, counts) = futures::try_join!(listed, counts)?;
        self.article_page(listed, counts.feed()).await
    }

    /// Runs `job` within `budget`.
    pub async fn run(&self, job: &Job, budget: Budget) -> Result<Progress, ApiError> {
        match job {
            Job::Publish(article) => self.publish(article, budget).await,
            Job::Unpublish(article) => self.unpublish(article, budget).await,
            Job::Backfill { reader, author } => self.backfill(reader, author, budget).await,
            Job::Purge { reader, author } => self.purge(reader, author, budget).await,
        }
    }

    /// The first page of `job`, as the request that caused it does it. The
    /// write it follows has committed and the stream worker runs the whole
    /// job from its record, so a failure here is logged, not answered.
    pub async fn run_at_once(&self, job: &Job) {
        if let Err(err) = self.run(job, Budget::First(AT_ONCE)).await {
            tracing::warn!(?job, error = %err, "feed update left to the stream worker");
        }
    }

    /// Adds a new article to the feeds of its author's followers.
    pub async fn publish(&self, article: &Published, budget: Budget) -> Result<Progress, ApiError> {
        self.over_followers(article, budget, Change::Add).await
    }

    /// Takes a deleted article out of the feeds of its author's followers.
    pub async fn unpublish(
        &self,
        article: &Published,
        budget: Budget,
    ) -> Result<Progress, ApiError> {
        self.over_followers(article, budget, Change::Unpublish)
            .await
    }

    /// Adds `author`'s articles to `reader`'s feed, newest first: `reader`
    /// has just followed `author`.
    pub async fn backfill(
        &self,
        reader: &str,
        author: &str,
        budget: Budget,
    ) -> Result<Progress, ApiError> {
        self.over_articles(reader, author, budget, Change::Add)
            .await
    }

    /// Takes `author`'s articles out of `reader`'s feed: `reader` has
    /// stopped following `author`.
    pub async fn purge(
        &self,
        reader: &str,
        author: &str,
        budget: Budget,
    ) -> Result<Progress, ApiError> {
        self.over_articles(reader, author, budget, Change::Purge)
            .await
    }

    /// One article, every follower of its author.
    async fn over_followers(
        &self,
        article: &Published,
        budget: Budget,
        change: Change,
    ) -> Result<Progress, ApiError> {
        let (pk, prefix) = keys::followers_of(&article.author_id);
        let pair = |key: &Key| {
            let reader = keys::follower_of(&key.sk)?;
            Some((reader.to_owned(), article.clone()))
        };
        self.job(
            Pager::new(pk, prefix),
            "list followers",
            budget,
            change,
            pair,
        )
        .await
    }

    /// One reader, every article of one author.
    async fn over_articles(
        &self,
        reader: &str,
        author: &str,
        budget: Budget,
        change: Change,
    ) -> Result<Progress, ApiError> {
        let list = keys::articles_by_author(author);
        let pair = |key: &Key| {
            let position = list.position_of(&key.sk)?;
            let article = Published {
                id: position.article_id().to_owned(),
                author_id: author.to_owned(),
                created_at: position.created_at().to_owned(),
            };
            Some((reader.to_owned(), article))
        };
        let pages = Pager::new(list.pk.clone(), list.prefix);
        self.job(pages, "list articles of author", budget, change, pair)
            .await
    }

    /// Reads `pages` within `budget` and applies `change` to the entry each
    /// item read names (through `pair`).
    async fn job(
        &self,
        mut pages: Pager,
        operation: &'static str,
        budget: Budget,
        change: Change,
        pair: impl Fn(&Key) -> Option<(String, Published)>,
    ) -> Result<Progress, ApiError> {
        let mut progress = Progress::default();
        let mut seen = 0;
        while let Some(n) = budget.allows(seen) {
            let keys = pages.next(self, operation, n).await?;
            seen += keys.len();
            let pairs: Vec<(String, Published)> = keys.iter().filter_map(&pair).collect();
            progress.changed += self.apply_to_entries(&pairs, change).await?;
            if pages.done {
                progress.finished = true;
                break;
            }
        }
        Ok(progress)
    }

    /// Makes each (reader, article) entry present or absent; how many changed.
    async fn apply_to_entries(
        &self,
        pairs: &[(String, Published)],
        change: Change,
    ) -> Result<usize, ApiError> {
        if pairs.is_empty() {
            return Ok(0);
        }
        let entry =
            |(reader, article): &(String, Published)| keys::feed(reader).entry(&article.position());
        let present: HashSet<Key> = self
            .batch_get("get feed entries", pairs.iter().map(entry).collect())
            .await?
            .iter()
            .filter_map(Key::of)
            .collect();
        let todo: Vec<(String, Published)> = pairs
            .iter()
            .filter(|pair| present.contains(&entry(pair)) != (change == Change::Add))
            .cloned()
            .collect();
        let changed: Vec<bool> =
            stream::iter(todo)
                .map(|(reader, article)| async move {
                    self.change_entry(&reader, &article, change).await
                })
                .buffer_unordered(CONCURRENCY)
                .try_collect()
                .await?;
        Ok(changed.into_iter().filter(|c| *c).count())
    }

    /// One entry and the reader's count, in one transaction; false when the
    /// entry was already as wanted or is no longer wanted.
    async fn change_entry(
        &self,
        reader: &str,
        article: &Published,
        change: Change,
    ) -> Result<bool, ApiError> {
        let entry = keys::feed(reader).entry(&article.position());
        let follow = keys::follow(reader, &article.author_id);
        let items = match change {
            // Only while the reader follows the author and the article is
            // there: an unfollow or a deletion that lands first wins, and the
            // job that undoes it (which runs after it) finds nothing to undo.
            Change::Add => vec![
                self.put(entry.to_map(), Some(Expr::not_exists(keys::PK))),
                self.update(
                    &keys::user_counts(reader),
                    UpdateExpr::new().add("feed_count", 1).condition(|c| {
                        c.and_exists(keys::PK);
                    }),
                ),
                self.condition_check(&follow, Expr::exists(keys::PK)),
                self.condition_check(&keys::comment_sequence(&article.id), Expr::exists(keys::PK)),
            ],
            Change::Unpublish | Change::Purge => {
                let mut items = vec![
                    self.delete(&entry, Some(Expr::exists(keys::PK))),
                    self.update(
                        &keys::user_counts(reader),
                        UpdateExpr::new().add("feed_count", -1).condition(|c| {
                            c.and_exists(keys::PK);
                        }),
                    ),
                ];
                if change == Change::Purge {
                    items.push(self.condition_check(&follow, Expr::not_exists(keys::PK)));
                }
                items
            }
        };
        Ok(self.transact("change feed entry", items).await?.is_ok())
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

//! Pages of the article lists: one list, or several merged (the
//! all-articles shards), newest first, from an offset or after a position
//! a client sent back as a cursor, with the list's count.
//!
//! A page reads what it returns and what it skips, never more: each list is
//! walked lazily, a chunk at a time, and only while its next entry could
//! still be among the newest. A cursor costs one page wherever it points; an
//! offset costs the entries it skips (the offset is bounded, see
//! `validate::OFFSET_MAX`).

use std::collections::VecDeque;

use serde::Deserialize;

use crate::{
    ground::{
        error::ApiError,
        keys::{self, Item, Key, List, Position},
    },
    table::{Bound, Walk, from_item},
};

use super::{
    Lists,
    records::{ArticleRecord, UserRecord},
};

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// After skipping this many of the newest entries.
    Offset(usize),
    /// Just after (older than) this position: a cursor.
    After(Position),
}

/// One page's bounds, as a client asked for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub start: Start,
    pub limit: usize,
}

/// A page of positions, newest first, and where the next page starts (none
/// when this page reaches the end of the list).
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub positions: Vec<Position>,
    pub next: Option<Position>,
}

/// Which articles a list shows. Users are passed resolved.
pub enum ArticleFilter<'a> {
    All,
    Author(&'a UserRecord),
    Tag(&'a str),
    FavoritedBy(&'a UserRecord),
}

/// A page of articles, as stored.
pub struct ArticlePage {
    pub articles: Vec<ArticleRecord>,
    /// All matches, not just this page's.
    pub count: u64,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Position>,
}

/// One list being read: what is buffered, and how far it has been walked.
struct Source {
    list: List,
    walk: Walk,
    buffer: VecDeque<Position>,
}

/// Entries read per query when a chunk would be smaller: a query costs the
/// same for a few ~100-byte entries as for one.
const MIN_CHUNK: usize = 8;

impl Lists<'_> {
    /// A page of a list, newest first, and the list's total.
    pub async fn articles(
        self,
        filter: &ArticleFilter<'_>,
        page: &Page,
    ) -> Result<ArticlePage, ApiError> {
        let lists: Vec<List> = match filter {
            ArticleFilter::All => keys::all_articles(),
            ArticleFilter::Author(user) => vec![keys::articles_by_author(&user.id)],
            ArticleFilter::Tag(tag) => vec![keys::articles_by_tag(tag)],
            ArticleFilter::FavoritedBy(user) => vec![keys::articles_favorited_by(&user.id)],
        };
        let listed = self.page("list articles", &lists, page);
        let count = self.count(filter);
        let (listed, count) = futures::try_join!(listed, count)?;
        self.heads(listed, count).await
    }

    /// The articles a page of positions names, with the list's total.
    pub(crate) async fn heads(self, listed: Listed, count: u64) -> Result<ArticlePage, ApiError> {
        let ids: Vec<String> = listed
            .positions
            .iter()
            .map(|p| p.article_id().to_owned())
            .collect();
        Ok(ArticlePage {
            articles: self.store().articles().by_ids(&ids).await?,
            count,
            next: listed.next,
        })
    }

    async fn count(self, filter: &ArticleFilter<'_>) -> Result<u64, ApiError> {
        #[derive(Deserialize)]
        struct Counter {
            #[serde(default, alias = "uses")]
            count: i64,
        }
        let total = |items: Vec<Item>| -> Result<u64, ApiError> {
            let mut sum = 0;
            for item in items {
                sum += from_item::<Counter>(item)?.count;
            }
            Ok(u64::try_from(sum).unwrap_or(0))
        };
        let users = self.store().users();
        match filter {
            ArticleFilter::All => total(
                self.table()
                    .batch_get("count articles", keys::article_counters())
                    .await?,
            ),
            ArticleFilter::Tag(tag) => total(
                self.table()
                    .get("count tag", &keys::tag_counter(tag))
                    .await?
                    .into_iter()
                    .collect(),
            ),
            ArticleFilter::Author(user) => Ok(users.counts(&user.id).await?.articles()),
            ArticleFilter::FavoritedBy(user) => Ok(users.counts(&user.id).await?.favorites()),
        }
    }

    /// The page of `lists`, merged newest first, that `page` asks for.
    pub(crate) async fn page(
        self,
        operation: &'static str,
        lists: &[List],
        page: &Page,
    ) -> Result<Listed, ApiError> {
        let (skip, after) = match &page.start {
            Start::Offset(n) => (*n, None),
            Start::After(position) => (0, Some(position)),
        };
        // One entry past the page says whether another page follows.
        let wanted = skip + page.limit + 1;
        let mut sources: Vec<Source> = lists
            .iter()
            .map(|list| {
                let start = match after {
                    Some(position) => Bound::Below(list.entry(position).sk),
                    None => Bound::Top,
                };
                Source {
                    walk: Walk::new(list.pk.clone(), list.prefix).from(start),
                    list: list.clone(),
                    buffer: VecDeque::new(),
                }
            })
            .collect();
        let mut merged = Vec::with_capacity(wanted);
        while merged.len() < wanted {
            // Every list that may still hold the next entry must show its
            // newest unread one before any entry is taken.
            let missing = wanted - merged.len();
            let chunk = if sources.len() == 1 {
                missing
            } else {
                missing.div_ceil(sources.len()).max(MIN_CHUNK).min(missing)
            };
            let table = self.table();
            let refills = sources
                .iter_mut()
                .filter(|s| s.buffer.is_empty() && !s.walk.done())
                .map(|source| async move {
                    let items = source.walk.next(table, operation, chunk).await?;
                    source.buffer.extend(
                        items
                            .iter()
                            .filter_map(Key::of)
                            .filter_map(|key| source.list.position_of(&key.sk)),
                    );
                    Ok::<_, ApiError>(())
                });
            futures::future::try_join_all(refills).await?;
            let newest = sources
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.buffer.front().map(|p| (i, p)))
                .max_by(|a, b| a.1.cmp(b.1))
                .map(|(i, _)| i);
            let Some(i) = newest else { break };
            if let Some(position) = sources[i].buffer.pop_front() {
                merged.push(position);
            }
        }
        let more = merged.len() > skip + page.limit;
        let positions: Vec<Position> = merged.into_iter().skip(skip).take(page.limit).collect();
        let next = if more {
            positions.last().cloned()
        } else {
            None
        };
        Ok(Listed { positions, next })
    }
}

//! Pages of the article lists: one list, or several merged (the
//! all-articles shards), newest first, from an offset or after a position
//! a client sent back as a cursor, with the list's count. A page is two
//! round trips: the list's query (a query per shard, at once), then one
//! read of the page's articles, authors, the viewer's favorites and
//! follows, and the count ([`super::pages`]).
//!
//! A page reads what it returns and what it skips, never more: each list is
//! walked lazily, a chunk at a time, and only while its next entry could
//! still be among the newest. A cursor costs one page wherever it points; an
//! offset costs the entries it skips (the offset is bounded, see
//! `validate::OFFSET_MAX`).

use std::collections::VecDeque;

use crate::{
    ground::{
        error::ApiError,
        keys::{self, Item, Key, List, Position},
    },
    table::{Bound, Walk, number},
};

use super::{
    Lists,
    pages::{Ask, Shown, Viewer},
    records::{CountOf, Shows},
    users::Counter,
};

/// A text attribute of an item.
fn text(item: &Item, attr: &str) -> Option<String> {
    item.get(attr)?.as_s().ok().cloned()
}

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

/// A page of entries, newest first, and where the next page starts (none
/// when this page reaches the end of the list).
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub entries: Vec<Shows>,
    pub next: Option<Position>,
}

/// What a read-back entry of `list` says: the article's place and author,
/// and, on an all-articles entry, its share of the favorites count.
fn entry(list: &List, item: &Item) -> Option<Shows> {
    let key = Key::of(item)?;
    let position = list.position_of(&key.sk)?;
    let counted =
        keys::all_articles_entry_of(&key).map(|_| number(item, keys::FAVORITES).unwrap_or(0));
    Some(Shows {
        position,
        author_id: text(item, keys::ENTRY_AUTHOR)?,
        counted,
    })
}

/// Which articles a list shows. Users are passed by id.
pub enum ArticleFilter<'a> {
    All,
    Author(&'a str),
    Tag(&'a str),
    FavoritedBy(&'a str),
}

/// One list being read: what is buffered, and how far it has been walked.
struct Source {
    list: List,
    walk: Walk,
    buffer: VecDeque<Shows>,
}

/// Entries read per query when a chunk would be smaller: a query is billed
/// by the 4 KB, which holds a few dozen ~100-byte entries, so reading this
/// many from each shard costs no more than reading a few, and a page of
/// the default size never needs a second query of a shard, however its
/// articles fall among them.
const MIN_CHUNK: usize = 24;

impl Lists<'_> {
    /// A page of a list as `viewer` sees it, newest first, with the list's
    /// total: the list's query (each shard's, at once for all articles),
    /// then one read of everything the page shows.
    pub async fn articles(
        self,
        filter: &ArticleFilter<'_>,
        page: &Page,
        viewer: Option<&Viewer>,
    ) -> Result<Shown, ApiError> {
        let lists: Vec<List> = match filter {
            ArticleFilter::All => keys::all_articles(),
            ArticleFilter::Author(user) => vec![keys::articles_by_author(user)],
            ArticleFilter::Tag(tag) => vec![keys::articles_by_tag(tag)],
            ArticleFilter::FavoritedBy(user) => vec![keys::articles_favorited_by(user)],
        };
        let count = match filter {
            ArticleFilter::All => CountOf {
                keys: keys::article_counters(),
                attr: "count",
            },
            ArticleFilter::Tag(tag) => CountOf {
                keys: vec![keys::tag_counter(tag)],
                attr: keys::TAGS_INDEX_SK,
            },
            ArticleFilter::Author(user) => Counter::Articles.of(user),
            ArticleFilter::FavoritedBy(user) => Counter::Favorites.of(user),
        };
        let listed = self.page("list articles", &lists, page).await?;
        self.show(listed, count, viewer).await
    }

    /// `listed` as `viewer` sees it, with the count `count` keeps.
    pub(crate) async fn show(
        self,
        listed: Listed,
        count: CountOf,
        viewer: Option<&Viewer>,
    ) -> Result<Shown, ApiError> {
        let read = self
            .store()
            .read(Ask {
                viewer,
                articles: &listed.entries,
                extra: count.keys.clone(),
                ..Ask::default()
            })
            .await?;
        Ok(Shown {
            articles: read.articles,
            count: count.in_items(&read.extra),
            next: listed.next,
            context: read.context,
        })
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
                    source
                        .buffer
                        .extend(items.iter().filter_map(|item| entry(&source.list, item)));
                    Ok::<_, ApiError>(())
                });
            futures::future::try_join_all(refills).await?;
            let newest = sources
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.buffer.front().map(|e| (i, &e.position)))
                .max_by(|a, b| a.1.cmp(b.1))
                .map(|(i, _)| i);
            let Some(i) = newest else { break };
            if let Some(entry) = sources[i].buffer.pop_front() {
                merged.push(entry);
            }
        }
        let more = merged.len() > skip + page.limit;
        let entries: Vec<Shows> = merged.into_iter().skip(skip).take(page.limit).collect();
        let next = if more {
            entries.last().map(|e| e.position.clone())
        } else {
            None
        };
        Ok(Listed { entries, next })
    }
}

//! Reading pages of article lists: one list, or several merged (the
//! all-articles shards), newest first, from an offset or after a position
//! a client sent back as a cursor.
//!
//! A page reads what it returns and what it skips, never more: each list is
//! read lazily, a chunk at a time, and only while its next entry could
//! still be among the newest. A cursor costs one page wherever it points; an
//! offset costs the entries it skips (the offset is bounded, see
//! `validate::OFFSET_MAX`).

use std::collections::VecDeque;

use crate::ApiError;

use super::{
    Db, SortKeys,
    keys::{Key, List, Position},
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

impl Page {
    pub fn first(limit: usize) -> Self {
        Self {
            start: Start::Offset(0),
            limit,
        }
    }
}

/// A page of positions, newest first, and where the next page starts (none
/// when this page reaches the end of the list).
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub positions: Vec<Position>,
    pub next: Option<Position>,
}

/// One list being read: what is buffered, and how far it has been read.
struct Source {
    list: List,
    buffer: VecDeque<Position>,
    /// The sort key of the oldest entry read so far (or of the cursor).
    below: Option<String>,
    exhausted: bool,
}

/// Entries read per query when a chunk would be smaller: a query costs the
/// same for a few ~100-byte entries as for one.
const MIN_CHUNK: usize = 8;

impl Db {
    /// The page of `lists`, merged newest first, that `page` asks for.
    pub(crate) async fn list_page(
        &self,
        operation: &'static str,
        lists: &[List],
        page: &Page,
    ) -> Result<Listed, ApiError> {
        let (skip, below) = match &page.start {
            Start::Offset(n) => (*n, None),
            Start::After(position) => (0, Some(position.clone())),
        };
        // One entry past the page says whether another page follows.
        let wanted = skip + page.limit + 1;
        let mut sources: Vec<Source> = lists
            .iter()
            .map(|list| Source {
                list: list.clone(),
                buffer: VecDeque::new(),
                below: below.as_ref().map(|p| list.entry(p).sk),
                exhausted: false,
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
            let refills = sources
                .iter_mut()
                .filter(|s| s.buffer.is_empty() && !s.exhausted)
                .map(|source| self.refill(operation, source, chunk));
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

    /// Reads the next `chunk` entries of one list, older than what it has read.
    async fn refill(
        &self,
        operation: &'static str,
        source: &mut Source,
        chunk: usize,
    ) -> Result<(), ApiError> {
        let list = &source.list;
        let (items, asked) = match &source.below {
            None => (
                self.query(operation, &list.pk, SortKeys::Prefix(list.prefix), chunk)
                    .await?,
                chunk,
            ),
            // Both ends are included, so the entry at `below` itself (if it
            // is still there) comes first and is dropped.
            Some(below) => (
                self.query(
                    operation,
                    &list.pk,
                    SortKeys::Between(list.prefix, below),
                    chunk + 1,
                )
                .await?,
                chunk + 1,
            ),
        };
        source.exhausted = items.len() < asked;
        for item in &items {
            let Some(key) = Key::of(item) else { continue };
            if source.below.as_ref().is_some_and(|b| key.sk >= *b) {
                continue;
            }
            if let Some(position) = list.position_of(&key.sk) {
                source.buffer.push_back(position);
            }
            source.below = Some(key.sk);
        }
        if source.buffer.is_empty() {
            // Nothing readable was found (a list never holds anything else
            // under its prefix): stop rather than ask again.
            source.exhausted = true;
        }
        Ok(())
    }
}

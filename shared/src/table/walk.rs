//! Walking a partition: the items under one sort-key prefix, newest
//! (highest sort key) first, a page at a time, each page a strongly
//! consistent query that reads what it returns. Every paged read of the API
//! goes through it: list pages, feed jobs, comments, a deleted article's
//! cleanup. A walk can start below any sort key (a cursor, a checkpoint),
//! so a page costs the same wherever it starts.

use crate::ground::{
    error::ApiError,
    keys::{Item, SK},
};

use super::Table;

/// Where a walk goes on from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    /// The newest item under the prefix.
    Top,
    /// Items older than this sort key, which is not returned.
    Below(String),
    /// Items from this sort key on, itself included.
    AtMost(String),
}

#[derive(Debug, Clone)]
pub struct Walk {
    pk: String,
    prefix: String,
    next: Bound,
    done: bool,
    max_bytes: usize,
}

impl Walk {
    pub fn new(pk: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            prefix: prefix.into(),
            next: Bound::Top,
            done: false,
            max_bytes: usize::MAX,
        }
    }

    /// The same walk, each page stopping once it has read `bytes` of items
    /// (past them by at most one of DynamoDB's 1 MB pages), so a page of
    /// large items costs what a page of small ones does.
    pub fn within_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The same walk, going on from `bound`.
    pub fn from(mut self, bound: Bound) -> Self {
        self.next = bound;
        self
    }

    /// The sort key of the last item returned (or of the start bound),
    /// below which the next page starts: what a checkpoint saves.
    pub fn below(&self) -> Option<&str> {
        match &self.next {
            Bound::Below(sk) => Some(sk),
            _ => None,
        }
    }

    /// Whether the last page reached the end of the partition's range.
    pub fn done(&self) -> bool {
        self.done
    }

    /// The next `n` items (fewer at the end, when `done` turns true).
    pub async fn next(
        &mut self,
        table: &Table,
        operation: &'static str,
        n: usize,
    ) -> Result<Vec<Item>, ApiError> {
        if self.done || n == 0 {
            return Ok(Vec::new());
        }
        let (high, asked) = match &self.next {
            Bound::Top => (None, n),
            // Both ends of a range are included, so the item at the bound
            // itself (if it is still there) comes first and is dropped.
            Bound::Below(sk) => (Some(sk.as_str()), n + 1),
            Bound::AtMost(sk) => (Some(sk.as_str()), n),
        };
        let (mut items, cut) = table
            .query_range(
                operation,
                &self.pk,
                &self.prefix,
                high,
                asked,
                self.max_bytes,
            )
            .await?;
        self.done = items.len() < asked && !cut;
        if let Bound::Below(below) = &self.next {
            items.retain(|item| sort_key(item).is_some_and(|sk| sk < below.as_str()));
        }
        if items.len() > n {
            items.truncate(n);
            self.done = false;
        }
        match items.last().and_then(sort_key) {
            Some(last) => self.next = Bound::Below(last.to_owned()),
            // Nothing readable under the prefix: stop rather than ask again.
            None => self.done = true,
        }
        Ok(items)
    }
}

fn sort_key(item: &Item) -> Option<&str> {
    item.get(SK)?.as_s().ok().map(String::as_str)
}

//! What a deleted article leaves behind, removed in the background.
//!
//! Deleting an article removes everything a reader can reach in one
//! transaction. Its favorites (each with the favoriter's list entry and count)
//! and its comments can outnumber any transaction, so the stream worker
//! (`functions/stream-worker`) removes them from the deletion's stream
//! record, a page at a time. Nothing can add to them meanwhile: favorites and
//! comments are conditioned on the article existing.
//!
//! Every step is idempotent, so a record delivered twice, or a run cut short
//! and retried, changes nothing more: a favorite's removal and its counter
//! decrement are one transaction conditioned on the favorite still being
//! there, and deleting a comment that is gone is no error.

use std::time::Instant;

use futures::{StreamExt, TryStreamExt, stream};
use serde::Deserialize;

use crate::ApiError;

use super::{Db, Expr, Item, UpdateExpr, favorites::Favorite, from_item, keys};

/// The fields of a deleted article's stream image that its cleanup needs.
#[derive(Debug, Clone)]
pub struct DeletedArticle {
    pub id: String,
    pub created_at: String,
}

impl DeletedArticle {
    /// The article a stream record's old image holds; `None` for any other item.
    pub fn from_image(image: serde_dynamo::Item) -> Option<Self> {
        #[derive(Deserialize)]
        struct Image {
            sk: String,
            id: String,
            created_at: String,
        }
        let image: Image = serde_dynamo::from_item(image).ok()?;
        (image.sk == keys::ARTICLE_SK).then_some(Self {
            id: image.id,
            created_at: image.created_at,
        })
    }
}

/// What one run removed, and whether anything is left.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cleanup {
    pub favorites: usize,
    pub comments: usize,
    /// False when the deadline came first: run again to go on.
    pub finished: bool,
}

/// Items read per page: one page's writes fit well inside a run.
const PAGE: usize = 100;

/// Favorites removed at the same time (each is its own small transaction).
const CONCURRENCY: usize = 8;

impl Db {
    /// Removes the deleted article's favorites and comments, a page at a
    /// time, until none is left or `deadline` has passed.
    pub async fn clean_up_article(
        &self,
        article: &DeletedArticle,
        deadline: Instant,
    ) -> Result<Cleanup, ApiError> {
        let mut done = Cleanup::default();
        if self.get_article(&article.id).await?.is_some() {
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
            let page = self
                .query_prefix("list favorites of deleted article", &pk, prefix, PAGE)
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
            let page = self
                .query_prefix("list comments of deleted article", &pk, prefix, PAGE)
                .await?;
            if page.is_empty() {
                break;
            }
            let keys: Vec<keys::Key> = page.iter().filter_map(keys::Key::of).collect();
            done.comments += keys.len();
            self.batch_delete("remove comments of deleted article", keys)
                .await?;
        }
        done.finished = true;
        Ok(done)
    }

    /// Removes one favorite with its list entry and the favoriter's count;
    /// false if another run removed it first.
    async fn remove_favorite(
        &self,
        article: &DeletedArticle,
        item: Item,
    ) -> Result<bool, ApiError> {
        let favorite: Favorite = from_item(item)?;
        let mut items = vec![
            self.delete(
                &keys::favorite(&article.id, &favorite.user_id),
                Some(Expr::exists(keys::PK)),
            ),
            self.delete(
                &keys::articles_favorited_by(&favorite.user_id)
                    .entry(&keys::Position::new(&article.created_at, &article.id)),
                None,
            ),
            self.update(
                &keys::user_counts(&favorite.user_id),
                UpdateExpr::new().add("favorites_count", -1).condition(|c| {
                    c.and_exists(keys::PK);
                }),
            ),
        ];
        match self
            .transact("remove favorite of deleted article", items.clone())
            .await?
        {
            Ok(()) => return Ok(true),
            Err(cancelled) if cancelled.failed(0) => return Ok(false),
            Err(cancelled) if cancelled.failed(2) => {}
            Err(cancelled) => {
                return Err(ApiError::internal(format!(
                    "favorite cleanup: {cancelled:?}"
                )));
            }
        }
        // The favoriter is gone: there is no count to correct, and none to create.
        items.pop();
        match self
            .transact("remove favorite of deleted article", items)
            .await?
        {
            Ok(()) => Ok(true),
            Err(cancelled) if cancelled.failed(0) => Ok(false),
            Err(cancelled) => Err(ApiError::internal(format!(
                "favorite cleanup: {cancelled:?}"
            ))),
        }
    }
}

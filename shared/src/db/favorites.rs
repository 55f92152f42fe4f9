//! Favorites. A favorite is two items written together: one in the article's
//! partition (so "did this user favorite it" is a key lookup and deletion can
//! find them all) and one in the user's partition (the `favorited=` list),
//! plus the two counters, all in one transaction. Both counters must exist
//! (`attribute_exists`): a favorite never outlives its article's deletion,
//! and a token for a missing user never creates a counter.
//!
//! The article's count is sharded (`keys::FAVORITE_SHARDS` items, summed on
//! read): each favorite adds to one shard at random, so a popular article's
//! favorites are spread over several items rather than held to one item's
//! write ceiling. An unfavorite takes from any shard; only the sum is a
//! count.

use serde::{Deserialize, Serialize};

use crate::ApiError;

use super::{Db, Expr, UpdateExpr, articles::ArticleRecord, keys};

/// A shard picked at random, so concurrent favorites of one article rarely
/// meet on one item.
fn any_shard(article_id: &str) -> keys::Key {
    let random = uuid::Uuid::new_v4().as_u128() as u32;
    keys::favorites_shard(article_id, random % keys::FAVORITE_SHARDS)
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Favorite {
    pub(crate) user_id: String,
    pub(crate) article_id: String,
}

impl Db {
    /// Favorites the article for `user_id`. Favoriting twice changes nothing.
    pub async fn favorite(&self, article: &ArticleRecord, user_id: &str) -> Result<(), ApiError> {
        let favorite = Favorite {
            user_id: user_id.to_owned(),
            article_id: article.id.clone(),
        };
        let items = vec![
            self.put(
                keys::favorite(&article.id, user_id).item(&favorite)?,
                Some(Expr::not_exists(keys::PK)),
            ),
            self.put(
                keys::articles_favorited_by(user_id)
                    .entry(&article.position())
                    .to_map(),
                None,
            ),
            self.update(
                &any_shard(&article.id),
                UpdateExpr::new().add("favorites", 1).condition(|c| {
                    c.and_exists(keys::PK);
                }),
            ),
            self.update(
                &keys::user_counts(user_id),
                UpdateExpr::new().add("favorites_count", 1).condition(|c| {
                    c.and_exists(keys::PK);
                }),
            ),
        ];
        match self.transact("favorite", items).await? {
            Ok(()) => Ok(()),
            Err(cancelled) if cancelled.failed(3) => Err(ApiError::token_invalid()),
            Err(cancelled) if cancelled.failed(2) => Err(ApiError::NotFound("article")),
            Err(cancelled) if cancelled.failed(0) => Ok(()),
            Err(cancelled) => Err(ApiError::internal(format!("favorite: {cancelled:?}"))),
        }
    }

    /// Removes the favorite; unfavoriting what was not favorited changes nothing.
    pub async fn unfavorite(&self, article: &ArticleRecord, user_id: &str) -> Result<(), ApiError> {
        let items = vec![
            self.delete(
                &keys::favorite(&article.id, user_id),
                Some(Expr::exists(keys::PK)),
            ),
            self.delete(
                &keys::articles_favorited_by(user_id).entry(&article.position()),
                None,
            ),
            self.update(
                &any_shard(&article.id),
                UpdateExpr::new().add("favorites", -1).condition(|c| {
                    c.and_exists(keys::PK);
                }),
            ),
            self.update(
                &keys::user_counts(user_id),
                UpdateExpr::new().add("favorites_count", -1).condition(|c| {
                    c.and_exists(keys::PK);
                }),
            ),
        ];
        match self.transact("unfavorite", items).await? {
            Ok(()) => Ok(()),
            Err(cancelled) if cancelled.failed(3) => Err(ApiError::token_invalid()),
            Err(cancelled) if cancelled.failed(2) => Err(ApiError::NotFound("article")),
            Err(cancelled) if cancelled.failed(0) => Ok(()),
            Err(cancelled) => Err(ApiError::internal(format!("unfavorite: {cancelled:?}"))),
        }
    }
}

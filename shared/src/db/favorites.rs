//! Favorites. A favorite is two items written together: one in the article's
//! partition (so "did this user favorite it" is a key lookup and deletion can
//! find them all) and one in the user's partition (the `favorited=` list),
//! plus the two counters, all in one transaction. The user's counter must
//! exist (`attribute_exists`): a token for a missing user never creates one.

use serde::{Deserialize, Serialize};

use crate::ApiError;

use super::{Db, Expr, UpdateExpr, articles::ArticleRecord, keys};

#[derive(Serialize, Deserialize)]
pub(crate) struct Favorite {
    pub(crate) user_id: String,
    pub(crate) article_id: String,
}

#[derive(Serialize)]
struct ArticleRef<'a> {
    article_id: &'a str,
}

impl Db {
    /// Favorites the article for `user_id`. Favoriting twice changes nothing.
    pub async fn favorite(&self, article: &ArticleRecord, user_id: &str) -> Result<(), ApiError> {
        let favorite = Favorite {
            user_id: user_id.to_owned(),
            article_id: article.id.clone(),
        };
        let entry = ArticleRef {
            article_id: &article.id,
        };
        let items = vec![
            self.put(
                keys::favorite(&article.id, user_id).item(&favorite)?,
                Some(Expr::not_exists(keys::PK)),
            ),
            self.put(
                keys::favoriter_entry(user_id, &article.created_at, &article.id).item(&entry)?,
                None,
            ),
            self.update(
                &keys::article(&article.id),
                UpdateExpr::new().add("favorites_count", 1).condition(|c| {
                    c.and_exists(keys::PK);
                }),
            ),
            self.update(
                &keys::user(user_id),
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
                &keys::favoriter_entry(user_id, &article.created_at, &article.id),
                None,
            ),
            self.update(
                &keys::article(&article.id),
                UpdateExpr::new().add("favorites_count", -1).condition(|c| {
                    c.and_exists(keys::PK);
                }),
            ),
            self.update(
                &keys::user(user_id),
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

//! Comments live in their article's partition. Ids are per article and count
//! up: the article's `comment_seq` moves in the same transaction that writes
//! the comment, conditioned on the value read, so two comments never share an id.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::ApiError;

use super::{Db, Expr, UpdateExpr, articles::ArticleRecord, from_item, keys};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommentRecord {
    pub id: u64,
    pub article_id: String,
    pub body: String,
    pub author_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Tries before giving up when other comments keep taking the next id.
const COMMENT_ATTEMPTS: usize = 8;

impl Db {
    pub async fn create_comment(
        &self,
        article: &ArticleRecord,
        author_id: &str,
        body: String,
    ) -> Result<CommentRecord, ApiError> {
        let now = crate::model::now();
        let mut seq = article.comment_seq;
        for _ in 0..COMMENT_ATTEMPTS {
            let comment = CommentRecord {
                id: seq + 1,
                article_id: article.id.clone(),
                body: body.clone(),
                author_id: author_id.to_owned(),
                created_at: now.clone(),
                updated_at: now.clone(),
            };
            let next_id = UpdateExpr::new()
                .set("comment_seq", AttributeValue::N(comment.id.to_string()))
                .condition(|c| {
                    c.and_equals("comment_seq", AttributeValue::N(seq.to_string()));
                });
            let items = vec![
                self.update(&keys::article(&article.id), next_id),
                self.put(
                    keys::comment(&article.id, comment.id).item(&comment)?,
                    Some(Expr::not_exists(keys::PK)),
                ),
            ];
            match self.transact("create comment", items).await? {
                Ok(()) => return Ok(comment),
                Err(cancelled) if cancelled.failed(0) => {
                    // Another comment took this id, or the article is gone.
                    let Some(current) = self.get_article(&article.id).await? else {
                        return Err(ApiError::NotFound("article"));
                    };
                    seq = current.comment_seq;
                }
                Err(cancelled) => {
                    return Err(ApiError::internal(format!("create comment: {cancelled:?}")));
                }
            }
        }
        Err(ApiError::Unavailable(
            "comment ids kept being taken".to_owned(),
        ))
    }

    /// The newest `limit` comments after skipping `offset`, newest first.
    pub async fn comments(
        &self,
        article_id: &str,
        page: super::articles::Page,
    ) -> Result<Vec<CommentRecord>, ApiError> {
        let (pk, prefix) = keys::comments_of_article(article_id);
        self.query_prefix("list comments", &pk, prefix, page.offset + page.limit)
            .await?
            .into_iter()
            .skip(page.offset)
            .map(from_item)
            .collect()
    }

    pub async fn get_comment(
        &self,
        article_id: &str,
        id: u64,
    ) -> Result<Option<CommentRecord>, ApiError> {
        self.get("get comment", &keys::comment(article_id, id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Deletes the comment as `user_id`; the write itself checks authorship.
    pub async fn delete_comment(
        &self,
        comment: &CommentRecord,
        user_id: &str,
    ) -> Result<(), ApiError> {
        let is_author = Expr::equals("author_id", AttributeValue::S(user_id.to_owned()));
        let items = vec![self.delete(
            &keys::comment(&comment.article_id, comment.id),
            Some(is_author),
        )];
        match self.transact("delete comment", items).await? {
            Ok(()) => Ok(()),
            Err(_) => match self.get_comment(&comment.article_id, comment.id).await? {
                Some(_) => Err(ApiError::Forbidden("comment")),
                None => Err(ApiError::NotFound("comment")),
            },
        }
    }
}

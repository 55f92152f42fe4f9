//! Comments live in their article's partition. Ids are per article and count
//! up: each comment takes the next value of the article's comment sequence,
//! an atomic counter in an item of its own, so concurrent comments never
//! share an id, never wait on each other, and never rewrite the article. An
//! id whose comment then fails to be written is skipped.
//!
//! Lists are newest first, a page at a time: a page starts at the top or
//! below a comment id a client sent back as a cursor, so a page costs what
//! it returns wherever it starts.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, ReturnValue};
use serde::{Deserialize, Serialize};

use crate::ApiError;

use super::{
    Access, Db, Expr, SortKeys, UpdateExpr, articles::ArticleRecord, consumed, from_item, keys,
    requests::CreateRequest, sdk_error,
};

/// One page of comments: at most `limit`, older than `before` if given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentPage {
    pub limit: usize,
    pub before: Option<u64>,
}

/// A page of comments, newest first, and the id to pass as the next page's
/// `before` (none on the last page).
pub struct Comments {
    pub comments: Vec<CommentRecord>,
    pub next: Option<u64>,
}

/// How often a comment whose request claim names a deleted comment is retried.
const CREATE_ATTEMPTS: usize = 2;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommentRecord {
    pub id: u64,
    pub article_id: String,
    pub body: String,
    pub author_id: String,
    pub created_at: String,
    pub updated_at: String,
}

impl Db {
    /// Adds a comment by `author_id`. The same body sent again by the same
    /// author to the same article within the request window (a retry) answers
    /// with the comment the first attempt made.
    pub async fn create_comment(
        &self,
        article: &ArticleRecord,
        author_id: &str,
        body: String,
    ) -> Result<CommentRecord, ApiError> {
        let mut request = CreateRequest::new(author_id, "COMMENT", &[&article.id, &body]);
        for _ in 0..CREATE_ATTEMPTS {
            let id = self.next_comment_id(&article.id).await?;
            let now = crate::model::now();
            let comment = CommentRecord {
                id,
                article_id: article.id.clone(),
                body: body.clone(),
                author_id: author_id.to_owned(),
                created_at: now.clone(),
                updated_at: now,
            };
            // The article must still exist when the comment lands, or the
            // comment would outlive the deletion whose cleanup removes its
            // article's comments. Its sequence item, deleted with it, says so
            // at the sequence's (small) size.
            let items = vec![
                self.condition_check(&keys::comment_sequence(&article.id), Expr::exists(keys::PK)),
                self.put(
                    keys::comment(&article.id, comment.id).item(&comment)?,
                    Some(Expr::not_exists(keys::PK)),
                ),
                self.user_must_exist(author_id),
                self.claim_request(&request, &comment.id.to_string())?,
            ];
            match self.transact("create comment", items).await? {
                Ok(()) => return Ok(comment),
                Err(cancelled) if cancelled.failed(0) => return Err(ApiError::NotFound("article")),
                Err(cancelled) if cancelled.failed(2) => return Err(ApiError::token_invalid()),
                Err(cancelled) if cancelled.failed(3) => {
                    let Some(target) = self.claimed(&request).await? else {
                        continue;
                    };
                    let made = match target.parse() {
                        Ok(id) => self.get_comment(&article.id, id).await?,
                        Err(_) => None,
                    };
                    match made {
                        Some(made) => return Ok(made),
                        None => request.replace_stale(target),
                    }
                }
                Err(cancelled) => {
                    return Err(ApiError::internal(format!("create comment: {cancelled:?}")));
                }
            }
        }
        Err(ApiError::Changed("comment"))
    }

    /// Takes the article's next comment id.
    async fn next_comment_id(&self, article_id: &str) -> Result<u64, ApiError> {
        let mut backoff = self.backoff();
        loop {
            let update = UpdateExpr::new().add("comment_seq", 1).condition(|c| {
                c.and_exists(keys::PK);
            });
            let (expression, condition, names, values) = update.into_parts();
            let result = self
                .client()
                .update_item()
                .table_name(self.table())
                .set_key(Some(keys::comment_sequence(article_id).to_map()))
                .update_expression(expression)
                .set_condition_expression(condition)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values)
                .return_values(ReturnValue::UpdatedNew)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await;
            let output = match result {
                Ok(output) => output,
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                {
                    return Err(ApiError::NotFound("article"));
                }
                // Another comment's transaction holds the sequence (it checks
                // the article is there): take a turn, as a transaction would.
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_transaction_conflict_exception())
                        && backoff.wait().await =>
                {
                    continue;
                }
                Err(err) => return Err(sdk_error("next comment id", err)),
            };
            consumed(Access::Write, &output.consumed_capacity);
            return output
                .attributes
                .and_then(|a| a.get("comment_seq")?.as_n().ok()?.parse().ok())
                .ok_or_else(|| ApiError::internal("comment_seq missing from the update's answer"));
        }
    }

    /// A page of the article's comments, newest first.
    pub async fn comments(
        &self,
        article_id: &str,
        page: CommentPage,
    ) -> Result<Comments, ApiError> {
        let (pk, prefix) = keys::comments_of_article(article_id);
        // One past the page says whether another follows.
        let wanted = page.limit + 1;
        let items = match page.before {
            None => {
                self.query("list comments", &pk, SortKeys::Prefix(prefix), wanted)
                    .await?
            }
            Some(0) => Vec::new(),
            Some(before) => {
                let high = keys::comment(article_id, before - 1).sk;
                self.query(
                    "list comments",
                    &pk,
                    SortKeys::Between(prefix, &high),
                    wanted,
                )
                .await?
            }
        };
        let mut comments = items
            .into_iter()
            .map(from_item)
            .collect::<Result<Vec<CommentRecord>, _>>()?;
        let next = if comments.len() > page.limit {
            comments.truncate(page.limit);
            comments.last().map(|c| c.id)
        } else {
            None
        };
        Ok(Comments { comments, next })
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
        let items = vec![
            self.delete(
                &keys::comment(&comment.article_id, comment.id),
                Some(is_author),
            ),
            self.user_must_exist(user_id),
        ];
        match self.transact("delete comment", items).await? {
            Ok(()) => Ok(()),
            Err(cancelled) if cancelled.failed(1) => Err(ApiError::token_invalid()),
            Err(_) => match self.get_comment(&comment.article_id, comment.id).await? {
                Some(_) => Err(ApiError::Forbidden("comment")),
                None => Err(ApiError::NotFound("comment")),
            },
        }
    }
}

//! Comments live in their article's partition. Ids are per article and count
//! up: each comment takes the next value of the article's comment sequence,
//! an atomic counter in an item of its own, so concurrent comments never
//! share an id, never wait on each other, and never rewrite the article. An
//! id whose comment then fails to be written is skipped.
//!
//! Lists are newest first, a page at a time: a page starts at the top or
//! below a comment id a client sent back as a cursor, so a page costs what
//! it returns wherever it starts.

use crate::{
    ground::{clock, error::ApiError, keys},
    table::{Bound, Expr, UpdateExpr, Walk, from_item, number},
};
use aws_sdk_dynamodb::types::AttributeValue;

use super::{
    Comments, articles,
    records::{ArticleRecord, CommentRecord},
    requests::CreateRequest,
    users,
};

/// One page of comments: at most `limit`, older than `before` if given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentPage {
    pub limit: usize,
    pub before: Option<u64>,
}

/// A page of comments, newest first, and the id to pass as the next page's
/// `before` (none on the last page).
#[derive(Default)]
pub struct Page {
    pub comments: Vec<CommentRecord>,
    pub next: Option<u64>,
}

/// What one page of comments reads, in bytes of items: a page stops at the
/// first of DynamoDB's 1 MB query pages that reaches it, and a comment is
/// at most about 41 KB stored (10,000 characters of four bytes), so a full
/// query page always does. A page of long comments then costs about one
/// query page, 256 read units, however many the thread holds; a page of
/// ordinary ones is bounded by its count.
pub const PAGE_BYTES: usize = 768 << 10;

/// How often a comment whose request claim names a deleted comment is
/// retried: once for each of its two claims, and once more.
const CREATE_ATTEMPTS: usize = 3;

/// Why a comment the same as one just posted is refused.
pub const DUPLICATE: &str = "duplicates a comment you just posted";

/// What a refused request claim names.
enum Made {
    Live(CommentRecord),
    Gone,
}

impl Comments<'_> {
    /// Adds a comment by `author_id`.
    ///
    /// The same body sent again by the same author to the same article
    /// within the request window is a 409: a page showing the first would
    /// show it twice. A client that retries (after a timeout or a 503) sends
    /// the `Idempotency-Key` of its first attempt and gets the comment that
    /// attempt made. Once that comment is deleted, the same body can be
    /// posted again.
    pub async fn create(
        self,
        article: &ArticleRecord,
        author_id: &str,
        body: String,
        idempotency_key: Option<&str>,
    ) -> Result<CommentRecord, ApiError> {
        let parts: &[&str] = &[&article.id, &body];
        let mut content = CreateRequest::new(author_id, "COMMENT", parts);
        let mut keyed =
            idempotency_key.map(|key| CreateRequest::keyed(author_id, "COMMENT-KEY", key, parts));
        for _ in 0..CREATE_ATTEMPTS {
            let id = self.next_id(&article.id).await?;
            let now = clock::now();
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
            // article's comments.
            let mut tx = self.table().tx("create comment");
            let alive = articles::must_exist(&mut tx, &article.id);
            tx.put_new(&keys::comment(&article.id, comment.id), &comment)?;
            let author = users::must_exist(&mut tx, author_id);
            let target = comment.id.to_string();
            let same_content = content.claim(&mut tx, &target)?;
            let same_key = keyed
                .as_ref()
                .map(|request| request.claim(&mut tx, &target))
                .transpose()?;
            match tx.commit().await? {
                Ok(()) => return Ok(comment),
                Err(refused) if refused.by(alive) => return Err(ApiError::NotFound("article")),
                Err(refused) if refused.by(author) => return Err(ApiError::token_invalid()),
                // The key first: a retry also repeats the content.
                Err(refused) if same_key.is_some_and(|slot| refused.by(slot)) => {
                    let Some(request) = keyed.as_mut() else {
                        return Err(refused.unexpected());
                    };
                    match self.made(&article.id, request).await? {
                        Made::Live(made) => return Ok(made),
                        Made::Gone => {}
                    }
                }
                Err(refused) if refused.by(same_content) => {
                    match self.made(&article.id, &mut content).await? {
                        Made::Live(_) => {
                            return Err(ApiError::Duplicate {
                                field: "body",
                                message: DUPLICATE,
                            });
                        }
                        Made::Gone => {}
                    }
                }
                Err(refused) => return Err(refused.unexpected()),
            }
        }
        Err(ApiError::Changed("comment"))
    }

    /// The comment a refused claim of `request` names, or `Gone` (the claim
    /// expired, or its comment was deleted and the claim may be taken over).
    async fn made(self, article_id: &str, request: &mut CreateRequest) -> Result<Made, ApiError> {
        let Some(target) = request.claimed(self.table()).await? else {
            return Ok(Made::Gone);
        };
        let made = match target.parse() {
            Ok(id) => self.get(article_id, id).await?,
            Err(_) => None,
        };
        Ok(match made {
            Some(made) => Made::Live(made),
            None => {
                request.replace_stale(target);
                Made::Gone
            }
        })
    }

    /// Takes the article's next comment id: an atomic counter on its
    /// sequence item, which is gone once the article is.
    async fn next_id(self, article_id: &str) -> Result<u64, ApiError> {
        let update = UpdateExpr::new().add("comment_seq", 1).condition(|c| {
            c.and_exists(keys::PK);
        });
        let Ok(after) = self
            .table()
            .update(
                "next comment id",
                &keys::comment_sequence(article_id),
                update,
            )
            .await?
        else {
            return Err(ApiError::NotFound("article"));
        };
        number(&after, "comment_seq")
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| ApiError::internal("comment_seq missing from the update's answer"))
    }

    /// A page of the article's comments, newest first.
    pub async fn page(self, article_id: &str, page: CommentPage) -> Result<Page, ApiError> {
        let (pk, prefix) = keys::comments_of_article(article_id);
        let start = match page.before {
            None => Bound::Top,
            Some(0) => return Ok(Page::default()),
            // Ids are whole numbers: the one below is the page's first, and
            // the cursor's own comment is never read.
            Some(before) => Bound::AtMost(keys::comment(article_id, before - 1).sk),
        };
        // One past the page says whether another follows, unless the
        // walk stops at its byte budget first.
        let mut walk = Walk::new(pk, prefix).from(start).within_bytes(PAGE_BYTES);
        let items = walk
            .next(self.table(), "list comments", page.limit + 1)
            .await?;
        let mut comments = items
            .into_iter()
            .map(from_item)
            .collect::<Result<Vec<CommentRecord>, _>>()?;
        let more = comments.len() > page.limit || !walk.done();
        comments.truncate(page.limit);
        let next = more.then(|| comments.last().map(|c| c.id)).flatten();
        Ok(Page { comments, next })
    }

    pub async fn get(self, article_id: &str, id: u64) -> Result<Option<CommentRecord>, ApiError> {
        self.table()
            .get("get comment", &keys::comment(article_id, id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Deletes comment `id` of the article as `user_id`: the write itself
    /// checks authorship, and a refusal says why (403, or 404 when there
    /// is no such comment).
    pub async fn delete(self, article_id: &str, id: u64, user_id: &str) -> Result<(), ApiError> {
        let is_author = Expr::equals("author_id", AttributeValue::S(user_id.to_owned()));
        let mut tx = self.table().tx("delete comment");
        let comment = tx.delete_if(&keys::comment(article_id, id), Some(is_author));
        let user = users::must_exist(&mut tx, user_id);
        match tx.commit().await? {
            Ok(()) => Ok(()),
            Err(refused) if refused.by(user) => Err(ApiError::token_invalid()),
            Err(refused) if refused.by(comment) => match self.get(article_id, id).await? {
                Some(_) => Err(ApiError::Forbidden("comment")),
                None => Err(ApiError::NotFound("comment")),
            },
            Err(refused) => Err(refused.unexpected()),
        }
    }
}

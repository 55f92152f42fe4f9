//! Articles and the lists they appear in.
//!
//! An article is a few items under its immutable id: the head (title,
//! description, tags, author, times, version), the body apart from it, and
//! small counters (favorites, in shards, and the comment sequence). Its slug
//! is a claim item pointing at the id. Each list it belongs to (all, by
//! author, by tag) holds an entry item, and each list has a counter.
//! Creating, editing or deleting an article writes the article, its entries
//! and the counters in one transaction, so lists and counts never disagree.

use aws_sdk_dynamodb::types::AttributeValue;
use futures::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};

use crate::ApiError;

use super::{
    Db, Expr, Item, Listed, Page, SortKeys, UpdateExpr, from_item,
    keys::{self, ArticlePart, Key, List, Position},
    requests::CreateRequest,
    users::UserRecord,
};

/// An article as read: the head as stored, with the favorites count summed
/// from its shards and, for single-article reads, the body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ArticleRecord {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub tag_list: Vec<String>,
    pub author_id: String,
    pub created_at: String,
    pub updated_at: String,
    /// Bumped by every edit of the content (not by favorites or comments);
    /// edits and deletion are conditioned on the version they read.
    #[serde(default)]
    pub version: u64,
    /// The sum of the favorites shards; never stored on the head.
    #[serde(skip)]
    pub favorites_count: i64,
    /// Read only where one article is shown; never stored on the head.
    #[serde(skip)]
    pub body: Option<String>,
}

impl ArticleRecord {
    /// Where the article stands in every list it belongs to.
    pub fn position(&self) -> Position {
        Position::new(&self.created_at, &self.id)
    }
}

#[derive(Serialize, Deserialize)]
struct BodyItem {
    body: String,
}

#[derive(Serialize, Deserialize)]
struct FavoritesShard {
    favorites: i64,
}

#[derive(Serialize, Deserialize)]
struct CommentSequence {
    comment_seq: u64,
}

/// A slug claim: which article holds the slug.
#[derive(Serialize, Deserialize)]
struct ArticleRef {
    article_id: String,
}

pub struct NewArticle {
    pub title: String,
    pub description: String,
    pub body: String,
    pub tag_list: Vec<String>,
    pub author_id: String,
}

/// Changes to an article; `None` keeps a field.
#[derive(Default)]
pub struct ArticleChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub tag_list: Option<Vec<String>>,
}

/// Which articles a list shows. Users are passed resolved.
pub enum ArticleFilter<'a> {
    All,
    Author(&'a UserRecord),
    Tag(&'a str),
    FavoritedBy(&'a UserRecord),
}

pub struct ArticlePage {
    pub articles: Vec<ArticleRecord>,
    /// All matches, not just this page's.
    pub count: u64,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Position>,
}

/// How many slugs are tried for one title: the bare slug, then random suffixes.
const SLUG_ATTEMPTS: usize = 4;

/// How often an edit or deletion that lost a race is re-read and tried again.
const EDIT_ATTEMPTS: usize = 4;

/// Articles of a page read at the same time (one query each).
const PAGE_CONCURRENCY: usize = 16;

/// The head, counters and (if read) body of one article from the items of
/// one query of its partition; `None` without a head.
fn assemble(items: Vec<Item>) -> Result<Option<ArticleRecord>, ApiError> {
    let (mut head, mut favorites, mut body) = (None, 0, None);
    for item in items {
        let Some(key) = Key::of(&item) else { continue };
        match keys::article_part(&key.sk) {
            Some(ArticlePart::Head) => head = Some(from_item::<ArticleRecord>(item)?),
            Some(ArticlePart::Body) => body = Some(from_item::<BodyItem>(item)?.body),
            Some(ArticlePart::FavoritesShard) => {
                favorites += from_item::<FavoritesShard>(item)?.favorites;
            }
            Some(ArticlePart::CommentSequence) | None => {}
        }
    }
    Ok(head.map(|mut article| {
        // A shard can dip below zero (an unfavorite takes from any shard);
        // the sum cannot.
        article.favorites_count = favorites.max(0);
        article.body = body;
        article
    }))
}

impl Db {
    /// Publishes `new`. The same article sent again by the same author within
    /// the request window (a retry after a timeout or a 503) answers with the
    /// article the first attempt made, not a copy.
    pub async fn create_article(&self, new: NewArticle) -> Result<ArticleRecord, ApiError> {
        let now = crate::model::now();
        let base = crate::slug::slugify(&new.title);
        let mut parts = vec![
            new.title.as_str(),
            new.description.as_str(),
            new.body.as_str(),
        ];
        parts.extend(new.tag_list.iter().map(String::as_str));
        let mut request = CreateRequest::new(&new.author_id, "ARTICLE", &parts);
        let mut article = ArticleRecord {
            id: uuid::Uuid::now_v7().to_string(),
            slug: base.clone(),
            title: new.title,
            description: new.description,
            tag_list: new.tag_list,
            author_id: new.author_id,
            created_at: now.clone(),
            updated_at: now,
            version: 0,
            favorites_count: 0,
            body: None,
        };
        let body = BodyItem { body: new.body };
        let position = article.position();
        for _ in 0..SLUG_ATTEMPTS {
            let reference = ArticleRef {
                article_id: article.id.clone(),
            };
            let mut items = vec![
                self.put(
                    keys::article(&article.id).item(&article)?,
                    Some(Expr::not_exists(keys::PK)),
                ),
                self.put(
                    keys::slug(&article.slug).item(&reference)?,
                    Some(Expr::not_exists(keys::PK)),
                ),
                self.put(keys::article_body(&article.id).item(&body)?, None),
                self.put(
                    keys::all_articles_of(&article.id).entry(&position).to_map(),
                    None,
                ),
                self.update(
                    &keys::article_counter_of(&article.id),
                    UpdateExpr::new().add("count", 1),
                ),
                self.put(
                    keys::articles_by_author(&article.author_id)
                        .entry(&position)
                        .to_map(),
                    None,
                ),
                self.update(
                    &keys::user_counts(&article.author_id),
                    UpdateExpr::new().add("articles_count", 1).condition(|c| {
                        c.and_exists(keys::PK);
                    }),
                ),
                self.claim_request(&request, &article.id)?,
                self.put(
                    keys::comment_sequence(&article.id)
                        .item(&CommentSequence { comment_seq: 0 })?,
                    None,
                ),
            ];
            for shard in 0..keys::FAVORITE_SHARDS {
                items.push(
                    self.put(
                        keys::favorites_shard(&article.id, shard)
                            .item(&FavoritesShard { favorites: 0 })?,
                        None,
                    ),
                );
            }
            items.extend(self.tag_writes(&article, &article.tag_list, 1));
            match self.transact("create article", items).await? {
                Ok(()) => {
                    article.body = Some(body.body);
                    return Ok(article);
                }
                // Checked first: a retry also finds its own slug taken.
                Err(cancelled) if cancelled.failed(7) => {
                    if let Some(id) = self.claimed(&request).await? {
                        match self.get_article_with_body(&id).await? {
                            Some(made) => return Ok(made),
                            None => request.replace_stale(id),
                        }
                    }
                }
                Err(cancelled) if cancelled.failed(6) => return Err(ApiError::token_invalid()),
                Err(cancelled) if cancelled.failed(1) => {
                    article.slug = crate::slug::with_suffix(&base);
                }
                Err(cancelled) => {
                    return Err(ApiError::internal(format!(
                        "article id collision: {cancelled:?}"
                    )));
                }
            }
        }
        Err(ApiError::Unavailable(format!("no free slug for {base}")))
    }

    /// Each tag's list entry and counter, added (`delta` 1) or removed (-1).
    fn tag_writes(
        &self,
        article: &ArticleRecord,
        tags: &[String],
        delta: i64,
    ) -> Vec<aws_sdk_dynamodb::types::TransactWriteItem> {
        let position = article.position();
        let mut items = Vec::with_capacity(tags.len() * 2);
        for tag in tags {
            let entry = keys::articles_by_tag(tag).entry(&position);
            items.push(if delta > 0 {
                self.put(entry.to_map(), None)
            } else {
                self.delete(&entry, None)
            });
            let counter = UpdateExpr::new()
                .set(
                    keys::TAGS_INDEX_PK,
                    AttributeValue::S(keys::tags_index_partition_of(tag)),
                )
                .add(keys::TAGS_INDEX_SK, delta);
            items.push(self.update(&keys::tag_counter(tag), counter));
        }
        items
    }

    /// The article (head and counts, no body), if it exists.
    pub async fn get_article(&self, id: &str) -> Result<Option<ArticleRecord>, ApiError> {
        let parts = keys::article_parts(id);
        let items = self
            .query(
                "get article",
                &parts.pk,
                SortKeys::Prefix(parts.summary_prefix),
                PARTS_LIMIT,
            )
            .await?;
        assemble(items)
    }

    /// The article with its body, in one read of its partition.
    pub async fn get_article_with_body(&self, id: &str) -> Result<Option<ArticleRecord>, ApiError> {
        let parts = keys::article_parts(id);
        let (low, high) = parts.with_body;
        let items = self
            .query(
                "get article",
                &parts.pk,
                SortKeys::Between(low, high),
                PARTS_LIMIT + 1,
            )
            .await?;
        assemble(items)
    }

    /// The id of the article a slug names; 404 `article: not found` otherwise.
    async fn slug_holder(&self, slug: &str) -> Result<String, ApiError> {
        let Some(item) = self.get("get slug", &keys::slug(slug)).await? else {
            return Err(ApiError::NotFound("article"));
        };
        Ok(from_item::<ArticleRef>(item)?.article_id)
    }

    /// The article a slug names (head and counts); 404 otherwise.
    pub async fn article_by_slug(&self, slug: &str) -> Result<ArticleRecord, ApiError> {
        let id = self.slug_holder(slug).await?;
        self.get_article(&id)
            .await?
            .ok_or(ApiError::NotFound("article"))
    }

    /// The article a slug names, with its body; 404 otherwise.
    pub async fn article_by_slug_with_body(&self, slug: &str) -> Result<ArticleRecord, ApiError> {
        let id = self.slug_holder(slug).await?;
        self.get_article_with_body(&id)
            .await?
            .ok_or(ApiError::NotFound("article"))
    }

    /// The article a slug names, with its body, for its author only: 404,
    /// or 403 for anyone else. The writes that follow check authorship
    /// again, in their condition.
    pub async fn authored_article(
        &self,
        slug: &str,
        editor: &str,
    ) -> Result<ArticleRecord, ApiError> {
        let article = self.article_by_slug_with_body(slug).await?;
        if article.author_id != editor {
            return Err(ApiError::Forbidden("article"));
        }
        Ok(article)
    }

    /// Applies `changes` as user `editor`, starting from `current` as read
    /// (with its body).
    ///
    /// The write is conditioned on the version it read. When another write
    /// landed in between, the same changes are applied again to a fresh read:
    /// two edits of different fields both survive, and the tag entries and
    /// counters change by exactly what the winning transaction saw, so they
    /// always equal the article's tags. After `EDIT_ATTEMPTS` lost races the
    /// answer is a 409.
    pub async fn update_article(
        &self,
        current: ArticleRecord,
        editor: &str,
        changes: &ArticleChanges,
    ) -> Result<ArticleRecord, ApiError> {
        let mut current = current;
        for _ in 0..EDIT_ATTEMPTS {
            if current.author_id != editor {
                return Err(ApiError::Forbidden("article"));
            }
            match self.try_update_article(&current, changes).await? {
                Some(updated) => return Ok(updated),
                None => current = self.reread(&current.id).await?,
            }
        }
        Err(ApiError::Changed("article"))
    }

    /// The article again, after a write conditioned on an older version failed.
    async fn reread(&self, id: &str) -> Result<ArticleRecord, ApiError> {
        self.get_article_with_body(id)
            .await?
            .ok_or(ApiError::NotFound("article"))
    }

    /// `Ok(None)` when `current` is no longer the stored version.
    async fn try_update_article(
        &self,
        current: &ArticleRecord,
        changes: &ArticleChanges,
    ) -> Result<Option<ArticleRecord>, ApiError> {
        let mut updated = current.clone();
        if let Some(title) = &changes.title {
            updated.title = title.clone();
        }
        if let Some(description) = &changes.description {
            updated.description = description.clone();
        }
        // The body item is written only when the body changes: a retitle
        // or a tag edit is billed at the head's size.
        let new_body = changes
            .body
            .as_ref()
            .filter(|body| current.body.as_ref() != Some(*body));
        if let Some(body) = &changes.body {
            updated.body = Some(body.clone());
        }
        if let Some(tags) = &changes.tag_list {
            updated.tag_list = tags.clone();
        }
        updated.updated_at = crate::model::later_than(&current.updated_at);
        updated.version = current.version + 1;

        let base = crate::slug::slugify(&updated.title);
        let retitled = base != crate::slug::slugify(&current.title);
        let removed: Vec<String> = current
            .tag_list
            .iter()
            .filter(|t| !updated.tag_list.contains(t))
            .cloned()
            .collect();
        let added: Vec<String> = updated
            .tag_list
            .iter()
            .filter(|t| !current.tag_list.contains(t))
            .cloned()
            .collect();

        for attempt in 0..SLUG_ATTEMPTS {
            if retitled {
                updated.slug = if attempt == 0 {
                    base.clone()
                } else {
                    crate::slug::with_suffix(&base)
                };
            }
            let update = UpdateExpr::new()
                .set("slug", AttributeValue::S(updated.slug.clone()))
                .set("title", AttributeValue::S(updated.title.clone()))
                .set(
                    "description",
                    AttributeValue::S(updated.description.clone()),
                )
                .set(
                    "tag_list",
                    AttributeValue::L(
                        updated
                            .tag_list
                            .iter()
                            .cloned()
                            .map(AttributeValue::S)
                            .collect(),
                    ),
                )
                .set("updated_at", AttributeValue::S(updated.updated_at.clone()))
                .set("version", AttributeValue::N(updated.version.to_string()))
                .condition(|c| {
                    c.and_equals("author_id", AttributeValue::S(current.author_id.clone()));
                    c.and_version("version", current.version);
                });
            let mut items = vec![
                self.update(&keys::article(&current.id), update),
                self.user_must_exist(&current.author_id),
            ];
            if let Some(body) = new_body {
                items.push(self.put(
                    keys::article_body(&current.id).item(&BodyItem { body: body.clone() })?,
                    None,
                ));
            }
            let new_claim = if updated.slug != current.slug {
                let held = Expr::equals("article_id", AttributeValue::S(current.id.clone()));
                items.push(self.delete(&keys::slug(&current.slug), Some(held)));
                let reference = ArticleRef {
                    article_id: current.id.clone(),
                };
                items.push(self.put(
                    keys::slug(&updated.slug).item(&reference)?,
                    Some(Expr::not_exists(keys::PK)),
                ));
                Some(items.len() - 1)
            } else {
                None
            };
            items.extend(self.tag_writes(current, &removed, -1));
            items.extend(self.tag_writes(current, &added, 1));
            match self.transact("update article", items).await? {
                Ok(()) => {
                    // Favorites change the counters without a new version;
                    // show the count as it is now.
                    updated.favorites_count = self
                        .get_article(&current.id)
                        .await?
                        .map_or(updated.favorites_count, |a| a.favorites_count);
                    return Ok(Some(updated));
                }
                Err(cancelled) if cancelled.failed(0) => return Ok(None),
                Err(cancelled) if cancelled.failed(1) => return Err(ApiError::token_invalid()),
                Err(cancelled) if new_claim.is_some_and(|i| cancelled.failed(i)) => continue,
                Err(cancelled) => {
                    return Err(ApiError::internal(format!("update article: {cancelled:?}")));
                }
            }
        }
        Err(ApiError::Unavailable(format!("no free slug for {base}")))
    }

    /// Deletes the article as user `editor`: its head, body and counters,
    /// its slug, its list entries, its tags and the counts go in one
    /// transaction, conditioned on the version read (a lost race re-reads
    /// and tries again, so an edit that landed first is what gets deleted,
    /// new slug and tags included).
    ///
    /// Its favorites and comments may be too many for one transaction. Nothing
    /// can reach or add to them once the article is gone (both are written
    /// only while its counters exist), and the stream worker removes them,
    /// with the favoriters' counts, from the deletion's stream record.
    pub async fn delete_article(
        &self,
        current: ArticleRecord,
        editor: &str,
    ) -> Result<(), ApiError> {
        let mut article = current;
        for _ in 0..EDIT_ATTEMPTS {
            if article.author_id != editor {
                return Err(ApiError::Forbidden("article"));
            }
            let position = article.position();
            let mut is_current = Expr::equals("author_id", AttributeValue::S(editor.to_owned()));
            is_current.and_version("version", article.version);
            let held = Expr::equals("article_id", AttributeValue::S(article.id.clone()));
            let mut items = vec![
                self.delete(&keys::article(&article.id), Some(is_current)),
                self.delete(&keys::slug(&article.slug), Some(held)),
                self.delete(&keys::article_body(&article.id), None),
                self.delete(&keys::all_articles_of(&article.id).entry(&position), None),
                self.update(
                    &keys::article_counter_of(&article.id),
                    UpdateExpr::new().add("count", -1),
                ),
                self.delete(
                    &keys::articles_by_author(&article.author_id).entry(&position),
                    None,
                ),
                self.update(
                    &keys::user_counts(&article.author_id),
                    UpdateExpr::new().add("articles_count", -1).condition(|c| {
                        c.and_exists(keys::PK);
                    }),
                ),
                self.delete(&keys::comment_sequence(&article.id), None),
            ];
            for shard in 0..keys::FAVORITE_SHARDS {
                items.push(self.delete(&keys::favorites_shard(&article.id, shard), None));
            }
            items.extend(self.tag_writes(&article, &article.tag_list, -1));
            match self.transact("delete article", items).await? {
                Ok(()) => return Ok(()),
                Err(cancelled) if cancelled.failed(0) || cancelled.failed(1) => {
                    article = self.reread(&article.id).await?;
                }
                Err(cancelled) if cancelled.failed(6) => return Err(ApiError::token_invalid()),
                Err(cancelled) => {
                    return Err(ApiError::internal(format!("delete article: {cancelled:?}")));
                }
            }
        }
        Err(ApiError::Changed("article"))
    }

    /// A page of a list, newest first, and the list's total.
    pub async fn list_articles(
        &self,
        filter: &ArticleFilter<'_>,
        page: &Page,
    ) -> Result<ArticlePage, ApiError> {
        let lists: Vec<List> = match filter {
            ArticleFilter::All => keys::all_articles(),
            ArticleFilter::Author(user) => vec![keys::articles_by_author(&user.id)],
            ArticleFilter::Tag(tag) => vec![keys::articles_by_tag(tag)],
            ArticleFilter::FavoritedBy(user) => vec![keys::articles_favorited_by(&user.id)],
        };
        let listed = self.list_page("list articles", &lists, page);
        let count = self.article_count(filter);
        let (listed, count) = futures::try_join!(listed, count)?;
        self.article_page(listed, count).await
    }

    /// The articles a page of positions names, with the list's total.
    pub(crate) async fn article_page(
        &self,
        listed: Listed,
        count: u64,
    ) -> Result<ArticlePage, ApiError> {
        let ids: Vec<String> = listed
            .positions
            .iter()
            .map(|p| p.article_id().to_owned())
            .collect();
        Ok(ArticlePage {
            articles: self.articles_by_ids(&ids).await?,
            count,
            next: listed.next,
        })
    }

    async fn article_count(&self, filter: &ArticleFilter<'_>) -> Result<u64, ApiError> {
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
        match filter {
            ArticleFilter::All => total(
                self.batch_get("count articles", keys::article_counters())
                    .await?,
            ),
            ArticleFilter::Tag(tag) => total(
                self.get("count tag", &keys::tag_counter(tag))
                    .await?
                    .into_iter()
                    .collect(),
            ),
            ArticleFilter::Author(user) => Ok(self.user_counts(&user.id).await?.articles()),
            ArticleFilter::FavoritedBy(user) => Ok(self.user_counts(&user.id).await?.favorites()),
        }
    }

    /// The articles with these ids (heads and counts), in this order;
    /// missing ones are skipped. One query per article, a few at a time.
    pub(crate) async fn articles_by_ids(
        &self,
        ids: &[String],
    ) -> Result<Vec<ArticleRecord>, ApiError> {
        let found: Vec<Option<ArticleRecord>> = stream::iter(ids.to_vec())
            .map(|id| async move { self.get_article(&id).await })
            .buffered(PAGE_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }

    pub(crate) async fn users_by_ids(&self, ids: &[String]) -> Result<Vec<UserRecord>, ApiError> {
        let keys = ids.iter().map(|id| keys::user(id)).collect();
        self.batch_get("get users", keys)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// A cheap strongly consistent read, to tell whether the table answers.
    pub async fn ping(&self) -> Result<(), ApiError> {
        self.get("health check", &keys::article_counter(0))
            .await
            .map(drop)
    }
}

/// More than an article's head and counters ever number (1 + 1 +
/// `FAVORITE_SHARDS`), so one query reads them all.
const PARTS_LIMIT: usize = 16;

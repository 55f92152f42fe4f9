//! Articles and the lists they appear in.
//!
//! An article is one item under its immutable id; its slug is a claim item
//! pointing at the id. Each list it belongs to (all, by author, by tag) holds a
//! small entry item, and each list has a counter. Creating, editing or deleting
//! an article writes the article, its entries and the counters in one
//! transaction, so lists and counts never disagree.

use aws_sdk_dynamodb::types::AttributeValue;
use futures::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};

use crate::ApiError;

use super::{
    Db, Expr, Item, UpdateExpr, from_item, keys, requests::CreateRequest, users::UserRecord,
};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ArticleRecord {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub body: String,
    #[serde(default)]
    pub tag_list: Vec<String>,
    pub author_id: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub favorites_count: i64,
    /// The last comment id handed out; comment ids count up from 1 per article.
    #[serde(default)]
    pub comment_seq: u64,
    /// Bumped by every edit of the content (not by favorites or comments);
    /// edits and deletion are conditioned on the version they read.
    #[serde(default)]
    pub version: u64,
}

/// A list entry or claim: which article it stands for.
#[derive(Serialize, Deserialize)]
struct ArticleRef {
    article_id: String,
}

/// A list entry as read back, with the sort key that orders it.
#[derive(Deserialize)]
struct Entry {
    sk: String,
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

/// Which articles a list shows. Users are passed resolved, counters included.
pub enum ArticleFilter<'a> {
    All,
    Author(&'a UserRecord),
    Tag(&'a str),
    FavoritedBy(&'a UserRecord),
}

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: usize,
    pub limit: usize,
}

pub struct ArticlePage {
    pub articles: Vec<ArticleRecord>,
    /// All matches, not just this page's.
    pub count: u64,
}

/// How many slugs are tried for one title: the bare slug, then random suffixes.
const SLUG_ATTEMPTS: usize = 4;

/// How often an edit or deletion that lost a race is re-read and tried again.
const EDIT_ATTEMPTS: usize = 4;

/// Followed authors whose articles the feed reads at the same time.
const FEED_CONCURRENCY: usize = 8;

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
            body: new.body,
            tag_list: new.tag_list,
            author_id: new.author_id,
            created_at: now.clone(),
            updated_at: now,
            favorites_count: 0,
            comment_seq: 0,
            version: 0,
        };
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
                self.put(
                    keys::all_articles_entry(&article.created_at, &article.id).item(&reference)?,
                    None,
                ),
                self.put(
                    keys::author_entry(&article.author_id, &article.created_at, &article.id)
                        .item(&reference)?,
                    None,
                ),
                self.update(
                    &keys::user(&article.author_id),
                    UpdateExpr::new().add("articles_count", 1).condition(|c| {
                        c.and_exists(keys::PK);
                    }),
                ),
                self.update(&keys::article_counter(), UpdateExpr::new().add("count", 1)),
                self.claim_request(&request, &article.id)?,
            ];
            items.extend(self.tag_writes(&article, &article.tag_list, 1)?);
            match self.transact("create article", items).await? {
                Ok(()) => return Ok(article),
                // Checked first: a retry also finds its own slug taken.
                Err(cancelled) if cancelled.failed(6) => {
                    if let Some(id) = self.claimed(&request).await? {
                        match self.get_article(&id).await? {
                            Some(made) => return Ok(made),
                            None => request.replace_stale(id),
                        }
                    }
                }
                Err(cancelled) if cancelled.failed(4) => return Err(ApiError::token_invalid()),
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
    fn tag_writes(
        &self,
        article: &ArticleRecord,
        tags: &[String],
        delta: i64,
    ) -> Result<Vec<aws_sdk_dynamodb::types::TransactWriteItem>, ApiError> {
        let mut items = Vec::with_capacity(tags.len() * 2);
        for tag in tags {
            let entry = keys::tag_entry(tag, &article.created_at, &article.id);
            items.push(if delta > 0 {
                let reference = ArticleRef {
                    article_id: article.id.clone(),
                };
                self.put(entry.item(&reference)?, None)
            } else {
                self.delete(&entry, None)
            });
            let counter = UpdateExpr::new()
                .set(
                    keys::TAGS_INDEX_PK,
                    AttributeValue::S(keys::TAGS_INDEX_PARTITION.to_owned()),
                )
                .add(keys::TAGS_INDEX_SK, delta);
            items.push(self.update(&keys::tag_counter(tag), counter));
        }
        Ok(items)
    }

    pub async fn get_article(&self, id: &str) -> Result<Option<ArticleRecord>, ApiError> {
        self.get("get article", &keys::article(id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// The article a slug names; 404 `article: not found` otherwise.
    pub async fn article_by_slug(&self, slug: &str) -> Result<ArticleRecord, ApiError> {
        let not_found = ApiError::NotFound("article");
        let Some(item) = self.get("get slug", &keys::slug(slug)).await? else {
            return Err(not_found);
        };
        let reference: ArticleRef = from_item(item)?;
        self.get_article(&reference.article_id)
            .await?
            .ok_or(not_found)
    }

    /// The article a slug names, for its author only: 404, or 403 for anyone
    /// else. The writes that follow check authorship again, in their condition.
    pub async fn authored_article(
        &self,
        slug: &str,
        editor: &str,
    ) -> Result<ArticleRecord, ApiError> {
        let article = self.article_by_slug(slug).await?;
        if article.author_id != editor {
            return Err(ApiError::Forbidden("article"));
        }
        Ok(article)
    }

    /// Applies `changes` as user `editor`, starting from `current` as read.
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
        self.get_article(id)
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
        if let Some(body) = &changes.body {
            updated.body = body.clone();
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
                .set("body", AttributeValue::S(updated.body.clone()))
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
            items.extend(self.tag_writes(current, &removed, -1)?);
            items.extend(self.tag_writes(current, &added, 1)?);
            match self.transact("update article", items).await? {
                Ok(()) => {
                    // Favorites and comments change the item without a new
                    // version; show the count as it is now.
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

    /// Deletes the article as user `editor`: the article, its slug, its list
    /// entries, its tags and the counters go in one transaction, conditioned on
    /// the version read (a lost race re-reads and tries again, so an edit that
    /// landed first is what gets deleted, new slug and tags included).
    ///
    /// Its favorites and comments may be too many for one transaction. Nothing
    /// can reach or add to them once the article is gone, and the stream
    /// worker (`functions/article-cleanup`) removes them, with the favoriters'
    /// counts, from the deletion's stream record.
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
            let mut is_current = Expr::equals("author_id", AttributeValue::S(editor.to_owned()));
            is_current.and_version("version", article.version);
            let held = Expr::equals("article_id", AttributeValue::S(article.id.clone()));
            let mut items = vec![
                self.delete(&keys::article(&article.id), Some(is_current)),
                self.delete(&keys::slug(&article.slug), Some(held)),
                self.delete(
                    &keys::all_articles_entry(&article.created_at, &article.id),
                    None,
                ),
                self.delete(
                    &keys::author_entry(&article.author_id, &article.created_at, &article.id),
                    None,
                ),
                self.update(
                    &keys::user(&article.author_id),
                    UpdateExpr::new().add("articles_count", -1).condition(|c| {
                        c.and_exists(keys::PK);
                    }),
                ),
                self.update(&keys::article_counter(), UpdateExpr::new().add("count", -1)),
            ];
            items.extend(self.tag_writes(&article, &article.tag_list, -1)?);
            match self.transact("delete article", items).await? {
                Ok(()) => return Ok(()),
                Err(cancelled) if cancelled.failed(0) || cancelled.failed(1) => {
                    article = self.reread(&article.id).await?;
                }
                Err(cancelled) if cancelled.failed(4) => return Err(ApiError::token_invalid()),
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
        page: Page,
    ) -> Result<ArticlePage, ApiError> {
        let (pk, prefix) = match filter {
            ArticleFilter::All => (keys::ALL_ARTICLES.to_owned(), ""),
            ArticleFilter::Author(user) => keys::articles_by_author(&user.id),
            ArticleFilter::Tag(tag) => keys::articles_by_tag(tag),
            ArticleFilter::FavoritedBy(user) => keys::articles_favorited_by(&user.id),
        };
        let entries = self.query_prefix("list articles", &pk, prefix, page.offset + page.limit);
        let count = self.article_count(filter);
        let (entries, count) = futures::try_join!(entries, count)?;
        let ids = entries
            .into_iter()
            .skip(page.offset)
            .map(|item| from_item::<Entry>(item).map(|e| e.article_id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ArticlePage {
            articles: self.articles_by_ids(&ids).await?,
            count,
        })
    }

    async fn article_count(&self, filter: &ArticleFilter<'_>) -> Result<u64, ApiError> {
        #[derive(Deserialize)]
        struct Counter {
            #[serde(default, alias = "uses")]
            count: i64,
        }
        let counted = |item: Option<Item>| -> Result<u64, ApiError> {
            let count = item
                .map(from_item::<Counter>)
                .transpose()?
                .map_or(0, |c| c.count);
            Ok(u64::try_from(count).unwrap_or(0))
        };
        match filter {
            ArticleFilter::All => {
                counted(self.get("count articles", &keys::article_counter()).await?)
            }
            ArticleFilter::Tag(tag) => {
                counted(self.get("count tag", &keys::tag_counter(tag)).await?)
            }
            ArticleFilter::Author(user) => Ok(u64::try_from(user.articles_count).unwrap_or(0)),
            ArticleFilter::FavoritedBy(user) => {
                Ok(u64::try_from(user.favorites_count).unwrap_or(0))
            }
        }
    }

    /// Articles by the authors `user_id` follows, newest first. Each followed
    /// author's list is read up to `offset + limit` entries and the lists are
    /// merged, so a new article shows at once and the cost grows with the page
    /// and the number of follows, never with the table.
    pub async fn feed(&self, user_id: &str, page: Page) -> Result<ArticlePage, ApiError> {
        let (pk, prefix) = keys::follows_of(user_id);
        let follows = self
            .query_prefix("list follows", &pk, prefix, usize::MAX)
            .await?;
        let followees = follows
            .into_iter()
            .map(|item| from_item::<super::follows::Follow>(item).map(|f| f.followee_id))
            .collect::<Result<Vec<_>, _>>()?;
        if followees.is_empty() {
            return Ok(ArticlePage {
                articles: Vec::new(),
                count: 0,
            });
        }
        let wanted = page.offset + page.limit;
        let lists: Vec<Vec<Item>> = stream::iter(followees.iter().cloned())
            .map(|author| async move {
                let (pk, prefix) = keys::articles_by_author(&author);
                self.query_prefix("feed", &pk, prefix, wanted).await
            })
            .buffer_unordered(FEED_CONCURRENCY)
            .try_collect()
            .await?;
        let mut entries = lists
            .into_iter()
            .flatten()
            .map(from_item::<Entry>)
            .collect::<Result<Vec<_>, _>>()?;
        // Every entry's sort key is `ARTICLE#<created>#<id>`: one order across authors.
        entries.sort_unstable_by(|a, b| b.sk.cmp(&a.sk));
        let ids: Vec<String> = entries
            .into_iter()
            .skip(page.offset)
            .take(page.limit)
            .map(|e| e.article_id)
            .collect();
        let authors = self.users_by_ids(&followees).await?;
        let count = authors
            .iter()
            .map(|u| u64::try_from(u.articles_count).unwrap_or(0))
            .sum();
        Ok(ArticlePage {
            articles: self.articles_by_ids(&ids).await?,
            count,
        })
    }

    /// The articles with these ids, in this order; missing ones are skipped.
    pub(crate) async fn articles_by_ids(
        &self,
        ids: &[String],
    ) -> Result<Vec<ArticleRecord>, ApiError> {
        let keys = ids.iter().map(|id| keys::article(id)).collect();
        let mut found = self
            .batch_get("get articles", keys)
            .await?
            .into_iter()
            .map(from_item::<ArticleRecord>)
            .collect::<Result<Vec<_>, _>>()?;
        let mut ordered = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(at) = found.iter().position(|a| &a.id == id) {
                ordered.push(found.swap_remove(at));
            }
        }
        Ok(ordered)
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
        self.get("health check", &keys::article_counter())
            .await
            .map(drop)
    }
}

//! Articles and the lists they appear in.
//!
//! An article is a few items under its immutable id: the head (title,
//! description, tags, author, times, version), the body apart from it, and
//! the comment sequence. Its slug is a claim item naming the id, author and
//! creation time. Each list it belongs to (all, by author, by tag) holds an
//! entry item, and each list has a counter. Its favorites are counted on
//! the head and on its all-articles entry.
//! Creating, editing or deleting an article writes the article, its entries
//! and the counters in one transaction, so lists and counts never disagree.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::{
    ground::{
        clock,
        error::ApiError,
        keys::{self, Position},
        precondition::IfMatch,
    },
    table::{Expr, Slot, Tx, UpdateExpr, from_item},
};

use super::{
    Articles,
    jobs::Job,
    pages::{Assembly, Context, Viewer},
    records::{ArticleRecord, BodyItem, Published, Shows},
    requests::CreateRequest,
    slug,
    users::{self, Counter},
};

#[derive(Serialize, Deserialize)]
struct CommentSequence {
    comment_seq: u64,
}

/// A slug claim: which article holds the slug, its author and creation
/// time (so one batched read gets the article, its counters and its
/// author's profile).
#[derive(Serialize, Deserialize)]
pub(crate) struct ArticleRef {
    pub(crate) article_id: String,
    pub(crate) author_id: String,
    pub(crate) created_at: String,
}

impl From<&ArticleRecord> for ArticleRef {
    fn from(article: &ArticleRecord) -> Self {
        Self {
            article_id: article.id.clone(),
            author_id: article.author_id.clone(),
            created_at: article.created_at.clone(),
        }
    }
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

/// How many slugs are tried for one title: the bare slug, then random suffixes.
const SLUG_ATTEMPTS: usize = 4;

/// How often an edit or deletion that lost a race is re-read and tried again.
const EDIT_ATTEMPTS: usize = 4;

/// The transaction item that makes a write land only while article `id`
/// exists: nothing (a comment, a feed entry) outlives the deletion whose
/// cleanup would remove it.
pub(crate) fn must_exist(tx: &mut Tx<'_>, id: &str) -> Slot {
    tx.must_exist(&keys::article_alive(id))
}

/// Whether `editor` may change `article` as read: its author, and (with
/// `If-Match`) while it is still the version the client read. Checked on
/// every attempt, so an edit that lands between the client's read and this
/// write fails the precondition rather than being overwritten.
fn check(
    article: &ArticleRecord,
    editor: &str,
    expected: Option<&IfMatch>,
) -> Result<(), ApiError> {
    if article.author_id != editor {
        return Err(ApiError::Forbidden("article"));
    }
    match expected {
        Some(expected) if !expected.holds(article.version) => {
            Err(ApiError::PreconditionFailed("article"))
        }
        _ => Ok(()),
    }
}

/// Each tag's list entry and counter, added (`delta` 1) or removed (-1).
fn tag_writes(tx: &mut Tx<'_>, position: &Position, author_id: &str, tags: &[String], delta: i64) {
    for tag in tags {
        let list = keys::articles_by_tag(tag);
        if delta > 0 {
            tx.put_item(list.entry_item(position, author_id), None);
        } else {
            tx.delete(&list.entry(position));
        }
        let counter = UpdateExpr::new()
            .set(
                keys::TAGS_INDEX_PK,
                AttributeValue::S(keys::tags_index_partition_of(tag)),
            )
            .add(keys::TAGS_INDEX_SK, delta);
        tx.update(&keys::tag_counter(tag), counter);
    }
}

impl Articles<'_> {
    /// Publishes `new`, and sends it to its author's followers' feeds (the
    /// first page at once). The same article sent again by the same author
    /// within the request window (a retry after a timeout or a 503)
    /// answers with the article the first attempt made, not a copy.
    pub async fn create(self, new: NewArticle) -> Result<ArticleRecord, ApiError> {
        let now = clock::now();
        let base = slug::slugify(&new.title);
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
            let reference = ArticleRef::from(&article);
            let mut tx = self.table().tx("create article");
            let head = tx.put_new(&keys::article(&article.id), &article)?;
            let slug_claim = tx.put_new(&keys::slug(&article.slug), &reference)?;
            tx.put(&keys::article_body(&article.id), &body)?;
            tx.put(
                &keys::article_alive(&article.id),
                &CommentSequence { comment_seq: 0 },
            )?;
            tx.put_item(
                keys::all_articles_of(&article.id).entry_item(&position, &article.author_id),
                None,
            );
            tx.add(&keys::article_counter_of(&article.id), "count", 1);
            tx.put_item(
                keys::articles_by_author(&article.author_id)
                    .entry_item(&position, &article.author_id),
                None,
            );
            let author = users::count(&mut tx, &article.author_id, Counter::Articles, 1);
            // The claim names the article by its position, which the
            // article's counters are read by.
            let claim = request.claim(&mut tx, position.as_str())?;
            tag_writes(&mut tx, &position, &article.author_id, &article.tag_list, 1);
            match tx.commit().await? {
                Ok(()) => {
                    article.body = Some(body.body);
                    let job = Job::Publish(Published::from(&article));
                    self.store().jobs().at_once(&job).await;
                    return Ok(article);
                }
                // Checked first: a retry also finds its own slug taken.
                Err(refused) if refused.by(claim) => {
                    if let Some(target) = request.claimed(self.table()).await? {
                        let made = match Position::parse(&target) {
                            Some(at) => self.get_with_body(&at).await?,
                            None => None,
                        };
                        match made {
                            Some(made) => return Ok(made),
                            None => request.replace_stale(target),
                        }
                    }
                }
                Err(refused) if refused.by(author) => return Err(ApiError::token_invalid()),
                Err(refused) if refused.by(slug_claim) && !refused.by(head) => {
                    article.slug = slug::with_suffix(&base);
                }
                Err(refused) => return Err(refused.unexpected()),
            }
        }
        Err(ApiError::Unavailable(format!("no free slug for {base}")))
    }

    /// The article at `position` (head and counters, no body), if it
    /// exists: one batched read.
    pub async fn get(self, position: &Position) -> Result<Option<ArticleRecord>, ApiError> {
        self.read(position, false).await
    }

    /// The article at `position` with its body, in one batched read.
    pub async fn get_with_body(
        self,
        position: &Position,
    ) -> Result<Option<ArticleRecord>, ApiError> {
        self.read(position, true).await
    }

    async fn read(
        self,
        position: &Position,
        body: bool,
    ) -> Result<Option<ArticleRecord>, ApiError> {
        let mut assembly = Assembly::default();
        let shows = Shows {
            position: position.clone(),
            author_id: String::new(),
            counted: None,
        };
        let keys = assembly.keys(&shows, body);
        for item in self.table().batch_get("get article", keys).await? {
            assembly.take(item)?;
        }
        Ok(assembly.article(position.article_id()))
    }

    /// Whether article `id` exists (its marker item is there).
    pub async fn exists(self, id: &str) -> Result<bool, ApiError> {
        self.table()
            .exists("get article", &keys::article_alive(id))
            .await
    }

    /// The article a slug names and its author; 404 `article: not found`
    /// otherwise.
    pub async fn slug_holder(self, slug: &str) -> Result<Shows, ApiError> {
        let Some(item) = self.table().get("get slug", &keys::slug(slug)).await? else {
            return Err(ApiError::NotFound("article"));
        };
        let claim: ArticleRef = from_item(item)?;
        Ok(Shows {
            position: Position::new(&claim.created_at, &claim.article_id),
            author_id: claim.author_id,
            counted: None,
        })
    }

    /// The article a slug names, with its body if `body`, as `viewer`
    /// sees it: the slug's claim, then one read of the article, its author
    /// and the viewer's favorite and follow; 404 otherwise.
    pub async fn by_slug_seen_by(
        self,
        slug: &str,
        viewer: Option<&Viewer>,
        body: bool,
    ) -> Result<(ArticleRecord, Context), ApiError> {
        let article = self.slug_holder(slug).await?;
        self.store()
            .article_seen_by(viewer, &article, body)
            .await?
            .ok_or(ApiError::NotFound("article"))
    }

    /// The body of article `id`, if it still exists.
    pub async fn body(self, id: &str) -> Result<Option<String>, ApiError> {
        match self
            .table()
            .get("get article body", &keys::article_body(id))
            .await?
        {
            Some(item) => Ok(Some(from_item::<BodyItem>(item)?.body)),
            None => Ok(None),
        }
    }

    /// The article a slug names (head and counts); 404 otherwise.
    pub async fn by_slug(self, slug: &str) -> Result<ArticleRecord, ApiError> {
        let at = self.slug_holder(slug).await?.position;
        self.get(&at).await?.ok_or(ApiError::NotFound("article"))
    }

    /// The article a slug names, with its body; 404 otherwise.
    pub async fn by_slug_with_body(self, slug: &str) -> Result<ArticleRecord, ApiError> {
        let at = self.slug_holder(slug).await?.position;
        self.get_with_body(&at)
            .await?
            .ok_or(ApiError::NotFound("article"))
    }

    /// The articles at these positions that still exist, as a job knows
    /// them, in this order. One batched read of their heads per hundred.
    pub async fn published(self, positions: &[Position]) -> Result<Vec<Published>, ApiError> {
        let reads = positions.chunks(100).map(|chunk| {
            let keys = chunk
                .iter()
                .map(|at| keys::article(at.article_id()))
                .collect();
            self.table().batch_get("get articles", keys)
        });
        let mut assembly = Assembly::default();
        for item in futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
        {
            assembly.take(item)?;
        }
        Ok(positions
            .iter()
            .filter_map(|at| assembly.article(at.article_id()))
            .map(|article| Published::from(&article))
            .collect())
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
    pub async fn update(
        self,
        current: ArticleRecord,
        editor: &str,
        changes: &ArticleChanges,
        expected: Option<&IfMatch>,
    ) -> Result<ArticleRecord, ApiError> {
        let mut current = current;
        for _ in 0..EDIT_ATTEMPTS {
            check(&current, editor, expected)?;
            match self.try_update(&current, changes).await? {
                Some(updated) => return Ok(updated),
                None => current = self.reread(&current.position()).await?,
            }
        }
        Err(ApiError::Changed("article"))
    }

    /// The article again, after a write conditioned on an older version failed.
    async fn reread(self, position: &Position) -> Result<ArticleRecord, ApiError> {
        self.get_with_body(position)
            .await?
            .ok_or(ApiError::NotFound("article"))
    }

    /// `Ok(None)` when `current` is no longer the stored version.
    async fn try_update(
        self,
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
        updated.updated_at = clock::later_than(&current.updated_at);
        updated.version = current.version + 1;

        let base = slug::slugify(&updated.title);
        let retitled = base != slug::slugify(&current.title);
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
        let position = current.position();

        for attempt in 0..SLUG_ATTEMPTS {
            if retitled {
                updated.slug = if attempt == 0 {
                    base.clone()
                } else {
                    slug::with_suffix(&base)
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
            let mut tx = self.table().tx("update article");
            let head = tx.update(&keys::article(&current.id), update);
            let author = users::must_exist(&mut tx, &current.author_id);
            if let Some(body) = new_body {
                tx.put(
                    &keys::article_body(&current.id),
                    &BodyItem { body: body.clone() },
                )?;
            }
            let new_claim = if updated.slug == current.slug {
                None
            } else {
                let held = Expr::equals("article_id", AttributeValue::S(current.id.clone()));
                tx.delete_if(&keys::slug(&current.slug), Some(held));
                Some(tx.put_new(&keys::slug(&updated.slug), &ArticleRef::from(current))?)
            };
            tag_writes(&mut tx, &position, &current.author_id, &removed, -1);
            tag_writes(&mut tx, &position, &current.author_id, &added, 1);
            match tx.commit().await? {
                // Favorites change the counters without a new version: the
                // count as it is now is read with the answer's context.
                Ok(()) => return Ok(Some(updated)),
                Err(refused) if refused.by(head) => return Ok(None),
                Err(refused) if refused.by(author) => return Err(ApiError::token_invalid()),
                Err(refused) if new_claim.is_some_and(|slot| refused.by(slot)) => continue,
                Err(refused) => return Err(refused.unexpected()),
            }
        }
        Err(ApiError::Unavailable(format!("no free slug for {base}")))
    }

    /// Deletes the article as user `editor`: its head, body and counters,
    /// its slug, its list entries, its tags and the counts go in one
    /// transaction, conditioned on the version read (a lost race re-reads
    /// and tries again, so an edit that landed first is what gets deleted,
    /// new slug and tags included). Then it leaves its followers' feeds (the
    /// first page at once).
    ///
    /// Its favorites and comments may be too many for one transaction. Nothing
    /// can reach or add to them once the article is gone (both are written
    /// only while its counters exist), and its unpublish job removes them,
    /// with the favoriters' counts, after the feed entries.
    pub async fn delete(
        self,
        current: ArticleRecord,
        editor: &str,
        expected: Option<&IfMatch>,
    ) -> Result<(), ApiError> {
        let mut article = current;
        for _ in 0..EDIT_ATTEMPTS {
            check(&article, editor, expected)?;
            let position = article.position();
            let mut is_current = Expr::equals("author_id", AttributeValue::S(editor.to_owned()));
            is_current.and_version("version", article.version);
            let held = Expr::equals("article_id", AttributeValue::S(article.id.clone()));
            let mut tx = self.table().tx("delete article");
            let head = tx.delete_if(&keys::article(&article.id), Some(is_current));
            let slug_claim = tx.delete_if(&keys::slug(&article.slug), Some(held));
            tx.delete(&keys::article_body(&article.id));
            tx.delete(&keys::article_alive(&article.id));
            tx.delete(&keys::all_articles_of(&article.id).entry(&position));
            tx.add(&keys::article_counter_of(&article.id), "count", -1);
            tx.delete(&keys::articles_by_author(&article.author_id).entry(&position));
            let author = users::count(&mut tx, &article.author_id, Counter::Articles, -1);
            tag_writes(
                &mut tx,
                &position,
                &article.author_id,
                &article.tag_list,
                -1,
            );
            match tx.commit().await? {
                Ok(()) => {
                    let job = Job::Unpublish(Published::from(&article));
                    self.store().jobs().at_once(&job).await;
                    return Ok(());
                }
                Err(refused) if refused.by(head) || refused.by(slug_claim) => {
                    article = self.reread(&position).await?;
                }
                Err(refused) if refused.by(author) => return Err(ApiError::token_invalid()),
                Err(refused) => return Err(refused.unexpected()),
            }
        }
        Err(ApiError::Changed("article"))
    }
}

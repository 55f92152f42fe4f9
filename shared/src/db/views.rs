//! Articles and comments as the caller sees them: with their author's profile
//! and the caller's `favorited` and `following`. Each is one `BatchGetItem` for
//! a whole page, whatever its size.

use std::collections::{HashMap, HashSet};

use crate::{
    ApiError,
    model::{Article, Comment, Profile},
};

use super::{
    Db, articles::ArticleRecord, comments::CommentRecord, from_item, keys, users::UserRecord,
};

impl Db {
    pub async fn article_views(
        &self,
        viewer: Option<&str>,
        articles: Vec<ArticleRecord>,
        with_body: bool,
    ) -> Result<Vec<Article>, ApiError> {
        let author_ids: Vec<String> = articles.iter().map(|a| a.author_id.clone()).collect();
        let favorited = async {
            match viewer {
                None => Ok(HashSet::new()),
                Some(viewer) => {
                    let keys = articles
                        .iter()
                        .map(|a| keys::favorite(&a.id, viewer))
                        .collect();
                    let found = self.batch_get("get favorites", keys).await?;
                    found
                        .into_iter()
                        .map(|item| {
                            from_item::<super::favorites::Favorite>(item).map(|f| f.article_id)
                        })
                        .collect::<Result<HashSet<_>, _>>()
                }
            }
        };
        let (profiles, favorited) =
            futures::try_join!(self.profiles(viewer, &author_ids), favorited)?;
        Ok(articles
            .into_iter()
            .filter_map(|a| {
                let author = profiles.get(&a.author_id)?.clone();
                Some(Article {
                    favorited: favorited.contains(&a.id),
                    favorites_count: u64::try_from(a.favorites_count).unwrap_or(0),
                    slug: a.slug,
                    title: a.title,
                    description: a.description,
                    body: if with_body { a.body } else { None },
                    tag_list: a.tag_list,
                    created_at: a.created_at,
                    updated_at: a.updated_at,
                    author,
                })
            })
            .collect())
    }

    /// One article as `viewer` sees it, with the body it was read with.
    pub async fn article_view(
        &self,
        viewer: Option<&str>,
        article: ArticleRecord,
    ) -> Result<Article, ApiError> {
        if article.body.is_none() {
            return Err(ApiError::internal(format!(
                "article {} was read without its body",
                article.id
            )));
        }
        self.article_views(viewer, vec![article], true)
            .await?
            .pop()
            .ok_or_else(|| ApiError::internal("article author is missing"))
    }

    /// The article as stored now, as `viewer` sees it: after a write, so its
    /// counts include every other caller's changes too.
    pub async fn fresh_article_view(&self, viewer: &str, id: &str) -> Result<Article, ApiError> {
        let article = self
            .get_article_with_body(id)
            .await?
            .ok_or(ApiError::NotFound("article"))?;
        self.article_view(Some(viewer), article).await
    }

    pub async fn comment_views(
        &self,
        viewer: Option<&str>,
        comments: Vec<CommentRecord>,
    ) -> Result<Vec<Comment>, ApiError> {
        let author_ids: Vec<String> = comments.iter().map(|c| c.author_id.clone()).collect();
        let profiles = self.profiles(viewer, &author_ids).await?;
        Ok(comments
            .into_iter()
            .filter_map(|c| {
                Some(Comment {
                    author: profiles.get(&c.author_id)?.clone(),
                    id: c.id,
                    created_at: c.created_at,
                    updated_at: c.updated_at,
                    body: c.body,
                })
            })
            .collect())
    }

    /// Profiles of these users as `viewer` sees them, by user id.
    async fn profiles(
        &self,
        viewer: Option<&str>,
        user_ids: &[String],
    ) -> Result<HashMap<String, Profile>, ApiError> {
        let unique: Vec<String> = user_ids
            .iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .cloned()
            .collect();
        let following = async {
            match viewer {
                None => Ok(HashSet::new()),
                Some(viewer) => {
                    let keys = unique.iter().map(|id| keys::follow(viewer, id)).collect();
                    self.batch_get("get follows", keys)
                        .await?
                        .into_iter()
                        .map(|item| {
                            from_item::<super::follows::Follow>(item).map(|f| f.followee_id)
                        })
                        .collect::<Result<HashSet<_>, _>>()
                }
            }
        };
        let (users, following) = futures::try_join!(self.users_by_ids(&unique), following)?;
        Ok(users
            .into_iter()
            .map(|user: UserRecord| {
                let profile = Profile::new(&user, following.contains(&user.id));
                (user.id, profile)
            })
            .collect())
    }
}

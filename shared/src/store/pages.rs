//! What a page shows beside its articles or comments: each author's
//! profile, and for a signed-in viewer whether they follow each author and
//! favorited each article. Read for the whole page at once, whatever its size.

use std::collections::{HashMap, HashSet};

use crate::{
    ground::{error::ApiError, keys},
    table::from_item,
};

use super::{
    Store,
    lists::ArticlePage,
    records::{ArticleRecord, Favorite, Follow, UserRecord},
};

/// The authors of a page and the viewer's relation to them.
#[derive(Default)]
pub struct Context {
    authors: HashMap<String, UserRecord>,
    following: HashSet<String>,
    favorited: HashSet<String>,
}

impl Context {
    /// The author with this id, if the user still exists.
    pub fn author(&self, id: &str) -> Option<&UserRecord> {
        self.authors.get(id)
    }

    /// Whether the viewer follows user `id`.
    pub fn follows(&self, id: &str) -> bool {
        self.following.contains(id)
    }

    /// Whether the viewer favorited article `id`.
    pub fn favorited(&self, id: &str) -> bool {
        self.favorited.contains(id)
    }
}

/// A page of articles as its viewer sees it.
pub struct Shown {
    pub articles: Vec<ArticleRecord>,
    /// All matches, not just this page's.
    pub count: u64,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<keys::Position>,
    pub context: Context,
}

impl Store {
    /// `page` with its context, as `viewer` sees it.
    pub async fn show(&self, viewer: Option<&str>, page: ArticlePage) -> Result<Shown, ApiError> {
        let authors: Vec<String> = page.articles.iter().map(|a| a.author_id.clone()).collect();
        let ids: Vec<String> = page.articles.iter().map(|a| a.id.clone()).collect();
        let context = self.context(viewer, &authors, &ids).await?;
        Ok(Shown {
            articles: page.articles,
            count: page.count,
            next: page.next,
            context,
        })
    }

    /// The context of a page by `authors` (user ids, repeats allowed) of
    /// `articles` (ids; none for comments) as `viewer` sees it.
    pub async fn context(
        &self,
        viewer: Option<&str>,
        authors: &[String],
        articles: &[String],
    ) -> Result<Context, ApiError> {
        let unique: Vec<String> = authors
            .iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .cloned()
            .collect();
        let following = async {
            let Some(viewer) = viewer else {
                return Ok(HashSet::new());
            };
            let keys = unique.iter().map(|id| keys::follow(viewer, id)).collect();
            self.table
                .batch_get("get follows", keys)
                .await?
                .into_iter()
                .map(|item| from_item::<Follow>(item).map(|f| f.followee_id))
                .collect::<Result<HashSet<_>, _>>()
        };
        let favorited = async {
            let Some(viewer) = viewer.filter(|_| !articles.is_empty()) else {
                return Ok(HashSet::new());
            };
            let keys = articles
                .iter()
                .map(|id| keys::favorite(id, viewer))
                .collect();
            self.table
                .batch_get("get favorites", keys)
                .await?
                .into_iter()
                .map(|item| from_item::<Favorite>(item).map(|f| f.article_id))
                .collect::<Result<HashSet<_>, _>>()
        };
        let (users, following, favorited) =
            futures::try_join!(self.users_by_ids(&unique), following, favorited)?;
        Ok(Context {
            authors: users.into_iter().map(|u| (u.id.clone(), u)).collect(),
            following,
            favorited,
        })
    }
}

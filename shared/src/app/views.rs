//! The JSON documents of the API, as the RealWorld spec shapes them, and
//! every conversion of a stored record into one.

use serde::Serialize;

use crate::{
    app::cursor,
    ground::error::ApiError,
    store::{
        Store,
        comments::Page as CommentPage,
        pages::{Context, Shown, Viewer},
        records::Shows,
        records::{ArticleRecord, CommentRecord, UserRecord},
    },
};

#[derive(Debug, Serialize)]
pub struct UserBody {
    pub user: User,
    /// The profile's stored version, which the answer's `ETag` names.
    #[serde(skip)]
    pub version: u64,
}

#[derive(Debug, Serialize)]
pub struct User {
    pub email: String,
    pub token: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

impl UserBody {
    pub fn new(record: UserRecord, token: String) -> Self {
        Self {
            version: record.version,
            user: User {
                email: record.email,
                token,
                username: record.username,
                bio: record.bio,
                image: record.image,
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ProfileBody {
    pub profile: Profile,
}

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

impl Profile {
    pub fn new(record: &UserRecord, following: bool) -> Self {
        Self {
            username: record.username.clone(),
            bio: record.bio.clone(),
            image: record.image.clone(),
            following,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Only single-article responses carry the body; lists leave it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub tag_list: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub favorited: bool,
    pub favorites_count: u64,
    pub author: Profile,
}

#[derive(Debug, Serialize)]
pub struct ArticleBody {
    pub article: Article,
    /// The head's stored version, which the answer's `ETag` names.
    #[serde(skip)]
    pub version: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleList {
    pub articles: Vec<Article>,
    pub articles_count: u64,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: u64,
    pub created_at: String,
    pub updated_at: String,
    pub body: String,
    pub author: Profile,
}

#[derive(Debug, Serialize)]
pub struct CommentBody {
    pub comment: Comment,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentList {
    pub comments: Vec<Comment>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TagList {
    pub tags: Vec<String>,
}

impl ArticleList {
    /// A page as its viewer sees it; `cursor` encodes where the next starts.
    pub fn new(shown: Shown) -> Self {
        let next_cursor = shown.next.as_ref().map(super::cursor::articles);
        Self {
            articles_count: shown.count,
            articles: articles(shown.articles, &shown.context, false),
            next_cursor,
        }
    }

    /// The answer for a filter that matches nothing.
    pub fn empty() -> Self {
        Self {
            articles: Vec::new(),
            articles_count: 0,
            next_cursor: None,
        }
    }
}

/// Articles as a page's viewer sees them; an article whose author is gone
/// is left out.
fn articles(records: Vec<ArticleRecord>, context: &Context, with_body: bool) -> Vec<Article> {
    records
        .into_iter()
        .filter_map(|a| {
            let author = context.author(&a.author_id)?;
            Some(Article {
                favorited: context.favorited(&a.id),
                favorites_count: u64::try_from(a.favorites_count).unwrap_or(0),
                author: Profile::new(author, context.follows(&a.author_id)),
                slug: a.slug,
                title: a.title,
                description: a.description,
                body: if with_body { a.body } else { None },
                tag_list: a.tag_list,
                created_at: a.created_at,
                updated_at: a.updated_at,
            })
        })
        .collect()
}

impl ArticleBody {
    /// One article as read with its body and context.
    pub fn new(article: ArticleRecord, context: &Context) -> Result<Self, ApiError> {
        if article.body.is_none() {
            return Err(ApiError::internal(format!(
                "article {} was read without its body",
                article.id
            )));
        }
        Self::without_body(article, context)
    }

    /// One article as read without its body (which its version names):
    /// enough to tell whether a client's copy is current.
    pub fn without_body(article: ArticleRecord, context: &Context) -> Result<Self, ApiError> {
        let version = article.version;
        articles(vec![article], context, true)
            .pop()
            .map(|article| Self { article, version })
            .ok_or_else(|| ApiError::internal("article author is missing"))
    }

    /// `article` as its writer `viewer` just left it (with the body the
    /// write had), its favorites count as it is now: one read of its
    /// counters, its author and the viewer's favorite and follow.
    pub async fn after_write(
        store: &Store,
        viewer: &str,
        mut article: ArticleRecord,
    ) -> Result<Self, ApiError> {
        let (now, context) = store
            .article_seen_by(Some(&Viewer::checked(viewer)), &article.shows(), false)
            .await?
            .ok_or(ApiError::NotFound("article"))?;
        article.favorites_count = now.favorites_count;
        Self::new(article, &context)
    }

    /// The article as stored now, with its body, as `viewer` sees it: after
    /// a favorite, so its count includes every other caller's too.
    pub async fn fresh(store: &Store, viewer: &str, article: &Shows) -> Result<Self, ApiError> {
        let (article, context) = store
            .article_seen_by(Some(&Viewer::checked(viewer)), article, true)
            .await?
            .ok_or(ApiError::NotFound("article"))?;
        Self::new(article, &context)
    }
}

/// The most bytes of JSON a page of comments answers with: under Lambda's
/// 6 MB response limit even once the answer is escaped again into the
/// response envelope, which at most doubles it (serde_json writes no raw
/// control characters, so only quotes and backslashes are escaped).
pub const COMMENT_ANSWER_BYTES: usize = 2 << 20;

/// A page of comments as answered: as many as fit in
/// [`COMMENT_ANSWER_BYTES`] (at least one, so a page always moves on), with
/// the cursor of what follows.
pub async fn comment_page(
    store: &Store,
    viewer: Option<&Viewer>,
    page: CommentPage,
) -> Result<CommentList, ApiError> {
    let mut comments = comments(store, viewer, page.comments).await?;
    let mut used = 0;
    let fits = comments
        .iter()
        .position(|c| {
            // Each comment and the comma after it.
            used += json_len(c) + 1;
            used > COMMENT_ANSWER_BYTES
        })
        .unwrap_or(comments.len())
        .max(1);
    let next = if comments.len() > fits {
        comments.truncate(fits);
        comments.last().map(|c| c.id)
    } else {
        page.next
    };
    Ok(CommentList {
        comments,
        next_cursor: next.map(cursor::comments),
    })
}

/// The length of `value` in JSON, counted as it is written, not kept.
fn json_len(value: &impl Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail, and a comment always serialises.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// Comments as `viewer` sees them; a comment whose author is gone is left out.
pub async fn comments(
    store: &Store,
    viewer: Option<&Viewer>,
    records: Vec<CommentRecord>,
) -> Result<Vec<Comment>, ApiError> {
    let authors: Vec<String> = records.iter().map(|c| c.author_id.clone()).collect();
    let context = store.context(viewer, &authors).await?;
    Ok(records
        .into_iter()
        .filter_map(|c| {
            let author = context.author(&c.author_id)?;
            Some(Comment {
                author: Profile::new(author, context.follows(&c.author_id)),
                id: c.id,
                created_at: c.created_at,
                updated_at: c.updated_at,
                body: c.body,
            })
        })
        .collect())
}

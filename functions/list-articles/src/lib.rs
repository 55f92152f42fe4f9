//! `GET /api/articles`: newest first, optionally filtered by one of `tag`,
//! `author` or `favorited` (a username), paged by `limit` and `offset` or
//! `cursor` (each page's `nextCursor`).

use lambda_http::{Body, Error, Request, Response};
use shared::{
    ApiError, App, auth, cursor,
    db::articles::{ArticleFilter, ArticlePage},
    http,
    model::ArticleList,
};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(list(app, &req).await)
}

async fn list(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let viewer = auth::optional_user(app, req).await?;
    let page = http::article_page(req)?;
    let tag = http::query_param(req, "tag");
    let author = http::query_param(req, "author");
    let favorited = http::query_param(req, "favorited");
    let filters = [&tag, &author, &favorited]
        .iter()
        .filter(|f| f.is_some())
        .count();
    if filters > 1 {
        // Each filter is served by its own list; their intersection has no key.
        return Err(ApiError::field(
            "filter",
            "use only one of tag, author and favorited",
        ));
    }
    // A username that does not exist matches no article.
    let user = match author.as_deref().or(favorited.as_deref()) {
        Some(username) => match app.db.find_user_by_username(username).await? {
            Some(user) => Some(user),
            None => {
                return http::ok(&ArticleList {
                    articles: Vec::new(),
                    articles_count: 0,
                    next_cursor: None,
                });
            }
        },
        None => None,
    };
    let filter = match (&tag, &author, &user) {
        (Some(tag), _, _) => ArticleFilter::Tag(tag),
        (_, Some(_), Some(user)) => ArticleFilter::Author(user),
        (_, None, Some(user)) => ArticleFilter::FavoritedBy(user),
        _ => ArticleFilter::All,
    };
    let ArticlePage {
        articles,
        count,
        next,
    } = app.db.list_articles(&filter, &page).await?;
    let articles = app
        .db
        .article_views(viewer.as_deref(), articles, false)
        .await?;
    http::ok(&ArticleList {
        articles,
        articles_count: count,
        next_cursor: next.as_ref().map(cursor::articles),
    })
}

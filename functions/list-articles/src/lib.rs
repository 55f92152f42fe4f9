//! `GET /api/articles`: newest first, optionally filtered by one of `tag`,
//! `author` or `favorited` (a username), paged by `limit` and `offset` or
//! `cursor` (each page's `nextCursor`).

use lambda_http::Request;
use shared::{
    ApiError, App,
    app::{
        auth::{self, Token},
        views::ArticleList,
    },
    request,
    response::{self, Answer},
    store::lists::ArticleFilter,
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let page = request::article_page(&req)?;
    let tag = request::query_param(&req, "tag");
    let author = request::query_param(&req, "author");
    let favorited = request::query_param(&req, "favorited");
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
    let shown = auth::reading(app, &req, Token::Optional, |viewer| async move {
        // A username that does not exist matches no article.
        let user = match author.as_deref().or(favorited.as_deref()) {
            Some(username) => match app.store.users().id_of(username).await? {
                Some(user) => Some(user),
                None => return Ok(None),
            },
            None => None,
        };
        let filter = match (&tag, &author, &user) {
            (Some(tag), _, _) => ArticleFilter::Tag(tag),
            (_, Some(_), Some(user)) => ArticleFilter::Author(user),
            (_, None, Some(user)) => ArticleFilter::FavoritedBy(user),
            _ => ArticleFilter::All,
        };
        let shown = app
            .store
            .lists()
            .articles(&filter, &page, viewer.as_ref())
            .await?;
        Ok(Some(shown))
    })
    .await?;
    match shown {
        Some(shown) => response::ok(&ArticleList::new(shown)),
        None => response::ok(&ArticleList::empty()),
    }
}

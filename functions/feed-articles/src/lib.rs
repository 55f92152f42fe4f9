//! `GET /api/articles/feed`: articles by the authors the caller follows,
//! newest first, paged by `limit` and `offset` or `cursor`. One query of the
//! caller's own feed, however many authors they follow (see `db::feed`).

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, auth, cursor, http, model::ArticleList};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(feed(app, &req).await)
}

async fn feed(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let viewer = auth::require_user(app, req).await?;
    let page = http::article_page(req)?;
    let feed = app.db.feed(&viewer, &page).await?;
    let mut articles = app
        .db
        .article_views(Some(&viewer), feed.articles, false)
        .await?;
    // An author unfollowed a moment ago may still have entries until the
    // stream worker has taken them out; they are not shown meanwhile.
    articles.retain(|article| article.author.following);
    http::ok(&ArticleList {
        articles,
        articles_count: feed.count,
        next_cursor: feed.next.as_ref().map(cursor::articles),
    })
}

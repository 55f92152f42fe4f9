//! `GET /api/articles/feed`: articles by the authors the caller follows,
//! newest first, paged by `limit` and `offset`.

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, auth, http, model::ArticleList, validate::LIMIT_DEFAULT};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(feed(app, &req).await)
}

async fn feed(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let viewer = auth::require_user(app, req).await?;
    let page = http::page(req, LIMIT_DEFAULT)?;
    let feed = app.db.feed(&viewer, page).await?;
    let articles = app
        .db
        .article_views(Some(&viewer), feed.articles, false)
        .await?;
    http::ok(&ArticleList {
        articles,
        articles_count: feed.count,
    })
}

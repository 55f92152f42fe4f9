//! `GET /api/articles/feed`: articles by the authors the caller follows,
//! newest first, paged by `limit` and `offset` or `cursor`. One query of the
//! caller's own feed, however many authors they follow (see `db::feed`).

use std::collections::HashMap;

use lambda_http::{Body, Error, Request, Response};
use shared::{
    ApiError, App, auth, cursor,
    db::{feed::Stale, keys::Position},
    http,
    model::ArticleList,
};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(feed(app, &req).await)
}

async fn feed(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let viewer = auth::require_user(app, req).await?;
    let page = http::article_page(req)?;
    let feed = app.db.feed(&viewer, &page).await?;
    let owners: HashMap<String, (Position, String)> = feed
        .articles
        .iter()
        .map(|a| (a.slug.clone(), (a.position(), a.author_id.clone())))
        .collect();
    let mut articles = app
        .db
        .article_views(Some(&viewer), feed.articles, false)
        .await?;
    // An author unfollowed a moment ago may still have entries until the
    // stream worker has taken them out: they are not shown, and the read
    // takes them out itself.
    let (shown, unfollowed): (Vec<_>, Vec<_>) = articles
        .drain(..)
        .partition(|article| article.author.following);
    let stale = unfollowed
        .iter()
        .filter_map(|article| owners.get(&article.slug))
        .map(|(at, author)| Stale::Unfollowed {
            at: at.clone(),
            author: author.clone(),
        })
        .collect();
    app.db.drop_stale(&viewer, stale).await;
    http::ok(&ArticleList {
        articles: shown,
        articles_count: feed.count,
        next_cursor: feed.next.as_ref().map(cursor::articles),
    })
}

//! `GET /api/articles/feed`: articles by the authors the caller follows,
//! newest first, paged by `limit` and `offset` or `cursor`. One query of the
//! caller's own feed, however many authors they follow (see `store::feed`).

use lambda_http::Request;
use shared::{
    App,
    app::{auth, views::ArticleList},
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let viewer = auth::require_user(app, &req).await?;
    let page = request::article_page(&req)?;
    let shown = app.store.feed().page(&viewer, &page).await?;
    response::ok(&ArticleList::new(shown))
}

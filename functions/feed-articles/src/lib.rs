//! `GET /api/articles/feed`: articles by the authors the caller follows,
//! newest first, paged by `limit` and `offset` or `cursor`. One query of the
//! caller's own feed, however many authors they follow (see `store::feed`).

use lambda_http::Request;
use shared::{
    App,
    app::{
        auth::{self, Token},
        views::ArticleList,
    },
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let page = request::article_page(&req)?;
    let shown = auth::reading(app, &req, Token::Required, |viewer| async move {
        let reader = viewer.ok_or_else(shared::ApiError::token_missing)?;
        app.store.feed().page(&reader, &page).await
    })
    .await?;
    response::ok(&ArticleList::new(shown))
}

//! `GET /api/articles/{slug}/comments`: newest first, the whole thread by
//! default (up to 500 comments, bounded in bytes read and answered), or
//! `limit` at a time; each page's `nextCursor`, passed as `cursor`, gives
//! the next.

use lambda_http::Request;
use shared::{
    App,
    app::{
        auth::{self, Token},
        views,
    },
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let page = request::comment_page(&req)?;
    let slug = request::path_param(&req, "slug")?;
    let list = auth::reading(app, &req, Token::Optional, |viewer| async move {
        let article = app.store.articles().slug_holder(&slug).await?;
        let page = app.store.comments().page(article.id(), page).await?;
        views::comment_page(&app.store, viewer.as_ref(), page).await
    })
    .await?;
    response::ok(&list)
}

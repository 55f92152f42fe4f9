//! `GET /api/articles/{slug}/comments`: newest first, `limit` (default 20,
//! at most 50) at a time; each page's `nextCursor`, passed as `cursor`,
//! gives the next.

use lambda_http::Request;
use shared::{
    App,
    app::{
        auth::{self, Token},
        cursor,
        views::{self, CommentList},
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
        Ok(CommentList {
            comments: views::comments(&app.store, viewer.as_deref(), page.comments).await?,
            next_cursor: page.next.map(cursor::comments),
        })
    })
    .await?;
    response::ok(&list)
}

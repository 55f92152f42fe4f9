//! `GET /api/articles/{slug}/comments`: newest first, `limit` (default 20,
//! at most 50) at a time; each page's `nextCursor`, passed as `cursor`,
//! gives the next.

use lambda_http::Request;
use shared::{
    App,
    app::{
        auth, cursor,
        views::{self, CommentList},
    },
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let viewer = auth::optional_user(app, &req).await?;
    let page = request::comment_page(&req)?;
    let article = app
        .store
        .articles()
        .by_slug(&request::path_param(&req, "slug")?)
        .await?;
    let page = app.store.comments().page(&article.id, page).await?;
    response::ok(&CommentList {
        comments: views::comments(&app.store, viewer.as_deref(), page.comments).await?,
        next_cursor: page.next.map(cursor::comments),
    })
}

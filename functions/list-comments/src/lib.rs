//! `GET /api/articles/{slug}/comments`: newest first, `limit` (default 20,
//! at most 50) at a time; each page's `nextCursor`, passed as `cursor`,
//! gives the next.

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, auth, cursor, http, model::CommentList};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(list(app, &req).await)
}

async fn list(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let viewer = auth::optional_user(app, req).await?;
    let page = http::comment_page(req)?;
    let article = app
        .db
        .article_by_slug(&http::path_param(req, "slug")?)
        .await?;
    let page = app.db.comments(&article.id, page).await?;
    let comments = app
        .db
        .comment_views(viewer.as_deref(), page.comments)
        .await?;
    http::ok(&CommentList {
        comments,
        next_cursor: page.next.map(cursor::comments),
    })
}

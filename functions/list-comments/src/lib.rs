//! `GET /api/articles/{slug}/comments`: newest first. `limit` (default and
//! maximum 100) and `offset` page through articles with more comments.

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, auth, http, model::CommentList, validate::LIMIT_MAX};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(list(app, &req).await)
}

async fn list(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let viewer = auth::optional_user(app, req).await?;
    let page = http::page(req, LIMIT_MAX)?;
    let article = app
        .db
        .article_by_slug(&http::path_param(req, "slug")?)
        .await?;
    let comments = app.db.comments(&article.id, page).await?;
    let comments = app.db.comment_views(viewer.as_deref(), comments).await?;
    http::ok(&CommentList { comments })
}

//! `GET /api/articles/{slug}`: one article, with its body.

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, auth, http, model::ArticleBody};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(get(app, &req).await)
}

async fn get(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let viewer = auth::optional_user(app, req).await?;
    let article = app
        .db
        .article_by_slug_with_body(&http::path_param(req, "slug")?)
        .await?;
    let article = app.db.article_view(viewer.as_deref(), article).await?;
    http::ok(&ArticleBody { article })
}

//! `POST /api/articles/{slug}/favorite`: favorites an article; doing it twice changes nothing.

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, auth, http, model::ArticleBody};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(favorite(app, &req).await)
}

async fn favorite(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let user = auth::require_user(app, req).await?;
    let article = app
        .db
        .article_by_slug(&http::path_param(req, "slug")?)
        .await?;
    app.db.favorite(&article, &user).await?;
    let article = app.db.fresh_article_view(&user, &article.id).await?;
    http::ok(&ArticleBody { article })
}

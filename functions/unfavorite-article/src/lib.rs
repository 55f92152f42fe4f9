//! `DELETE /api/articles/{slug}/favorite`: removes a favorite; removing one that is not there changes nothing.

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, auth, http, model::ArticleBody};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(unfavorite(app, &req).await)
}

async fn unfavorite(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let user = auth::require_user(app, req).await?;
    let article = app
        .db
        .article_by_slug(&http::path_param(req, "slug")?)
        .await?;
    app.db.unfavorite(&article, &user).await?;
    let article = app.db.fresh_article_view(&user, &article.id).await?;
    http::ok(&ArticleBody { article })
}

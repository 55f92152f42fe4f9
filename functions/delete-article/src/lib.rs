//! `DELETE /api/articles/{slug}`: the author deletes an article; 204.

use lambda_http::{Body, Error, Request, Response};
use shared::{
    ApiError, App, auth,
    db::feed::{Job, Published},
    http,
};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(delete(app, &req).await)
}

async fn delete(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let editor = auth::require_user(app, req).await?;
    let article = app
        .db
        .article_by_slug(&http::path_param(req, "slug")?)
        .await?;
    let published = Published::from(&article);
    app.db.delete_article(article, &editor).await?;
    app.db.run_at_once(&Job::Unpublish(published)).await;
    http::no_content()
}

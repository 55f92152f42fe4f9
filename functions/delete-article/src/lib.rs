//! `DELETE /api/articles/{slug}`: the author deletes an article; 204.

use lambda_http::Request;
use shared::{
    App,
    app::auth,
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let editor = auth::require_user(app, &req).await?;
    let articles = app.store.articles();
    let article = articles
        .by_slug(&request::path_param(&req, "slug")?)
        .await?;
    articles
        .delete(article, &editor, request::if_match(&req).as_ref())
        .await?;
    response::no_content()
}

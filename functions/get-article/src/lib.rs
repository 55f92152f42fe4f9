//! `GET /api/articles/{slug}`: one article, with its body.

use lambda_http::Request;
use shared::{
    App,
    app::{auth, views::ArticleBody},
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let viewer = auth::optional_user(app, &req).await?;
    let article = app
        .store
        .articles()
        .by_slug_with_body(&request::path_param(&req, "slug")?)
        .await?;
    response::ok(&ArticleBody::new(&app.store, viewer.as_deref(), article).await?)
}

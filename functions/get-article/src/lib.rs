//! `GET /api/articles/{slug}`: one article, with its body.

use lambda_http::Request;
use shared::{
    App,
    app::{
        auth::{self, Token},
        views::ArticleBody,
    },
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let slug = request::path_param(&req, "slug")?;
    let (article, context) = auth::reading(app, &req, Token::Optional, |viewer| async move {
        app.store
            .articles()
            .by_slug_seen_by(&slug, viewer.as_deref())
            .await
    })
    .await?;
    response::article(&ArticleBody::new(article, &context)?)
}

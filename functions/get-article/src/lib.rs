//! `GET /api/articles/{slug}`: one article, with its body. With
//! `If-None-Match`, the article is read without its body first: its tag
//! names the version, which names the body, so a current copy is a 304 that
//! never reads the body; otherwise the body is read after.

use lambda_http::{Request, http::header};
use shared::{
    App,
    app::{
        auth::{self, Token},
        views::ArticleBody,
    },
    edge::cache,
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let slug = request::path_param(&req, "slug")?;
    let copy = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    auth::reading(app, &req, Token::Optional, |viewer| async move {
        let articles = app.store.articles();
        let Some(copy) = copy else {
            let (article, context) = articles
                .by_slug_seen_by(&slug, viewer.as_ref(), true)
                .await?;
            return response::article(&ArticleBody::new(article, &context)?);
        };
        let (mut article, context) = articles
            .by_slug_seen_by(&slug, viewer.as_ref(), false)
            .await?;
        let tag = response::article_tag(&ArticleBody::without_body(article.clone(), &context)?)?;
        if cache::matches(&copy, &tag) {
            return response::not_modified(&tag);
        }
        // Gone since the first read: as if it had been gone before.
        let body = articles.body(&article.id).await?;
        article.body = Some(body.ok_or(shared::ApiError::NotFound("article"))?);
        response::article(&ArticleBody::new(article, &context)?)
    })
    .await
}

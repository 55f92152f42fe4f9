//! `POST /api/articles`: publishes an article; 201 with the article.

use lambda_http::Request;
use serde::Deserialize;
use shared::{
    App, FieldErrors,
    app::{
        auth,
        validate::{self, ARTICLE_BODY_MAX, DESCRIPTION_MAX, Kind, Patch, TITLE_MAX},
        views::ArticleBody,
    },
    request,
    response::{self, Answer},
    store::articles::NewArticle,
};

#[derive(Deserialize)]
struct Envelope {
    article: Option<Draft>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Draft {
    title: Option<String>,
    description: Option<String>,
    body: Option<String>,
    #[serde(default)]
    tag_list: Patch<Vec<String>>,
}

pub async fn handler(app: &App, req: Request) -> Answer {
    let author_id = auth::require_user(app, &req).await?;
    let draft = request::parse_body::<Envelope>(&req)?
        .article
        .unwrap_or_default();
    let mut errors = FieldErrors::new();
    let title = validate::text(
        "title",
        draft.title.as_deref(),
        Kind::Line,
        TITLE_MAX,
        &mut errors,
    );
    let description = validate::text(
        "description",
        draft.description.as_deref(),
        Kind::Line,
        DESCRIPTION_MAX,
        &mut errors,
    );
    let body = validate::text(
        "body",
        draft.body.as_deref(),
        Kind::Prose,
        ARTICLE_BODY_MAX,
        &mut errors,
    );
    let tag_list = validate::tag_list(draft.tag_list, Some(Vec::new()), &mut errors);
    let (Some(title), Some(description), Some(body), Some(tag_list)) =
        (title, description, body, tag_list)
    else {
        return Err(shared::ApiError::Validation(errors));
    };
    app.store
        .limits()
        .hit(app.limits.articles_per_user.as_ref(), &author_id)
        .await?;
    let article = app
        .store
        .articles()
        .create(NewArticle {
            title,
            description,
            body,
            tag_list,
            author_id: author_id.clone(),
        })
        .await?;
    response::article_with(
        lambda_http::http::StatusCode::CREATED,
        &ArticleBody::after_write(&app.store, &author_id, article).await?,
    )
}

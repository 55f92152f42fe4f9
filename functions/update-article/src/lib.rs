//! `PUT /api/articles/{slug}`: the author edits title, description, body or
//! tags. Absent fields stay; `tagList: []` clears the tags; `null` is refused.
//! A new title gives the article a new slug.

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
    store::articles::ArticleChanges,
};

#[derive(Deserialize)]
struct Envelope {
    article: Option<Changes>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Changes {
    #[serde(default)]
    title: Patch<String>,
    #[serde(default)]
    description: Patch<String>,
    #[serde(default)]
    body: Patch<String>,
    #[serde(default)]
    tag_list: Patch<Vec<String>>,
}

pub async fn handler(app: &App, req: Request) -> Answer {
    let editor = auth::require_user(app, &req).await?;
    let changes = request::parse_body::<Envelope>(&req)?
        .article
        .unwrap_or_default();
    let mut errors = FieldErrors::new();
    let title = changes.title.required("title", &mut errors, |v, e| {
        validate::text("title", Some(v), Kind::Line, TITLE_MAX, e)
    });
    let description = changes
        .description
        .required("description", &mut errors, |v, e| {
            validate::text("description", Some(v), Kind::Line, DESCRIPTION_MAX, e)
        });
    let body = changes.body.required("body", &mut errors, |v, e| {
        validate::text("body", Some(v), Kind::Prose, ARTICLE_BODY_MAX, e)
    });
    let tag_list = validate::tag_list(changes.tag_list, None, &mut errors);
    if title.is_none()
        && description.is_none()
        && body.is_none()
        && tag_list.is_none()
        && errors.is_empty()
    {
        errors.add("article", "must change at least one field");
    }
    errors.into_result()?;

    let articles = app.store.articles();
    let article = articles
        .by_slug_with_body(&request::path_param(&req, "slug")?)
        .await?;
    let changes = ArticleChanges {
        title,
        description,
        body,
        tag_list,
    };
    let article = articles
        .update(article, &editor, &changes, request::if_match(&req).as_ref())
        .await?;
    response::article(&ArticleBody::after_write(&app.store, &editor, article).await?)
}

//! `PUT /api/articles/{slug}`: the author edits title, description, body or
//! tags. Absent fields stay; `tagList: []` clears the tags; `null` is refused.
//! A new title gives the article a new slug.

use lambda_http::{Body, Error, Request, Response};
use serde::Deserialize;
use shared::{
    ApiError, App, FieldErrors, auth,
    db::articles::ArticleChanges,
    http,
    model::ArticleBody,
    validate::{self, ARTICLE_BODY_MAX, DESCRIPTION_MAX, Kind, Patch, TITLE_MAX},
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

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(update(app, &req).await)
}

async fn update(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let editor = auth::require_user(app, req).await?;
    let changes = http::parse_body::<Envelope>(req)?
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
    let tag_list = match changes.tag_list {
        Patch::Absent => None,
        Patch::Null => {
            errors.add("tagList", "must be a list");
            None
        }
        Patch::Value(tags) => validate::tags(tags, &mut errors),
    };
    if title.is_none()
        && description.is_none()
        && body.is_none()
        && tag_list.is_none()
        && errors.is_empty()
    {
        errors.add("article", "must change at least one field");
    }
    errors.into_result()?;

    let article = app
        .db
        .article_by_slug_with_body(&http::path_param(req, "slug")?)
        .await?;
    let changes = ArticleChanges {
        title,
        description,
        body,
        tag_list,
    };
    let article = app.db.update_article(article, &editor, &changes).await?;
    let article = app.db.article_view(Some(&editor), article).await?;
    http::ok(&ArticleBody { article })
}

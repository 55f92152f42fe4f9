//! `POST /api/articles`: publishes an article; 201 with the article.

use lambda_http::{Body, Error, Request, Response};
use serde::Deserialize;
use shared::{
    ApiError, App, FieldErrors, auth,
    db::{
        articles::NewArticle,
        feed::{Job, Published},
    },
    http,
    model::ArticleBody,
    validate::{self, ARTICLE_BODY_MAX, DESCRIPTION_MAX, Kind, Patch, TITLE_MAX},
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

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(create(app, &req).await)
}

async fn create(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let author_id = auth::require_user(app, req).await?;
    let draft = http::parse_body::<Envelope>(req)?
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
    let tag_list = match draft.tag_list {
        Patch::Absent => Some(Vec::new()),
        Patch::Null => {
            errors.add("tagList", "must be a list");
            None
        }
        Patch::Value(tags) => validate::tags(tags, &mut errors),
    };
    let (Some(title), Some(description), Some(body), Some(tag_list)) =
        (title, description, body, tag_list)
    else {
        return Err(ApiError::Validation(errors));
    };
    app.db
        .hit(app.limits.articles_per_user.as_ref(), &author_id)
        .await?;
    let article = app
        .db
        .create_article(NewArticle {
            title,
            description,
            body,
            tag_list,
            author_id: author_id.clone(),
        })
        .await?;
    app.db
        .run_at_once(&Job::Publish(Published::from(&article)))
        .await;
    let article = app.db.article_view(Some(&author_id), article).await?;
    http::created(&ArticleBody { article })
}

//! `POST /api/articles/{slug}/comments`: adds a comment; 201 with the comment.

use lambda_http::{Body, Error, Request, Response};
use serde::Deserialize;
use shared::{
    ApiError, App, FieldErrors, auth, http,
    model::CommentBody,
    validate::{self, COMMENT_BODY_MAX, Kind},
};

#[derive(Deserialize)]
struct Envelope {
    comment: Option<NewComment>,
}

#[derive(Deserialize, Default)]
struct NewComment {
    body: Option<String>,
}

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(create(app, &req).await)
}

async fn create(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let author = auth::require_user(app, req).await?;
    let comment = http::parse_body::<Envelope>(req)?
        .comment
        .unwrap_or_default();
    let mut errors = FieldErrors::new();
    let Some(body) = validate::text(
        "body",
        comment.body.as_deref(),
        Kind::Prose,
        COMMENT_BODY_MAX,
        &mut errors,
    ) else {
        return Err(ApiError::Validation(errors));
    };
    let article = app
        .db
        .article_by_slug(&http::path_param(req, "slug")?)
        .await?;
    app.db
        .hit(app.limits.comments_per_user.as_ref(), &author)
        .await?;
    let comment = app.db.create_comment(&article, &author, body).await?;
    let comment = app
        .db
        .comment_views(Some(&author), vec![comment])
        .await?
        .pop()
        .ok_or_else(ApiError::token_invalid)?;
    http::created(&CommentBody { comment })
}

//! `POST /api/articles/{slug}/comments`: adds a comment; 201 with the comment.
//! The same comment again within minutes is a 409, unless it carries the
//! first attempt's `Idempotency-Key`, which gets the first answer.

use lambda_http::Request;
use serde::Deserialize;
use shared::{
    ApiError, App, FieldErrors,
    app::{
        auth,
        validate::{self, COMMENT_BODY_MAX, Kind},
        views::{self, CommentBody},
    },
    request,
    response::{self, Answer},
    store::pages::Viewer,
};

#[derive(Deserialize)]
struct Envelope {
    comment: Option<NewComment>,
}

#[derive(Deserialize, Default)]
struct NewComment {
    body: Option<String>,
}

pub async fn handler(app: &App, req: Request) -> Answer {
    let author = auth::require_user(app, &req).await?;
    let idempotency_key = request::idempotency_key(&req)?;
    let comment = request::parse_body::<Envelope>(&req)?
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
        .store
        .articles()
        .by_slug(&request::path_param(&req, "slug")?)
        .await?;
    app.store
        .limits()
        .hit(app.limits.comments_per_user.as_ref(), &author)
        .await?;
    let comment = app
        .store
        .comments()
        .create(&article, &author, body, idempotency_key.as_deref())
        .await?;
    let comment = views::comments(&app.store, Some(&Viewer::checked(&author)), vec![comment])
        .await?
        .pop()
        .ok_or_else(ApiError::token_invalid)?;
    response::created(&CommentBody { comment })
}

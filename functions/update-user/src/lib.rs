//! `PUT /api/user`: changes any of username, email, password, bio and image.
//!
//! Absent fields stay as they are. `bio` and `image` may be `null` or `""` to
//! clear them; `username`, `email` and `password` may not.

use lambda_http::{Body, Error, Request, Response};
use serde::Deserialize;
use shared::{
    ApiError, App, FieldErrors, auth,
    db::users::UserChanges,
    http,
    model::UserBody,
    validate::{self, Patch},
};

#[derive(Deserialize)]
struct Envelope {
    user: Option<Changes>,
}

#[derive(Deserialize, Default)]
struct Changes {
    #[serde(default)]
    username: Patch<String>,
    #[serde(default)]
    email: Patch<String>,
    #[serde(default)]
    password: Patch<String>,
    #[serde(default)]
    bio: Patch<String>,
    #[serde(default)]
    image: Patch<String>,
}

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(update(app, &req).await)
}

async fn update(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let user_id = auth::token_subject(app, req)?;
    let changes = http::parse_body::<Envelope>(req)?.user.unwrap_or_default();
    let mut errors = FieldErrors::new();
    let username = changes.username.required("username", &mut errors, |v, e| {
        validate::username(Some(v), e)
    });
    let email = changes
        .email
        .required("email", &mut errors, |v, e| validate::email(Some(v), e));
    let password = changes.password.required("password", &mut errors, |v, e| {
        validate::password(Some(v), e)
    });
    let bio = changes
        .bio
        .clearable(&mut errors, |v, e| validate::bio(Some(v), e));
    let image = changes
        .image
        .clearable(&mut errors, |v, e| validate::image(Some(v), e));
    if [
        username.is_none(),
        email.is_none(),
        password.is_none(),
        bio.is_none(),
        image.is_none(),
    ]
    .iter()
    .all(|absent| *absent)
        && errors.is_empty()
    {
        errors.add("user", "must change at least one field");
    }
    errors.into_result()?;

    let password_hash = match password {
        Some(password) => Some(auth::hash_password(password).await?),
        None => None,
    };
    let changes = UserChanges {
        username,
        email,
        password_hash,
        bio,
        image,
    };
    let user = app
        .db
        .update_user(&user_id, changes)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    let token = app.tokens()?.issue(&user.id)?;
    http::ok(&UserBody::new(user, token))
}

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
    validate::{self, BLANK, Patch},
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

/// A field that, once given, must hold a valid value.
fn required(
    field: &'static str,
    patch: Patch<String>,
    check: fn(Option<&str>, &mut FieldErrors) -> Option<String>,
    errors: &mut FieldErrors,
) -> Option<String> {
    match patch {
        Patch::Absent => None,
        Patch::Null => {
            errors.add(field, BLANK);
            None
        }
        Patch::Value(value) => check(Some(&value), errors),
    }
}

/// A field that may be cleared with `null` (or `""`, which the check maps to `None`).
fn clearable(
    patch: Patch<String>,
    check: fn(Option<&str>, &mut FieldErrors) -> Option<String>,
    errors: &mut FieldErrors,
) -> Option<Option<String>> {
    match patch {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(value) => Some(check(Some(&value), errors)),
    }
}

async fn update(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let user_id = auth::require_user(app, req)?;
    let changes = http::parse_body::<Envelope>(req)?.user.unwrap_or_default();
    let mut errors = FieldErrors::new();
    let username = required(
        "username",
        changes.username,
        validate::username,
        &mut errors,
    );
    let email = required("email", changes.email, validate::email, &mut errors);
    let password = required(
        "password",
        changes.password,
        validate::password,
        &mut errors,
    );
    let bio = clearable(changes.bio, validate::bio, &mut errors);
    let image = clearable(changes.image, validate::image, &mut errors);
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

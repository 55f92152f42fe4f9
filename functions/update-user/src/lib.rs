//! `PUT /api/user`: changes any of username, email, password, bio and image.
//!
//! Absent fields stay as they are. `bio` and `image` may be `null` or `""` to
//! clear them; `username`, `email` and `password` may not. A new email or
//! password needs a recent sign-in or `currentPassword`, and ends every
//! other session of the user (see `app::accounts::update`).

use lambda_http::Request;
use serde::Deserialize;
use shared::{
    App, FieldErrors,
    app::{
        accounts::{self, Changes},
        auth,
        validate::{self, Patch},
        views::UserBody,
    },
    request,
    response::{self, Answer},
};

#[derive(Deserialize)]
struct Envelope {
    user: Option<Fields>,
}

#[derive(Deserialize, Default)]
struct Fields {
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
    /// The password now, when changing the email or password long after
    /// signing in.
    #[serde(default, rename = "currentPassword")]
    current_password: Option<String>,
}

pub async fn handler(app: &App, req: Request) -> Answer {
    let caller = auth::caller(app, &req).await?;
    let fields = request::parse_body::<Envelope>(&req)?
        .user
        .unwrap_or_default();
    let mut errors = FieldErrors::new();
    let changes = Changes {
        username: fields.username.required("username", &mut errors, |v, e| {
            validate::username(Some(v), e)
        }),
        email: fields
            .email
            .required("email", &mut errors, |v, e| validate::email(Some(v), e)),
        password: fields.password.required("password", &mut errors, |v, e| {
            validate::password(Some(v), e)
        }),
        bio: fields
            .bio
            .clearable(&mut errors, |v, e| validate::bio(Some(v), e)),
        image: fields
            .image
            .clearable(&mut errors, |v, e| validate::image(Some(v), e)),
    };
    let current_password = fields
        .current_password
        .as_deref()
        .map(|v| validate::login_password("currentPassword", Some(v), &mut errors));
    if changes.is_empty() && errors.is_empty() {
        errors.add("user", "must change at least one field");
    }
    errors.into_result()?;
    let expected = request::if_match(&req);
    let user = accounts::update(
        app,
        &caller,
        changes,
        current_password.flatten(),
        expected.as_ref(),
    )
    .await?;
    let token = app.tokens()?.renew(&caller)?;
    response::user(&UserBody::new(user, token))
}

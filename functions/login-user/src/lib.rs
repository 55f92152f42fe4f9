//! `POST /api/users/login`: exchanges email and password for the user and a
//! token. Attempts are rate-limited per source IP, and failed ones per email
//! (see `app::accounts::login`).

use lambda_http::Request;
use serde::Deserialize;
use shared::{
    ApiError, App, FieldErrors,
    app::{accounts, validate, views::UserBody},
    request,
    response::{self, Answer},
};

#[derive(Deserialize)]
struct Envelope {
    user: Option<Credentials>,
}

#[derive(Deserialize, Default)]
struct Credentials {
    email: Option<String>,
    password: Option<String>,
}

pub async fn handler(app: &App, req: Request) -> Answer {
    let credentials = request::parse_body::<Envelope>(&req)?
        .user
        .unwrap_or_default();
    let mut errors = FieldErrors::new();
    // Presence only: the rules for new passwords may tighten, old ones must still log in.
    let email = validate::required("email", credentials.email.as_deref(), &mut errors);
    let password = validate::required("password", credentials.password.as_deref(), &mut errors);
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ApiError::Validation(errors));
    };
    let user = accounts::login(app, &req, email.trim(), password).await?;
    let token = app.tokens()?.issue(&user.id)?;
    response::ok(&UserBody::new(user, token))
}

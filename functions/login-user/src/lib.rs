//! `POST /api/users/login`: exchanges email and password for the user and
//! the token of a new session. Attempts are rate-limited per source IP, and
//! failed ones per email, before any hashing (see `app::accounts::login`).

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
    // Read as registration stored them; presence only beyond that: the
    // rules for new accounts may tighten, old ones must still sign in.
    let email = validate::login_email(credentials.email.as_deref(), &mut errors);
    let password =
        validate::login_password("password", credentials.password.as_deref(), &mut errors);
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ApiError::Validation(errors));
    };
    let user = accounts::login(app, &req, &email, password).await?;
    let token = app.tokens()?.sign_in(&user.id)?;
    response::user(&UserBody::new(user, token))
}

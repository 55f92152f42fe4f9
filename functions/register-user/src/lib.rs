//! `POST /api/users`: registers a user; 201 with the user and the token of
//! a new session. A resend carrying the `Idempotency-Key` of a first
//! attempt whose answer was lost gets the user that attempt made.

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
    user: Option<Registration>,
}

#[derive(Deserialize, Default)]
struct Registration {
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

pub async fn handler(app: &App, req: Request) -> Answer {
    let key = request::idempotency_key(&req)?;
    let user = request::parse_body::<Envelope>(&req)?
        .user
        .unwrap_or_default();
    let mut errors = FieldErrors::new();
    let username = validate::username(user.username.as_deref(), &mut errors);
    let email = validate::email(user.email.as_deref(), &mut errors);
    let password = validate::password(user.password.as_deref(), &mut errors);
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        return Err(ApiError::Validation(errors));
    };
    let user = accounts::register(app, &req, username, email, password, key).await?;
    let token = app.tokens()?.sign_in(&user.id)?;
    response::user_with(
        lambda_http::http::StatusCode::CREATED,
        &UserBody::new(user, token),
    )
}

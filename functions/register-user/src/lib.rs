//! `POST /api/users`: registers a user; 201 with the user and a token.

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
    let user = accounts::register(app, &req, username, email, password).await?;
    let token = app.tokens()?.issue(&user.id)?;
    response::created(&UserBody::new(user, token))
}

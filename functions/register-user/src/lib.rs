//! `POST /api/users`: registers a user; 201 with the user and a token.

use lambda_http::{Body, Error, Request, Response};
use serde::Deserialize;
use shared::{
    ApiError, App, FieldErrors, auth, db::users::NewUser, http, model::UserBody, validate,
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

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(register(app, &req).await)
}

async fn register(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let user = http::parse_body::<Envelope>(req)?.user.unwrap_or_default();
    let mut errors = FieldErrors::new();
    let username = validate::username(user.username.as_deref(), &mut errors);
    let email = validate::email(user.email.as_deref(), &mut errors);
    let password = validate::password(user.password.as_deref(), &mut errors);
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        return Err(ApiError::Validation(errors));
    };
    let password_hash = auth::hash_password(password).await?;
    let user = app
        .db
        .create_user(NewUser {
            username,
            email,
            password_hash,
        })
        .await?;
    let token = app.tokens()?.issue(&user.id)?;
    http::created(&UserBody::new(user, token))
}

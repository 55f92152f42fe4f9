//! `POST /api/users`: registers a user; 201 with the user and a token.

use lambda_http::{Body, Error, Request, Response};
use serde::Deserialize;
use shared::{
    ApiError, App, FieldErrors, auth,
    db::{
        requests,
        users::{NewUser, UserRecord},
    },
    http,
    model::{self, UserBody},
    validate,
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
    // Before the hashing, which is what a flood of registrations would cost.
    app.limit_by_ip(app.limits.register_per_ip.as_ref(), req)
        .await?;
    let password_hash = auth::hash_password(password.clone()).await?;
    let new = NewUser {
        username: username.clone(),
        email: email.clone(),
        password_hash,
    };
    let user = match app.db.create_user(new).await {
        Ok(user) => user,
        Err(ApiError::Conflict(taken)) => retried(app, &username, &email, password)
            .await?
            .ok_or(ApiError::Conflict(taken))?,
        Err(err) => return Err(err),
    };
    let token = app.tokens()?.issue(&user.id)?;
    http::created(&UserBody::new(user, token))
}

/// The user this very registration made, when a first attempt landed but its
/// answer was lost (a timeout, a 503) and the client sent it again: the same
/// username and email, the same password, registered within the request
/// window. Anyone else gets the 409.
async fn retried(
    app: &App,
    username: &str,
    email: &str,
    password: String,
) -> Result<Option<UserRecord>, ApiError> {
    let Some(user) = app.db.find_user_by_email(email).await? else {
        return Ok(None);
    };
    let same = user.username == username
        && user.email == email
        && model::is_within(&user.created_at, requests::WINDOW);
    if same && auth::verify_password(password, Some(user.password_hash.clone())).await? {
        Ok(Some(user))
    } else {
        Ok(None)
    }
}

//! `POST /api/users/login`: exchanges email and password for the user and a token.
//!
//! An unknown email and a wrong password get the same answer after the same
//! amount of hashing, so the response reveals nothing about who is registered.
//! Attempts are rate-limited per source IP, and failed ones per email.

use lambda_http::{Body, Error, Request, Response};
use serde::Deserialize;
use shared::{ApiError, App, FieldErrors, auth, http, model::UserBody, validate};

#[derive(Deserialize)]
struct Envelope {
    user: Option<Credentials>,
}

#[derive(Deserialize, Default)]
struct Credentials {
    email: Option<String>,
    password: Option<String>,
}

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(login(app, &req).await)
}

async fn login(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let credentials = http::parse_body::<Envelope>(req)?.user.unwrap_or_default();
    let mut errors = FieldErrors::new();
    // Presence only: the rules for new passwords may tighten, old ones must still log in.
    let email = validate::required("email", credentials.email.as_deref(), &mut errors);
    let password = validate::required("password", credentials.password.as_deref(), &mut errors);
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ApiError::Validation(errors));
    };
    // Before any hashing: attempts from one address, and for one account
    // (whatever the address, so spreading guesses over addresses gains
    // nothing). An account's window counts failed attempts only, so its
    // owner's successful logins never use it up.
    let email = email.trim();
    futures::try_join!(
        app.limit_by_ip(app.limits.login_per_ip.as_ref(), req),
        app.db.check(app.limits.login_per_email.as_ref(), email),
    )?;
    let user = app.db.find_user_by_email(email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let user = match (auth::verify_password(password, hash).await?, user) {
        (true, Some(user)) => user,
        _ => {
            app.db
                .hit(app.limits.login_per_email.as_ref(), email)
                .await?;
            return Err(ApiError::invalid_credentials());
        }
    };
    let token = app.tokens()?.issue(&user.id)?;
    http::ok(&UserBody::new(user, token))
}

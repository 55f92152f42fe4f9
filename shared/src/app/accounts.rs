//! Signing up and signing in: the policy around the password hash.

use lambda_http::Request;

use crate::{
    ground::{clock, error::ApiError},
    store::{
        records::UserRecord,
        requests,
        users::{NewUser, UserChanges},
    },
};

use super::{App, password};

/// Registers a user from valid input; a flood of registrations from one
/// address is refused before the hashing, which is what it would cost.
pub async fn register(
    app: &App,
    req: &Request,
    username: String,
    email: String,
    password: String,
) -> Result<UserRecord, ApiError> {
    app.limit_by_ip(app.limits.register_per_ip.as_ref(), req)
        .await?;
    let password_hash = password::hash(password.clone()).await?;
    let new = NewUser {
        username: username.clone(),
        email: email.clone(),
        password_hash,
    };
    match app.store.users().create(new).await {
        Ok(user) => Ok(user),
        Err(ApiError::Conflict(taken)) => resent(app, &username, &email, password)
            .await?
            .ok_or(ApiError::Conflict(taken)),
        Err(err) => Err(err),
    }
}

/// The user this very registration made, when a first attempt landed but its
/// answer was lost (a timeout, a 503) and the client sent it again: the same
/// username and email, the same password, registered within the request
/// window. Anyone else gets the 409.
async fn resent(
    app: &App,
    username: &str,
    email: &str,
    password: String,
) -> Result<Option<UserRecord>, ApiError> {
    let Some(user) = app.store.users().by_email(email).await? else {
        return Ok(None);
    };
    let same = user.username == username
        && user.email == email
        && clock::is_within(&user.created_at, requests::WINDOW);
    if same && password::verify(password, Some(user.password_hash.clone())).await? {
        Ok(Some(user))
    } else {
        Ok(None)
    }
}

/// The user whose email and password these are; 401 otherwise.
///
/// Before any hashing, attempts are counted from one address, and for one
/// account (whatever the address, so spreading guesses over addresses gains
/// nothing). An account's window counts failed attempts only, so its
/// owner's successful logins never use it up. An unknown email and a wrong
/// password get the same answer after the same amount of hashing.
pub async fn login(
    app: &App,
    req: &Request,
    email: &str,
    password: String,
) -> Result<UserRecord, ApiError> {
    let limits = app.store.limits();
    futures::try_join!(
        app.limit_by_ip(app.limits.login_per_ip.as_ref(), req),
        limits.check(app.limits.login_per_email.as_ref(), email),
    )?;
    let user = app.store.users().by_email(email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    match (password::verify(password, hash).await?, user) {
        (true, Some(user)) => Ok(user),
        _ => {
            limits
                .hit(app.limits.login_per_email.as_ref(), email)
                .await?;
            Err(ApiError::invalid_credentials())
        }
    }
}

/// What a user asks to change; `None` leaves a field as it is. For `bio`
/// and `image`, `Some(None)` clears the field.
#[derive(Debug, Default)]
pub struct Changes {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub bio: Option<Option<String>>,
    pub image: Option<Option<String>>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.username.is_none()
            && self.email.is_none()
            && self.password.is_none()
            && self.bio.is_none()
            && self.image.is_none()
    }
}

/// Applies `changes` to user `id` (a new password hashed first); 401 when
/// the user is gone.
pub async fn update(app: &App, id: &str, changes: Changes) -> Result<UserRecord, ApiError> {
    let password_hash = match changes.password {
        Some(password) => Some(password::hash(password).await?),
        None => None,
    };
    let changes = UserChanges {
        username: changes.username,
        email: changes.email,
        password_hash,
        bio: changes.bio,
        image: changes.image,
    };
    app.store
        .users()
        .update(id, changes)
        .await?
        .ok_or_else(ApiError::token_invalid)
}

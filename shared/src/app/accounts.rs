//! Signing up, signing in and changing credentials: the policy around the
//! password hash, the costliest step a request can make, and so the one an
//! attacker with many addresses would repeat. Every path that checks a
//! password counts the attempt against the account's limit before the
//! hash, and gives it back only when the password was right.

use lambda_http::Request;

use crate::{
    ground::{error::ApiError, precondition::IfMatch},
    store::{
        limits::Reservation,
        records::UserRecord,
        users::{NewUser, UserChanges},
    },
};

use super::{App, auth::Caller};

/// Registers a user from valid input; a flood of registrations from one
/// address is refused before the hashing, which is what it would cost.
/// A registration resent with the `Idempotency-Key` of the first attempt
/// gets the user that attempt made; without the key, a taken username or
/// email is a 409 whoever asks, so registration tells nothing of a password.
pub async fn register(
    app: &App,
    req: &Request,
    username: String,
    email: String,
    password: String,
    idempotency_key: Option<String>,
) -> Result<UserRecord, ApiError> {
    app.limit_by_ip(app.limits.register_per_ip.as_ref(), req)
        .await?;
    let new = NewUser {
        username,
        email,
        password_hash: app.passwords.hash(password).await?,
        idempotency_key,
    };
    app.store.users().create(new).await
}

/// The user whose email and password these are; 401 otherwise.
///
/// Attempts are counted from one address, and for one account (whatever
/// the address, so spreading guesses over addresses gains nothing), both
/// before any hashing. An account's window counts failed attempts only:
/// the attempt is reserved first and given back when it succeeds, so at
/// most the limit's number of guesses is ever hashed in a window, however
/// many run at once. An unknown email and a wrong password get the same
/// answer after the same amount of hashing.
pub async fn login(
    app: &App,
    req: &Request,
    email: &str,
    password: String,
) -> Result<UserRecord, ApiError> {
    let limits = app.store.limits();
    let ((), reservation) = futures::try_join!(
        app.limit_by_ip(app.limits.login_per_ip.as_ref(), req),
        limits.reserve(app.limits.login_per_email.as_ref(), email),
    )?;
    let user = app.store.users().by_email(email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    match (app.passwords.verify(password, hash).await?, user) {
        (true, Some(user)) => {
            limits.give_back(reservation).await?;
            Ok(user)
        }
        _ => Err(ApiError::invalid_credentials()),
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

    /// Whether they change what signs the user in.
    pub fn of_credentials(&self) -> bool {
        self.email.is_some() || self.password.is_some()
    }
}

/// Applies `changes` to the caller's account (a new password hashed
/// first); 401 when the user is gone.
///
/// A new email or password ends every other session of the user, in the
/// same transaction, and needs a session signed in within the recent
/// window (`RECENT_SIGN_IN_SECONDS`) or the current password
/// (`current_password`), which is checked and counted as a login is:
/// a stolen token alone cannot take the account over.
pub async fn update(
    app: &App,
    caller: &Caller,
    changes: Changes,
    current_password: Option<String>,
    expected: Option<&IfMatch>,
) -> Result<UserRecord, ApiError> {
    let users = app.store.users();
    app.store
        .limits()
        .hit(app.limits.profile_updates_per_user.as_ref(), &caller.id)
        .await?;
    let end_sessions_but = if changes.of_credentials() {
        if !caller.signed_in_within(app.recent_sign_in) {
            let current = current_password.ok_or_else(ApiError::sign_in_again)?;
            let user = users
                .get(&caller.id)
                .await?
                .ok_or_else(ApiError::token_invalid)?;
            confirm_password(app, &user, current).await?;
        }
        Some(caller.session.id.clone())
    } else {
        None
    };
    let password_hash = match changes.password {
        Some(password) => Some(app.passwords.hash(password).await?),
        None => None,
    };
    let changes = UserChanges {
        username: changes.username,
        email: changes.email,
        password_hash,
        bio: changes.bio,
        image: changes.image,
        end_sessions_but,
    };
    users
        .update(&caller.id, changes, expected)
        .await?
        .ok_or_else(ApiError::token_invalid)
}

/// Checks the user's current password, counted against the account's
/// failed-login limit as a login is; 403 when it is wrong.
async fn confirm_password(app: &App, user: &UserRecord, password: String) -> Result<(), ApiError> {
    let limits = app.store.limits();
    let reservation: Option<Reservation> = limits
        .reserve(app.limits.login_per_email.as_ref(), &user.email)
        .await?;
    if app
        .passwords
        .verify(password, Some(user.password_hash.clone()))
        .await?
    {
        limits.give_back(reservation).await
    } else {
        Err(ApiError::Denied {
            field: "currentPassword",
            message: "is wrong",
        })
    }
}

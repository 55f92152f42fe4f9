//! Accounts end to end: registration, login, tokens, the current user, profiles
//! and follows, called in-process through real API Gateway v2 events against
//! DynamoDB Local. Every test builds its own `App` on a fresh table, so tests
//! never see each other's users.
//!
//! Run with `make test` (or `./scripts/test.sh -p conduit-tests --test accounts`).

mod concurrent_updates;
mod limits;
mod login;
mod profiles;
mod proxy;
mod race;
mod rate_limits;
mod register;
mod resilience;
mod sessions;
mod tokens;
mod update;

pub use conduit_tests::harness::TestApp;
use conduit_tests::harness::{self, Reply, call, send};
pub use conduit_tests::harness::{assert_reply, assert_status, errors};
pub use conduit_tools::audit;
use serde_json::{Value, json};
use shared::App;

/// The password every helper registers with.
pub const PASSWORD: &str = "correct horse battery";

/// `email` for a username, so helpers can log users in again.
pub fn email_of(username: &str) -> String {
    format!("{username}@example.com")
}

/// The token of a `{"user": {...}}` reply.
#[track_caller]
pub fn token_of(reply: &Reply) -> String {
    reply.body["user"]["token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| panic!("no token in {} {}", reply.status, reply.body))
        .to_owned()
}

/// `POST /api/users` with any body.
pub async fn register_body(app: &App, body: Value) -> Reply {
    send(app, call("POST", "/api/users").json(body)).await
}

/// `POST /api/users` with the three fields.
pub async fn register_as(app: &App, username: &str, email: &str, password: &str) -> Reply {
    register_body(
        app,
        json!({ "user": { "username": username, "email": email, "password": password } }),
    )
    .await
}

/// Registers `username` (email `<username>@example.com`, password [`PASSWORD`])
/// and insists on a 201: returns the token and the reply.
pub async fn register(app: &App, username: &str) -> (String, Reply) {
    let reply = register_as(app, username, &email_of(username), PASSWORD).await;
    assert_status(&reply, 201);
    (token_of(&reply), reply)
}

/// `POST /api/users/login`.
pub async fn login(app: &App, email: &str, password: &str) -> Reply {
    login_body(
        app,
        json!({ "user": { "email": email, "password": password } }),
    )
    .await
}

pub async fn login_body(app: &App, body: Value) -> Reply {
    send(app, call("POST", "/api/users/login").json(body)).await
}

/// `GET /api/user`, with `Authorization: Token <token>` when a token is given.
pub async fn current_user(app: &App, token: Option<&str>) -> Reply {
    let mut c = call("GET", "/api/user");
    if let Some(token) = token {
        c = c.token(token);
    }
    send(app, c).await
}

/// `GET /api/user` with a raw `Authorization` header.
pub async fn current_user_with_header(app: &App, authorization: &str) -> Reply {
    let c = call("GET", "/api/user").header("authorization", authorization);
    send(app, c).await
}

/// `PUT /api/user` with `{"user": changes}`.
pub async fn update(app: &App, token: &str, changes: Value) -> Reply {
    let c = call("PUT", "/api/user")
        .token(token)
        .json(json!({ "user": changes }));
    send(app, c).await
}

/// `GET /api/profiles/{username}`.
pub async fn profile(app: &App, username: &str, token: Option<&str>) -> Reply {
    let mut c = call("GET", "/api/profiles/{username}").param("username", username);
    if let Some(token) = token {
        c = c.token(token);
    }
    send(app, c).await
}

/// `POST /api/profiles/{username}/follow`.
pub async fn follow(app: &App, username: &str, token: Option<&str>) -> Reply {
    let mut c = call("POST", "/api/profiles/{username}/follow").param("username", username);
    if let Some(token) = token {
        c = c.token(token);
    }
    send(app, c).await
}

/// `DELETE /api/profiles/{username}/follow`.
pub async fn unfollow(app: &App, username: &str, token: Option<&str>) -> Reply {
    let mut c = call("DELETE", "/api/profiles/{username}/follow").param("username", username);
    if let Some(token) = token {
        c = c.token(token);
    }
    send(app, c).await
}

/// A fresh app on its own table.
pub async fn app() -> TestApp {
    harness::app().await
}

//! `GET /api/user`: the caller, with a freshly issued token.

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, auth, http, model::UserBody};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(current_user(app, &req).await)
}

async fn current_user(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let user_id = auth::token_subject(app, req)?;
    // A valid token for a user that no longer exists is as good as no token.
    let user = app
        .db
        .get_user(&user_id)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    let token = app.tokens()?.issue(&user.id)?;
    http::ok(&UserBody::new(user, token))
}

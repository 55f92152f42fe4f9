//! `GET /api/user`: the caller, with a freshly issued token.

use lambda_http::Request;
use shared::{
    ApiError, App,
    app::{auth, views::UserBody},
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let user_id = auth::token_subject(app, &req)?;
    // A valid token for a user that no longer exists is as good as no token.
    let user = app
        .store
        .users()
        .get(&user_id)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    let token = app.tokens()?.issue(&user.id)?;
    response::ok(&UserBody::new(user, token))
}

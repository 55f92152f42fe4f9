//! `GET /api/user`: the caller, with a fresh token of the same session
//! (good for the token lifetime, never past the session's end).

use lambda_http::Request;
use shared::{
    App,
    app::{auth, views::UserBody},
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let (caller, user) = auth::caller_with_profile(app, &req).await?;
    let token = app.tokens()?.renew(&caller)?;
    response::user(&UserBody::new(user, token))
}

//! `GET /api/profiles/{username}`: a user's public profile; `following` is
//! the caller's view (false without a token).

use lambda_http::Request;
use shared::{
    App,
    app::{
        auth::{self, Token},
        views::{Profile, ProfileBody},
    },
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let username = request::path_param(&req, "username")?;
    let (user, following) = auth::reading(app, &req, Token::Optional, |viewer| async move {
        app.store
            .users()
            .profile_seen_by(&username, viewer.as_ref())
            .await
    })
    .await?;
    response::ok(&ProfileBody {
        profile: Profile::new(&user, following),
    })
}

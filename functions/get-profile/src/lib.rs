//! `GET /api/profiles/{username}`: a user's public profile; `following` is
//! the caller's view (false without a token).

use lambda_http::{Body, Error, Request, Response};
use shared::{
    ApiError, App, auth, http,
    model::{Profile, ProfileBody},
};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(get_profile(app, &req).await)
}

async fn get_profile(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let viewer = auth::optional_user(app, req).await?;
    let user = app
        .db
        .profile_owner(&http::path_param(req, "username")?)
        .await?;
    let following = match viewer {
        Some(viewer) if viewer != user.id => app.db.is_following(&viewer, &user.id).await?,
        _ => false,
    };
    http::ok(&ProfileBody {
        profile: Profile::new(&user, following),
    })
}

//! `POST /api/profiles/{username}/follow`: follows a user; idempotent.

use lambda_http::{Body, Error, Request, Response};
use shared::{
    ApiError, App, auth, http,
    model::{Profile, ProfileBody},
};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(follow(app, &req).await)
}

async fn follow(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let follower = auth::require_user(app, req).await?;
    let user = app
        .db
        .profile_owner(&http::path_param(req, "username")?)
        .await?;
    if user.id == follower {
        return Err(ApiError::field("profile", "cannot follow yourself"));
    }
    if !app.db.follow(&follower, &user.id).await? {
        // Deleted between the lookup and the write.
        return Err(ApiError::NotFound("profile"));
    }
    http::ok(&ProfileBody {
        profile: Profile::new(&user, true),
    })
}

//! `DELETE /api/profiles/{username}/follow`: stops following a user; idempotent.

use lambda_http::{Body, Error, Request, Response};
use shared::{
    ApiError, App, auth, http,
    model::{Profile, ProfileBody},
};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(unfollow(app, &req).await)
}

async fn unfollow(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let follower = auth::require_user(app, req).await?;
    let user = app
        .db
        .profile_owner(&http::path_param(req, "username")?)
        .await?;
    app.db.unfollow(&follower, &user.id).await?;
    http::ok(&ProfileBody {
        profile: Profile::new(&user, false),
    })
}

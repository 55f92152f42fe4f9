//! `DELETE /api/profiles/{username}/follow`: stops following a user;
//! idempotent. The user's articles leave the caller's feed at once (up to a
//! page of them; the stream worker takes out the rest).

use lambda_http::{Body, Error, Request, Response};
use shared::{
    ApiError, App, auth,
    db::feed::Job,
    http,
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
    if app.db.unfollow(&follower, &user.id).await? {
        let job = Job::Purge {
            reader: follower,
            author: user.id.clone(),
        };
        app.db.run_at_once(&job).await;
    }
    http::ok(&ProfileBody {
        profile: Profile::new(&user, false),
    })
}

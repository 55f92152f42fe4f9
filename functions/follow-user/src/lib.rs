//! `POST /api/profiles/{username}/follow`: follows a user; idempotent. The
//! user's newest articles join the caller's feed at once, the rest through
//! the stream worker (see `db::feed`).

use lambda_http::{Body, Error, Request, Response};
use shared::{
    ApiError, App, auth,
    db::{feed::Job, follows::Followed},
    http,
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
    match app.db.follow(&follower, &user.id).await? {
        Followed::New => {
            let job = Job::Backfill {
                reader: follower,
                author: user.id.clone(),
            };
            app.db.run_at_once(&job).await;
        }
        Followed::Already => {}
        // Deleted between the lookup and the write.
        Followed::Gone => return Err(ApiError::NotFound("profile")),
    }
    http::ok(&ProfileBody {
        profile: Profile::new(&user, true),
    })
}

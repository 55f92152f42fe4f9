//! `POST /api/profiles/{username}/follow`: follows a user; idempotent. The
//! user's newest articles join the caller's feed at once, the rest through
//! the stream worker (see `store::feed`). Follows and unfollows count
//! against one per-user limit, and a user follows at most `FOLLOWS_MAX`.

use lambda_http::Request;
use shared::{
    ApiError, App,
    app::{
        auth,
        views::{Profile, ProfileBody},
    },
    request,
    response::{self, Answer},
    store::follows::Followed,
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let follower = auth::require_user(app, &req).await?;
    let user = app
        .store
        .users()
        .profile_owner(&request::path_param(&req, "username")?)
        .await?;
    if user.id == follower {
        return Err(ApiError::field("profile", "cannot follow yourself"));
    }
    app.store
        .limits()
        .hit(app.limits.follows_per_user.as_ref(), &follower)
        .await?;
    match app
        .store
        .follows()
        .follow(&follower, &user.id, app.follows_max)
        .await?
    {
        Followed::New | Followed::Already => {}
        // Deleted between the lookup and the write.
        Followed::Gone => return Err(ApiError::NotFound("profile")),
    }
    response::ok(&ProfileBody {
        profile: Profile::new(&user, true),
    })
}

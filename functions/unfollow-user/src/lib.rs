//! `DELETE /api/profiles/{username}/follow`: stops following a user;
//! idempotent. The user's articles leave the caller's feed at once (up to a
//! page of them; the stream worker takes out the rest).

use lambda_http::Request;
use shared::{
    App,
    app::{
        auth,
        views::{Profile, ProfileBody},
    },
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let follower = auth::require_user(app, &req).await?;
    let user = app
        .store
        .users()
        .profile_owner(&request::path_param(&req, "username")?)
        .await?;
    app.store
        .limits()
        .hit(app.limits.follows_per_user.as_ref(), &follower)
        .await?;
    app.store.follows().unfollow(&follower, &user.id).await?;
    response::ok(&ProfileBody {
        profile: Profile::new(&user, false),
    })
}

//! `GET /api/profiles/{username}`: a user's public profile; `following` is
//! the caller's view (false without a token).

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
    let viewer = auth::optional_user(app, &req).await?;
    let user = app
        .store
        .users()
        .profile_owner(&request::path_param(&req, "username")?)
        .await?;
    let following = match viewer {
        Some(viewer) if viewer != user.id => {
            app.store.follows().is_following(&viewer, &user.id).await?
        }
        _ => false,
    };
    response::ok(&ProfileBody {
        profile: Profile::new(&user, following),
    })
}

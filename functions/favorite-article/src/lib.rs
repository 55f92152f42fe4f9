//! `POST /api/articles/{slug}/favorite`: favorites an article; doing it twice changes nothing.

use lambda_http::Request;
use shared::{
    App,
    app::{auth, views::ArticleBody},
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let user = auth::require_user(app, &req).await?;
    app.store
        .limits()
        .hit(app.limits.favorites_per_user.as_ref(), &user)
        .await?;
    let article = app
        .store
        .articles()
        .by_slug(&request::path_param(&req, "slug")?)
        .await?;
    app.store.favorites().favorite(&article, &user).await?;
    response::article(&ArticleBody::fresh(&app.store, &user, &article.shows()).await?)
}

//! `DELETE /api/articles/{slug}/comments/{id}`: the comment's author deletes it; 204.

use lambda_http::Request;
use shared::{
    ApiError, App,
    app::auth,
    request,
    response::{self, Answer},
};

pub async fn handler(app: &App, req: Request) -> Answer {
    let user = auth::require_user(app, &req).await?;
    let article = app
        .store
        .articles()
        .by_slug(&request::path_param(&req, "slug")?)
        .await?;
    // Ids are positive integers; anything else names no comment.
    let id = request::path_param(&req, "id")?
        .parse::<u64>()
        .map_err(|_| ApiError::NotFound("comment"))?;
    app.store.comments().delete(&article.id, id, &user).await?;
    response::no_content()
}

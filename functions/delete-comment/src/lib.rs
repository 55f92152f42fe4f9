//! `DELETE /api/articles/{slug}/comments/{id}`: the comment's author deletes it; 204.

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, auth, http};

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    http::respond(delete(app, &req).await)
}

async fn delete(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let user = auth::require_user(app, req).await?;
    let article = app
        .db
        .article_by_slug(&http::path_param(req, "slug")?)
        .await?;
    // Ids are positive integers; anything else names no comment.
    let id = http::path_param(req, "id")?
        .parse::<u64>()
        .map_err(|_| ApiError::NotFound("comment"))?;
    let comment = app
        .db
        .get_comment(&article.id, id)
        .await?
        .ok_or(ApiError::NotFound("comment"))?;
    if comment.author_id != user {
        return Err(ApiError::Forbidden("comment"));
    }
    app.db.delete_comment(&comment, &user).await?;
    http::no_content()
}

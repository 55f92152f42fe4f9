//! `GET /api/tags`: the tags in use, most used first (at most 100).

use lambda_http::{Body, Error, Request, Response};
use shared::{ApiError, App, http, model::TagList};

/// Tags listed at most: what a tag cloud shows, and a bound on the read.
pub const TAGS_LIMIT: usize = 100;

pub async fn handler(app: &App, req: Request) -> Result<Response<Body>, Error> {
    drop(req);
    http::respond(list(app).await)
}

async fn list(app: &App) -> Result<Response<Body>, ApiError> {
    let tags = app.db.popular_tags(TAGS_LIMIT).await?;
    http::ok(&TagList { tags })
}

//! `GET /api/tags`: the tags in use, most used first (at most 100).

use lambda_http::Request;
use shared::{
    App,
    app::views::TagList,
    response::{self, Answer},
};

/// Tags listed at most: what a tag cloud shows, and a bound on the read.
pub const TAGS_LIMIT: usize = 100;

pub async fn handler(app: &App, _req: Request) -> Answer {
    let tags = app.store.tags().popular(TAGS_LIMIT).await?;
    response::ok(&TagList { tags })
}

//! Articles end to end: creating, reading, listing, the feed, editing,
//! deleting, favorites, comments, tags and the health check, called in-process
//! through real API Gateway v2 events against DynamoDB Local. Every test builds
//! its own `App` on a fresh table, so tests never see each other's data.
//!
//! Run with `make test` (or `./scripts/test.sh -p conduit-tests --test articles`).

mod admin;
mod bounds;
mod caching;
mod comments;
mod create;
mod delete;
mod description;
mod faults;
mod favorites;
mod feed;
mod feed_jobs;
mod get;
mod health;
mod hygiene;
mod integrity;
mod list;
mod race;
mod rate_limits;
mod read_path;
mod retry;
mod shards;
mod tags;
mod throttled;
mod update;

pub use conduit_tests::harness::TestApp;
use conduit_tests::harness::{self, Reply, call, send};
pub use conduit_tests::harness::{assert_reply, assert_status, errors};
pub use conduit_tools::audit;
use serde_json::{Value, json};
use shared::App;

/// Runs every future on its own task at once (real parallelism on a
/// multi-threaded runtime); the outputs, in order.
pub async fn all_at_once<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    futures::future::join_all(futures.into_iter().map(tokio::spawn))
        .await
        .into_iter()
        .map(|joined| joined.expect("racing task panicked"))
        .collect()
}

/// The password every helper registers with.
pub const PASSWORD: &str = "correct horse battery";

/// A fresh app on its own table.
pub async fn app() -> TestApp {
    harness::app().await
}

/// `{"errors": {entity: ["not found"]}}`.
pub fn not_found(entity: &str) -> Value {
    errors(json!({ entity: ["not found"] }))
}

/// `{"errors": {entity: ["forbidden"]}}`.
pub fn forbidden(entity: &str) -> Value {
    errors(json!({ entity: ["forbidden"] }))
}

/// `{"errors": {"token": ["is missing"]}}`.
pub fn token_missing() -> Value {
    errors(json!({ "token": ["is missing"] }))
}

/// Whether `s` is a timestamp as the API writes them: `2026-01-02T03:04:05.678Z`.
pub fn is_timestamp(s: &str) -> bool {
    let pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
    s.len() == pattern.len()
        && s.chars().zip(pattern.chars()).all(|(c, p)| match p {
            'd' => c.is_ascii_digit(),
            other => c == other,
        })
}

// ---- users -----------------------------------------------------------------

/// Registers `username` (email `<username>@example.com`) and returns its token.
pub async fn register(app: &App, username: &str) -> String {
    let body = json!({ "user": {
        "username": username,
        "email": format!("{username}@example.com"),
        "password": PASSWORD,
    }});
    let r = send(app, call("POST", "/api/users").json(body)).await;
    assert_status(&r, 201);
    r.body["user"]["token"]
        .as_str()
        .expect("registration returns a token")
        .to_owned()
}

/// `POST /api/profiles/{username}/follow`, insisting on a 200.
pub async fn follow(app: &App, token: &str, username: &str) {
    let c = call("POST", "/api/profiles/{username}/follow")
        .param("username", username)
        .token(token);
    let r = send(app, c).await;
    assert_status(&r, 200);
}

/// `DELETE /api/profiles/{username}/follow`, insisting on a 200.
pub async fn unfollow(app: &App, token: &str, username: &str) {
    let c = call("DELETE", "/api/profiles/{username}/follow")
        .param("username", username)
        .token(token);
    let r = send(app, c).await;
    assert_status(&r, 200);
}

/// `GET /api/profiles/{username}`.
pub async fn profile(app: &App, username: &str, token: Option<&str>) -> Reply {
    let c = call("GET", "/api/profiles/{username}").param("username", username);
    send(app, with_token(c, token)).await
}

fn with_token(c: harness::Call, token: Option<&str>) -> harness::Call {
    match token {
        Some(token) => c.token(token),
        None => c,
    }
}

// ---- articles --------------------------------------------------------------

/// `POST /api/articles` with any body.
pub async fn create_article_body(app: &App, token: Option<&str>, body: Value) -> Reply {
    let c = with_token(call("POST", "/api/articles").json(body), token);
    send(app, c).await
}

/// The draft `{"article": {...}}` with this title and tags.
pub fn draft(title: &str, tags: &[&str]) -> Value {
    json!({ "article": {
        "title": title,
        "description": format!("About {title}"),
        "body": format!("The body of {title}"),
        "tagList": tags,
    }})
}

/// Publishes an article as `token`, insisting on a 201; returns its slug.
pub async fn create_article(app: &App, token: &str, title: &str, tags: &[&str]) -> String {
    let r = create_article_body(app, Some(token), draft(title, tags)).await;
    assert_status(&r, 201);
    slug_of(&r)
}

/// The slug of an `{"article": {...}}` reply.
#[track_caller]
pub fn slug_of(r: &Reply) -> String {
    r.body["article"]["slug"]
        .as_str()
        .unwrap_or_else(|| panic!("no slug in {} {}", r.status, r.body))
        .to_owned()
}

/// `GET /api/articles/{slug}`.
pub async fn get_article(app: &App, slug: &str, token: Option<&str>) -> Reply {
    let c = with_token(
        call("GET", "/api/articles/{slug}").param("slug", slug),
        token,
    );
    send(app, c).await
}

/// `GET /api/articles?<query>`.
pub async fn list(app: &App, token: Option<&str>, query: &[(&str, &str)]) -> Reply {
    let mut c = call("GET", "/api/articles");
    for (k, v) in query {
        c = c.query(k, v);
    }
    send(app, with_token(c, token)).await
}

/// `GET /api/articles/feed?<query>`.
pub async fn feed(app: &App, token: Option<&str>, query: &[(&str, &str)]) -> Reply {
    let mut c = call("GET", "/api/articles/feed");
    for (k, v) in query {
        c = c.query(k, v);
    }
    send(app, with_token(c, token)).await
}

/// `PUT /api/articles/{slug}` with `{"article": changes}`.
pub async fn update_article(app: &App, token: Option<&str>, slug: &str, changes: Value) -> Reply {
    let c = call("PUT", "/api/articles/{slug}")
        .param("slug", slug)
        .json(json!({ "article": changes }));
    send(app, with_token(c, token)).await
}

/// `DELETE /api/articles/{slug}`.
pub async fn delete_article(app: &App, token: Option<&str>, slug: &str) -> Reply {
    let c = call("DELETE", "/api/articles/{slug}").param("slug", slug);
    send(app, with_token(c, token)).await
}

/// `POST /api/articles/{slug}/favorite`.
pub async fn favorite(app: &App, token: Option<&str>, slug: &str) -> Reply {
    let c = call("POST", "/api/articles/{slug}/favorite").param("slug", slug);
    send(app, with_token(c, token)).await
}

/// `DELETE /api/articles/{slug}/favorite`.
pub async fn unfavorite(app: &App, token: Option<&str>, slug: &str) -> Reply {
    let c = call("DELETE", "/api/articles/{slug}/favorite").param("slug", slug);
    send(app, with_token(c, token)).await
}

/// The slugs of an `{"articles": [...]}` reply, in order.
#[track_caller]
pub fn slugs(r: &Reply) -> Vec<String> {
    r.body["articles"]
        .as_array()
        .unwrap_or_else(|| panic!("no articles in {} {}", r.status, r.body))
        .iter()
        .map(|a| {
            a["slug"]
                .as_str()
                .expect("every article has a slug")
                .to_owned()
        })
        .collect()
}

/// The `articlesCount` of a list reply.
#[track_caller]
pub fn count(r: &Reply) -> u64 {
    r.body["articlesCount"]
        .as_u64()
        .unwrap_or_else(|| panic!("no articlesCount in {} {}", r.status, r.body))
}

/// Asserts a list reply is a 200 with exactly these slugs, in order, and this count.
#[track_caller]
pub fn assert_list(r: &Reply, expected: &[&str], expected_count: u64) {
    assert_status(r, 200);
    assert_eq!(
        (slugs(r), count(r)),
        (
            expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            expected_count
        ),
        "list {}",
        r.body
    );
}

// ---- comments --------------------------------------------------------------

/// `POST /api/articles/{slug}/comments` with `{"comment": {"body": body}}`.
pub async fn create_comment(app: &App, token: Option<&str>, slug: &str, body: Value) -> Reply {
    let c = call("POST", "/api/articles/{slug}/comments")
        .param("slug", slug)
        .json(json!({ "comment": { "body": body } }));
    send(app, with_token(c, token)).await
}

/// Comments as `token`, insisting on a 201; returns the comment's id.
pub async fn comment(app: &App, token: &str, slug: &str, body: &str) -> u64 {
    let r = create_comment(app, Some(token), slug, json!(body)).await;
    assert_status(&r, 201);
    r.body["comment"]["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("comment id is an integer: {}", r.body))
}

/// `GET /api/articles/{slug}/comments`.
pub async fn list_comments(app: &App, token: Option<&str>, slug: &str) -> Reply {
    list_comments_with(app, token, slug, &[]).await
}

/// `GET /api/articles/{slug}/comments?<query>`.
pub async fn list_comments_with(
    app: &App,
    token: Option<&str>,
    slug: &str,
    query: &[(&str, &str)],
) -> Reply {
    let mut c = call("GET", "/api/articles/{slug}/comments").param("slug", slug);
    for (k, v) in query {
        c = c.query(k, v);
    }
    send(app, with_token(c, token)).await
}

/// The `nextCursor` of a page, if it has one.
#[track_caller]
pub fn next_cursor(r: &Reply) -> Option<String> {
    assert_status(r, 200);
    match &r.body["nextCursor"] {
        Value::Null => None,
        Value::String(cursor) => Some(cursor.clone()),
        other => panic!("nextCursor is a string or null, not {other}"),
    }
}

/// The ids of a comment list reply, in order.
#[track_caller]
pub fn comment_ids(r: &Reply) -> Vec<u64> {
    assert_status(r, 200);
    r.body["comments"]
        .as_array()
        .unwrap_or_else(|| panic!("no comments in {}", r.body))
        .iter()
        .map(|c| c["id"].as_u64().expect("integer comment id"))
        .collect()
}

/// `DELETE /api/articles/{slug}/comments/{id}`.
pub async fn delete_comment(app: &App, token: Option<&str>, slug: &str, id: &str) -> Reply {
    let c = call("DELETE", "/api/articles/{slug}/comments/{id}")
        .param("slug", slug)
        .param("id", id);
    send(app, with_token(c, token)).await
}

// ---- tags ------------------------------------------------------------------

/// `GET /api/tags`, insisting on a 200; returns the tags in order.
pub async fn tags(app: &App) -> Vec<String> {
    let r = send(app, call("GET", "/api/tags")).await;
    assert_status(&r, 200);
    r.body["tags"]
        .as_array()
        .unwrap_or_else(|| panic!("no tags in {}", r.body))
        .iter()
        .map(|t| t.as_str().expect("tags are strings").to_owned())
        .collect()
}

//! The data the benchmark runs against, and one representative request per
//! function. Requests that consume something (deleting an article or a
//! comment) draw from pools seeded up front.

use std::collections::VecDeque;

use conduit_tools::event::{Call, call};
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};
use shared::{
    ApiError, App, Function,
    app::password,
    store::{
        articles::NewArticle,
        jobs::{Budget, Job},
        users::NewUser,
    },
};

pub const PASSWORD: &str = "password123";

pub struct Fixture {
    pub author_id: String,
    author: String,
    author_token: String,
    reader_token: String,
    /// Read, favorited, edited and commented on.
    target: String,
    /// Holds a fixed number of comments, so listing them costs the same throughout.
    discussion: String,
    doomed_articles: VecDeque<String>,
    doomed_comments: VecDeque<u64>,
    /// Users who have not favorited the target yet: each favorite is a new one.
    fans: VecDeque<String>,
    /// Users still signed in: each sign-out-everywhere is a new one.
    leavers: VecDeque<String>,
    counter: usize,
}

async fn user(app: &App, name: &str, hash: &str) -> Result<(String, String), ApiError> {
    let user = app
        .store
        .users()
        .create(NewUser {
            username: name.to_owned(),
            email: format!("{name}@bench.example"),
            password_hash: hash.to_owned(),
            idempotency_key: None,
        })
        .await?;
    let token = app.tokens()?.sign_in(&user.id)?;
    Ok((user.id, token))
}

/// Users, `articles` articles, and pools of `pool` articles and comments to delete.
pub async fn seed(app: &App, articles: usize, pool: usize) -> Result<Fixture, ApiError> {
    let hash = password::hash(PASSWORD.to_owned()).await?;
    let (author_id, author_token) = user(app, "author", &hash).await?;
    let (reader_id, reader_token) = user(app, "reader", &hash).await?;
    let (other_id, _) = user(app, "other", &hash).await?;
    grow(app, &author_id, articles).await?;
    // The reader's feed holds the author's articles, as the stream worker
    // leaves it after a follow.
    let later = app.store.deferring_jobs();
    for followee in [&author_id, &other_id] {
        later
            .follows()
            .follow(&reader_id, followee, app.follows_max)
            .await?;
        let job = Job::Backfill {
            reader: reader_id.clone(),
            author: followee.clone(),
        };
        app.store
            .jobs()
            .run(&job, Budget::First(usize::MAX))
            .await?;
    }
    let target = article(app, &author_id, "Target").await?;
    let discussion = article(app, &author_id, "Discussion").await?;
    let discussion_record = app.store.articles().by_slug(&discussion).await?;
    for i in 0..10 {
        app.store
            .comments()
            .create(&discussion_record, &reader_id, format!("comment {i}"), None)
            .await?;
    }
    let mut doomed_articles = VecDeque::new();
    for i in 0..pool {
        doomed_articles.push_back(article(app, &author_id, &format!("Doomed {i}")).await?);
    }
    let target_record = app.store.articles().by_slug(&target).await?;
    let mut doomed_comments = VecDeque::new();
    for i in 0..pool {
        let comment = app
            .store
            .comments()
            .create(&target_record, &reader_id, format!("doomed {i}"), None)
            .await?;
        doomed_comments.push_back(comment.id);
    }
    let fans = tokens(app, "fan", pool, &hash).await?;
    let leavers = tokens(app, "leaver", pool, &hash).await?;
    Ok(Fixture {
        fans,
        leavers,
        author_id,
        author: "author".to_owned(),
        author_token,
        reader_token,
        target,
        discussion,
        doomed_articles,
        doomed_comments,
        counter: 0,
    })
}

/// The tokens of `count` new users named `<prefix><i>`.
async fn tokens(
    app: &App,
    prefix: &str,
    count: usize,
    hash: &str,
) -> Result<VecDeque<String>, ApiError> {
    stream::iter(0..count)
        .map(|i| async move {
            user(app, &format!("{prefix}{i}"), hash)
                .await
                .map(|(_, token)| token)
        })
        .buffered(16)
        .try_collect()
        .await
}

async fn article(app: &App, author_id: &str, title: &str) -> Result<String, ApiError> {
    // As the bench has no stream worker: no feed work beyond what it seeds.
    let article = app
        .store
        .deferring_jobs()
        .articles()
        .create(NewArticle {
            title: title.to_owned(),
            description: "A benchmark article".to_owned(),
            body: "Lorem ipsum dolor sit amet. ".repeat(40),
            tag_list: vec!["bench".to_owned(), format!("t{}", title.len() % 10)],
            author_id: author_id.to_owned(),
        })
        .await?;
    Ok(article.slug)
}

/// Adds articles by `author_id` until `count` more exist.
pub async fn grow(app: &App, author_id: &str, count: usize) -> Result<(), ApiError> {
    stream::iter(0..count)
        .map(|i| async move {
            article(app, author_id, &format!("Seeded article {i}"))
                .await
                .map(drop)
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// The next request for the function named `name` and the status it must
/// answer with; `None` once a pool it draws from is empty. Anything else
/// (the floor, which answers anything) gets the cheapest real request.
pub fn next(name: &str, fx: &mut Fixture) -> Option<(Value, u16)> {
    fx.counter += 1;
    let n = fx.counter;
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let Some(function) = Function::named(name) else {
        return Some((call("GET", "/api/health").event(), 200));
    };
    let (call, status): (Call, u16) = match function {
        Function::RegisterUser => {
            let name = format!("u{}", &unique[..24]);
            let body = json!({"user": {"username": name, "email": format!("{name}@bench.example"), "password": PASSWORD}});
            (call("POST", "/api/users").json(body), 201)
        }
        Function::LoginUser => (
            call("POST", "/api/users/login")
                .json(json!({"user": {"email": "reader@bench.example", "password": PASSWORD}})),
            200,
        ),
        Function::GetCurrentUser => (call("GET", "/api/user").token(&fx.reader_token), 200),
        Function::UpdateUser => (
            call("PUT", "/api/user")
                .token(&fx.reader_token)
                .json(json!({"user": {"bio": format!("bio {n}")}})),
            200,
        ),
        Function::EndSessions => (
            call("DELETE", "/api/user/sessions").token(&fx.leavers.pop_front()?),
            204,
        ),
        Function::GetProfile => (
            call("GET", "/api/profiles/{username}")
                .param("username", &fx.author)
                .token(&fx.reader_token),
            200,
        ),
        Function::FollowUser => (
            call("POST", "/api/profiles/{username}/follow")
                .param("username", &fx.author)
                .token(&fx.reader_token),
            200,
        ),
        Function::UnfollowUser => (
            call("DELETE", "/api/profiles/{username}/follow")
                .param("username", "other")
                .token(&fx.reader_token),
            200,
        ),
        Function::ListArticles => (call("GET", "/api/articles").token(&fx.reader_token), 200),
        Function::FeedArticles => (
            call("GET", "/api/articles/feed").token(&fx.reader_token),
            200,
        ),
        Function::CreateArticle => {
            let body = json!({"article": {"title": format!("Bench {unique}"), "description": "d", "body": "b", "tagList": ["bench"]}});
            (
                call("POST", "/api/articles")
                    .token(&fx.author_token)
                    .json(body),
                201,
            )
        }
        Function::GetArticle => (
            call("GET", "/api/articles/{slug}")
                .param("slug", &fx.target)
                .token(&fx.reader_token),
            200,
        ),
        Function::UpdateArticle => (
            call("PUT", "/api/articles/{slug}")
                .param("slug", &fx.target)
                .token(&fx.author_token)
                .json(json!({"article": {"body": format!("Edited {n}")}})),
            200,
        ),
        Function::DeleteArticle => {
            let slug = fx.doomed_articles.pop_front()?;
            (
                call("DELETE", "/api/articles/{slug}")
                    .param("slug", &slug)
                    .token(&fx.author_token),
                204,
            )
        }
        Function::FavoriteArticle => (
            call("POST", "/api/articles/{slug}/favorite")
                .param("slug", &fx.target)
                .token(&fx.fans.pop_front()?),
            200,
        ),
        Function::UnfavoriteArticle => (
            call("DELETE", "/api/articles/{slug}/favorite")
                .param("slug", &fx.target)
                .token(&fx.reader_token),
            200,
        ),
        Function::ListComments => (
            call("GET", "/api/articles/{slug}/comments")
                .param("slug", &fx.discussion)
                .token(&fx.reader_token),
            200,
        ),
        Function::CreateComment => (
            call("POST", "/api/articles/{slug}/comments")
                .param("slug", &fx.target)
                .token(&fx.reader_token)
                .json(json!({"comment": {"body": format!("Comment {n}")}})),
            201,
        ),
        Function::DeleteComment => {
            let id = fx.doomed_comments.pop_front()?;
            (
                call("DELETE", "/api/articles/{slug}/comments/{id}")
                    .param("slug", &fx.target)
                    .param("id", &id.to_string())
                    .token(&fx.reader_token),
                204,
            )
        }
        Function::ListTags => (call("GET", "/api/tags"), 200),
        Function::Health => (call("GET", "/api/health"), 200),
        Function::GetOpenApi => (call("GET", "/api/openapi.json"), 200),
        // No HTTP request: its cost is the table writes of the jobs it runs.
        Function::StreamWorker => return None,
    };
    Some((call.event(), status))
}

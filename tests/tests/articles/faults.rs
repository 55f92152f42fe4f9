//! What DynamoDB does under load and DynamoDB Local never does: throttling
//! of the table, an index or the account, a fault of the service, a
//! transaction cancelled for throughput. Every route, against every such
//! fault on every operation, and on each kind of write alone: a 503 with
//! `Retry-After` wherever the fault was met, never a 500, and the table
//! consistent after. And a whole request bounded by its deadline.

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use conduit_tools::faults::{Fault, FaultProxy};
use serde_json::json;
use shared::{
    Function,
    store::{articles::NewArticle, users::NewUser},
};

use crate::*;

/// What the calls of every route need, made before any fault, with pools
/// for the calls that use something up.
struct Fixture {
    author: String,
    reader: String,
    slug: String,
    comment: u64,
    /// Articles of `author` to delete.
    doomed: VecDeque<String>,
    /// Comments of `reader` on `slug` to delete.
    doomed_comments: VecDeque<u64>,
    /// Tokens of users whose sessions may all end.
    leavers: VecDeque<String>,
    n: usize,
}

async fn fixture(app: &App) -> Fixture {
    let author = register(app, "author").await;
    let reader = register(app, "reader").await;
    follow(app, &reader, "author").await;
    let slug = create_article(app, &author, "Target", &["t"]).await;
    let comment = comment(app, &reader, &slug, "first").await;
    let author_id = app.tokens().unwrap().verify(&author).unwrap().id;
    let reader_id = app.tokens().unwrap().verify(&reader).unwrap().id;
    let target = app.store.articles().by_slug(&slug).await.unwrap();
    let mut doomed = VecDeque::new();
    let mut doomed_comments = VecDeque::new();
    let mut leavers = VecDeque::new();
    for i in 0..16 {
        let made = app
            .store
            .deferring_jobs()
            .articles()
            .create(NewArticle {
                title: format!("Doomed {i}"),
                description: "d".into(),
                body: "b".into(),
                tag_list: vec!["doomed".into()],
                author_id: author_id.clone(),
            })
            .await
            .unwrap();
        doomed.push_back(made.slug);
        let made = app
            .store
            .comments()
            .create(&target, &reader_id, format!("doomed {i}"), None)
            .await
            .unwrap();
        doomed_comments.push_back(made.id);
        let user = app
            .store
            .users()
            .create(NewUser {
                username: format!("leaver{i}"),
                email: format!("leaver{i}@example.com"),
                password_hash: "not a hash".into(),
                idempotency_key: None,
            })
            .await
            .unwrap();
        leavers.push_back(app.tokens().unwrap().sign_in(&user.id).unwrap());
    }
    Fixture {
        author,
        reader,
        slug,
        comment,
        doomed,
        doomed_comments,
        leavers,
        n: 0,
    }
}

/// A call of `function`'s route that succeeds on a healthy table.
fn request(function: Function, fx: &mut Fixture) -> harness::Call {
    fx.n += 1;
    let n = fx.n;
    let slug = fx.slug.clone();
    match function {
        Function::RegisterUser => call("POST", "/api/users").json(json!({"user": {
            "username": format!("new{n}"), "email": format!("new{n}@example.com"), "password": PASSWORD,
        }})),
        Function::LoginUser => call("POST", "/api/users/login")
            .json(json!({"user": {"email": "reader@example.com", "password": PASSWORD}})),
        Function::GetCurrentUser => call("GET", "/api/user").token(&fx.reader),
        Function::UpdateUser => call("PUT", "/api/user")
            .token(&fx.reader)
            .json(json!({"user": {"bio": format!("bio {n}")}})),
        Function::EndSessions => {
            let leaver = fx.leavers.pop_front().expect("a leaver");
            call("DELETE", "/api/user/sessions").token(&leaver)
        }
        Function::GetProfile => call("GET", "/api/profiles/{username}")
            .param("username", "author")
            .token(&fx.reader),
        Function::FollowUser => call("POST", "/api/profiles/{username}/follow")
            .param("username", "author")
            .token(&fx.reader),
        Function::UnfollowUser => call("DELETE", "/api/profiles/{username}/follow")
            .param("username", "author")
            .token(&fx.reader),
        Function::ListArticles => call("GET", "/api/articles").token(&fx.reader),
        Function::FeedArticles => call("GET", "/api/articles/feed").token(&fx.reader),
        Function::CreateArticle => call("POST", "/api/articles")
            .token(&fx.author)
            .json(json!({"article": {"title": format!("New {n}"), "description": "d", "body": "b", "tagList": ["t"]}})),
        Function::GetArticle => call("GET", "/api/articles/{slug}")
            .param("slug", &slug)
            .token(&fx.reader),
        Function::UpdateArticle => call("PUT", "/api/articles/{slug}")
            .param("slug", &slug)
            .token(&fx.author)
            .json(json!({"article": {"body": format!("Edited {n}")}})),
        Function::DeleteArticle => {
            let doomed = fx.doomed.pop_front().expect("an article to delete");
            call("DELETE", "/api/articles/{slug}")
                .param("slug", &doomed)
                .token(&fx.author)
        }
        Function::FavoriteArticle => call("POST", "/api/articles/{slug}/favorite")
            .param("slug", &slug)
            .token(&fx.reader),
        Function::UnfavoriteArticle => call("DELETE", "/api/articles/{slug}/favorite")
            .param("slug", &slug)
            .token(&fx.reader),
        Function::ListComments => call("GET", "/api/articles/{slug}/comments")
            .param("slug", &slug)
            .token(&fx.reader),
        Function::CreateComment => call("POST", "/api/articles/{slug}/comments")
            .param("slug", &slug)
            .token(&fx.reader)
            .json(json!({"comment": {"body": format!("Comment {n}")}})),
        Function::DeleteComment => {
            let id = fx.doomed_comments.pop_front().expect("a comment to delete");
            call("DELETE", "/api/articles/{slug}/comments/{id}")
                .param("slug", &slug)
                .param("id", &id.to_string())
                .token(&fx.reader)
        }
        Function::ListTags => call("GET", "/api/tags"),
        Function::Health => call("GET", "/api/health"),
        Function::GetOpenApi => call("GET", "/api/openapi.json"),
        Function::StreamWorker => unreachable!("the stream worker serves no route"),
    }
}

fn routes() -> impl Iterator<Item = Function> {
    Function::ALL.into_iter().filter(|f| f.route().is_some())
}

#[track_caller]
fn assert_unavailable(what: &str, reply: &Reply) {
    assert_reply(
        reply,
        503,
        errors(json!({"service": ["is temporarily unavailable, retry later"]})),
    );
    assert_eq!(reply.headers["retry-after"], "1", "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_a_503_with_retry_after_to_every_fault_and_never_a_500() {
    let proxy = FaultProxy::start(&harness::endpoint()).await;
    let app = harness::streamed_apps_on(std::slice::from_ref(&proxy.endpoint))
        .await
        .remove(0);
    let mut worker = harness::worker(&app).await;
    let mut fx = fixture(&app).await;
    // The comment made in the fixture is the one the routes read.
    assert!(fx.comment > 0);

    // Every operation refused: every route meets the fault first.
    for fault in Fault::ALL {
        proxy.inject(fault, &[]);
        for function in routes() {
            let before = proxy.injected();
            let reply = send(&app, request(function, &mut fx)).await;
            let met = proxy.injected() > before;
            let what = format!("{} under {fault:?}", function.name());
            if function == Function::GetOpenApi {
                // The description is built into its binary: no call to fail.
                assert!(!met && reply.status == 200, "{what}: {}", reply.status);
            } else if fault == Fault::TransactionThrottled && !met {
                // Only transactions fit this fault: a route without one is served.
                assert!(
                    reply.status < 300,
                    "{what}: {} {}",
                    reply.status,
                    reply.body
                );
            } else {
                assert!(met, "{what}: the route made a call");
                assert_unavailable(&what, &reply);
            }
        }
        proxy.heal();
        harness::run_worker(&app, &mut worker).await;
        audit::assert_consistent(&app).await;
    }

    // Each kind of write refused alone, its reads served: where a route
    // meets it the answer is a 503, or (for the work a write leaves, which
    // the stream worker finishes) the write's own answer; never a 500.
    for operation in [
        "TransactWriteItems",
        "UpdateItem",
        "PutItem",
        "DeleteItem",
        "BatchWriteItem",
    ] {
        proxy.inject(Fault::Throttling, &[operation]);
        for function in routes() {
            let before = proxy.injected();
            let reply = send(&app, request(function, &mut fx)).await;
            let what = format!("{} with {operation} throttled", function.name());
            assert!(
                reply.status < 300 || reply.status == 503,
                "{what}: {} {}",
                reply.status,
                reply.body
            );
            if reply.status == 503 {
                assert!(proxy.injected() > before, "{what}: a 503 without the fault");
                assert_unavailable(&what, &reply);
            }
        }
        proxy.heal();
        harness::run_worker(&app, &mut worker).await;
        audit::assert_consistent(&app).await;
    }
}

#[tokio::test]
async fn a_request_is_bounded_as_a_whole_by_its_deadline() {
    let proxy = FaultProxy::start(&harness::endpoint()).await;
    let mut app = harness::streamed_apps_on(std::slice::from_ref(&proxy.endpoint))
        .await
        .remove(0);
    let mut fx = fixture(&app).await;
    // Each call answers within the database bound, but a request of
    // several calls in turn does not fit its deadline.
    app.request_deadline = Duration::from_millis(600);
    proxy.slow(Duration::from_millis(250));
    let started = Instant::now();
    let reply = send(&app, request(Function::CreateArticle, &mut fx)).await;
    let took = started.elapsed();
    assert_unavailable("a slow create", &reply);
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
    proxy.heal();
    app.request_deadline = Duration::from_secs(8);
    // What a request cut short wrote is whole or absent: the table is
    // consistent, and a retry goes through.
    let mut worker = harness::worker(&app).await;
    harness::run_worker(&app, &mut worker).await;
    audit::assert_consistent(&app).await;
    assert_status(
        &send(&app, request(Function::GetArticle, &mut fx)).await,
        200,
    );
}

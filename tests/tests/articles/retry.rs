//! Creates retried after their answer was lost: the write landed, the caller
//! saw a failure (a dropped connection, then a 503) and sent it again. The
//! retry gets what the first attempt made, never a second copy.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use conduit_tests::harness;
use conduit_tools::audit;
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::*;

/// A proxy to DynamoDB Local that forwards every request but, for the first
/// `drops` transactions, throws the answer away and closes the connection:
/// the write lands, its caller never learns it.
async fn answer_dropping_proxy(drops: usize) -> String {
    let upstream = harness::endpoint().trim_start_matches("http://").to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let left = Arc::new(AtomicUsize::new(drops));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                continue;
            };
            tokio::spawn(pipe(client, server, Arc::clone(&left)));
        }
    });
    endpoint
}

async fn pipe(client: TcpStream, server: TcpStream, left: Arc<AtomicUsize>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let dropping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let upstream = {
        let dropping = Arc::clone(&dropping);
        tokio::spawn(async move {
            let mut buf = vec![0; 64 * 1024];
            while let Ok(n) = client_read.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                let chunk = &buf[..n];
                let transaction = chunk
                    .windows(b"TransactWriteItems".len())
                    .any(|w| w == b"TransactWriteItems");
                if transaction
                    && left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(1))
                        .is_ok()
                {
                    dropping.store(true, Ordering::SeqCst);
                }
                if server_write.write_all(chunk).await.is_err() {
                    break;
                }
            }
        })
    };
    let mut buf = vec![0; 64 * 1024];
    while let Ok(n) = server_read.read(&mut buf).await {
        if n == 0 {
            break;
        }
        if dropping.load(Ordering::SeqCst) {
            // The answer arrived, so the write landed; the caller hears nothing.
            break;
        }
        if client_write.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    upstream.abort();
}

/// An app straight to DynamoDB Local and one through a proxy that loses the
/// answers of the first `drops` transactions, on one table and signing key.
async fn direct_and_lossy(drops: usize) -> (TestApp, TestApp) {
    let proxy = answer_dropping_proxy(drops).await;
    let mut apps = harness::streamed_apps_on(&[harness::endpoint(), proxy]).await;
    let lossy = apps.pop().unwrap();
    (apps.pop().unwrap(), lossy)
}

#[tokio::test]
async fn an_sdk_retry_of_a_create_whose_answer_was_lost_makes_one_article() {
    let (app, lossy) = direct_and_lossy(1).await;
    let jake = register(&app, "jake").await;
    let r = create_article_body(&lossy, Some(&jake), draft("Once", &["t"])).await;
    assert_status(&r, 201);
    assert_eq!(slug_of(&r), "once");
    assert_list(&list(&app, None, &[]).await, &["once"], 1);
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn a_client_retry_after_a_503_gets_the_article_the_first_attempt_made() {
    let (app, lossy) = direct_and_lossy(usize::MAX).await;
    let jake = register(&app, "jake").await;
    let r = create_article_body(&lossy, Some(&jake), draft("Lost answer", &["t"])).await;
    assert_status(&r, 503);
    let retry = create_article_body(&app, Some(&jake), draft("Lost answer", &["t"])).await;
    assert_status(&retry, 201);
    assert_eq!(slug_of(&retry), "lost-answer");
    assert_list(&list(&app, None, &[]).await, &["lost-answer"], 1);
    audit::assert_consistent(&app).await;

    // Once deleted, the same content publishes anew, and different content is its own article.
    assert_status(&delete_article(&app, Some(&jake), "lost-answer").await, 204);
    let again = create_article_body(&app, Some(&jake), draft("Lost answer", &["t"])).await;
    assert_status(&again, 201);
    let other = create_article_body(&app, Some(&jake), draft("Another", &["t"])).await;
    assert_status(&other, 201);
    assert_list(&list(&app, None, &[]).await, &["another", "lost-answer"], 2);
    let mut worker = harness::worker(&app).await;
    harness::run_worker(&app, &mut worker).await;
    audit::assert_consistent(&app).await;
}

/// `POST /api/articles/{slug}/comments` with an `Idempotency-Key`.
async fn create_comment_keyed(app: &App, token: &str, slug: &str, body: &str, key: &str) -> Reply {
    let c = harness::call("POST", "/api/articles/{slug}/comments")
        .param("slug", slug)
        .token(token)
        .header("idempotency-key", key)
        .json(json!({ "comment": { "body": body } }));
    harness::send(app, c).await
}

#[tokio::test]
async fn a_comment_retried_with_its_idempotency_key_is_posted_once_and_a_resend_without_it_is_a_409()
 {
    let (app, lossy) = direct_and_lossy(usize::MAX).await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Commented", &[]).await;
    let key = "0d9c1f52-comment";
    let r = create_comment_keyed(&lossy, &jake, &slug, "only once", key).await;
    assert_status(&r, 503);
    let retry = create_comment_keyed(&app, &jake, &slug, "only once", key).await;
    assert_status(&retry, 201);
    let id = retry.body["comment"]["id"].as_u64().unwrap();
    let again = create_comment_keyed(&app, &jake, &slug, "only once", key).await;
    assert_reply(&again, 201, retry.body.clone());

    // The same comment without the key, or with another, is a duplicate:
    // a page would show it twice.
    let duplicate = errors(json!({"body": ["duplicates a comment you just posted"]}));
    let unkeyed = create_comment(&app, Some(&jake), &slug, json!("only once")).await;
    assert_reply(&unkeyed, 409, duplicate.clone());
    let other_key = create_comment_keyed(&app, &jake, &slug, "only once", "another-key").await;
    assert_reply(&other_key, 409, duplicate);
    // The key answers only for the comment it was sent with.
    let reused = create_comment_keyed(&app, &jake, &slug, "something else", key).await;
    assert_reply(
        &reused,
        422,
        errors(json!({"Idempotency-Key": ["was sent with another request"]})),
    );
    assert_eq!(comment_ids(&list_comments(&app, None, &slug).await), [id]);
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn a_registration_retried_with_its_idempotency_key_gets_its_user_and_anyone_else_the_409() {
    let (app, lossy) = direct_and_lossy(usize::MAX).await;
    let user = |password: &str| json!({"user": {"username": "jake", "email": "jake@example.com", "password": password}});
    async fn send(app: &App, body: serde_json::Value, key: Option<&str>) -> Reply {
        let mut c = harness::call("POST", "/api/users").json(body);
        if let Some(key) = key {
            c = c.header("idempotency-key", key);
        }
        harness::send(app, c).await
    }
    let key = Some("a7c3f0e2-registration");
    assert_status(&send(&lossy, user(PASSWORD), key).await, 503);
    let retry = send(&app, user(PASSWORD), key).await;
    assert_status(&retry, 201);
    assert_eq!(retry.body["user"]["username"], "jake");
    let taken =
        json!({"username": ["has already been taken"], "email": ["has already been taken"]});
    // Without the key the same request is a conflict, right password or not:
    // registration tells nothing of a password.
    assert_reply(
        &send(&app, user(PASSWORD), None).await,
        409,
        errors(taken.clone()),
    );
    let other = send(&app, user("another password"), None).await;
    assert_reply(&other, 409, errors(taken));
    // The key answers only for the request it was sent with.
    let elsewhere =
        json!({"user": {"username": "jane", "email": "jane@example.com", "password": PASSWORD}});
    let reused = send(&app, elsewhere, key).await;
    assert_reply(
        &reused,
        422,
        errors(json!({"Idempotency-Key": ["was sent with another request"]})),
    );
    audit::assert_consistent(&app).await;
}

//! Integrity under concurrency and faults, with real parallelism: handlers
//! on a multi-threaded runtime, spread over several apps (separate SDK
//! clients and connections, as separate Lambda instances are), many rounds.
//! After each race the table-wide audit must find nothing wrong.

use std::{collections::BTreeSet, sync::Arc, time::Instant};

use conduit_tests::harness;
use conduit_tools::audit;
use serde_json::json;

use crate::*;

async fn apps(n: usize) -> Vec<Arc<TestApp>> {
    harness::apps(n).await.into_iter().map(Arc::new).collect()
}

async fn streamed_apps(n: usize) -> Vec<Arc<TestApp>> {
    harness::streamed_apps(n)
        .await
        .into_iter()
        .map(Arc::new)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_different_fields_both_survive() {
    let apps = apps(2).await;
    let jake = register(&apps[0], "jake").await;
    for round in 0..10 {
        let slug = create_article(&apps[0], &jake, &format!("Edited {round}"), &[]).await;
        let edits = [
            ("description", format!("description {round}")),
            ("body", format!("body {round}")),
        ];
        let replies = all_at_once(
            edits
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, (field, value))| {
                    let app = Arc::clone(&apps[i]);
                    let (slug, jake) = (slug.clone(), jake.clone());
                    async move {
                        let mut change = serde_json::Map::new();
                        change.insert(field.to_owned(), json!(value));
                        let r = update_article(&app, Some(&jake), &slug, json!(change)).await;
                        (field, value, r)
                    }
                }),
        )
        .await;
        let now = get_article(&apps[0], &slug, None).await;
        for (field, value, r) in replies {
            match r.status {
                200 => assert_eq!(
                    now.body["article"][field],
                    json!(value),
                    "round {round}: {field} was lost"
                ),
                409 => assert_reply(
                    &r,
                    409,
                    errors(json!({"article": ["was changed by another request, retry"]})),
                ),
                other => panic!("round {round}: {field} edit answered {other} {}", r.body),
            }
        }
    }
    audit::assert_consistent(&apps[0]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tag_edits_leave_entries_and_counters_equal_to_the_final_tags() {
    const EDITS: usize = 20;
    const POOL: [&str; 6] = ["red", "green", "blue", "cyan", "gold", "pink"];
    let apps = apps(4).await;
    let jake = register(&apps[0], "jake").await;
    for round in 0..3 {
        let slug = create_article(&apps[0], &jake, &format!("Tagged {round}"), &["red"]).await;
        let replies =
            all_at_once(
                (0..EDITS).map(|i| {
                    let app = Arc::clone(&apps[i % apps.len()]);
                    let (slug, jake) = (slug.clone(), jake.clone());
                    // Each edit a different subset of the pool.
                    let tags: Vec<&str> = POOL
                        .iter()
                        .enumerate()
                        .filter(|(bit, _)| (i + round) >> (bit % 5) & 1 == 1)
                        .map(|(_, t)| *t)
                        .collect();
                    async move {
                        update_article(&app, Some(&jake), &slug, json!({"tagList": tags})).await
                    }
                }),
            )
            .await;
        for r in &replies {
            assert!(matches!(r.status, 200 | 409), "{} {}", r.status, r.body);
        }
        assert!(replies.iter().any(|r| r.status == 200), "some edit landed");
        let now = get_article(&apps[0], &slug, None).await;
        let final_tags: BTreeSet<String> = now.body["article"]["tagList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect();
        for tag in POOL {
            let listed = list(&apps[0], None, &[("tag", tag)]).await;
            if final_tags.contains(tag) {
                assert_list(&listed, &[&slug], 1);
            } else {
                assert_list(&listed, &[], 0);
            }
        }
        let in_use: BTreeSet<String> = tags(&apps[0]).await.into_iter().collect();
        assert_eq!(
            in_use, final_tags,
            "round {round}: /api/tags shows the article's tags"
        );
        audit::assert_consistent(&apps[0]).await;
        assert_status(&delete_article(&apps[0], Some(&jake), &slug).await, 204);
    }
    audit::assert_consistent(&apps[0]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_delete_racing_an_edit_leaves_nothing_behind() {
    let apps = streamed_apps(2).await;
    let jake = register(&apps[0], "jake").await;
    let ann = register(&apps[0], "ann").await;
    let mut worker = harness::worker(&apps[0]).await;
    for round in 0..10 {
        let slug = create_article(&apps[0], &jake, &format!("Doomed {round}"), &["old"]).await;
        assert_status(&favorite(&apps[0], Some(&ann), &slug).await, 200);
        let edit = {
            let (app, slug, jake) = (Arc::clone(&apps[0]), slug.clone(), jake.clone());
            tokio::spawn(async move {
                // Odd rounds keep the slug: only the version tells the delete it is stale.
                let changes = if round % 2 == 0 {
                    json!({"title": format!("Renamed {round}"), "tagList": ["new"]})
                } else {
                    json!({"tagList": ["new"]})
                };
                update_article(&app, Some(&jake), &slug, changes).await
            })
        };
        let delete = {
            let (app, slug, jake) = (Arc::clone(&apps[1]), slug.clone(), jake.clone());
            tokio::spawn(async move { delete_article(&app, Some(&jake), &slug).await })
        };
        let (edit, delete) = (edit.await.unwrap(), delete.await.unwrap());
        assert!(
            matches!(edit.status, 200 | 404),
            "edit: {} {}",
            edit.status,
            edit.body
        );
        if delete.status == 404 {
            // The rename landed before the deletion looked the slug up: the
            // old slug names nothing, and the article is deleted by its new one.
            assert_eq!((round % 2, edit.status), (0, 200), "{}", delete.body);
            let renamed = slug_of(&edit);
            assert_status(&delete_article(&apps[0], Some(&jake), &renamed).await, 204);
        } else {
            assert_status(&delete, 204);
        }
        for gone in [slug.clone(), format!("renamed-{round}")] {
            assert_reply(
                &get_article(&apps[0], &gone, None).await,
                404,
                not_found("article"),
            );
        }
    }
    harness::run_worker(&apps[0], &mut worker).await;
    assert_list(&list(&apps[0], None, &[]).await, &[], 0);
    assert_list(&list(&apps[0], None, &[("tag", "old")]).await, &[], 0);
    assert_list(&list(&apps[0], None, &[("tag", "new")]).await, &[], 0);
    assert_list(&list(&apps[0], None, &[("favorited", "ann")]).await, &[], 0);
    assert!(tags(&apps[0]).await.is_empty());
    audit::assert_consistent(&apps[0]).await;
}

#[tokio::test]
async fn a_token_whose_user_is_gone_is_refused_everywhere_and_writes_nothing() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Still here", &["t"]).await;
    let id = comment(&app, &jake, &slug, "a comment").await.to_string();
    let ghost = register(&app, "ghost").await;
    // The user is removed behind the API's back, as an operator might.
    let user = app
        .store
        .users()
        .by_username("ghost")
        .await
        .unwrap()
        .unwrap();
    for (pk, sk) in [
        (format!("USER#{}", user.id), "PROFILE"),
        (format!("USER#{}", user.id), "PROFILE#COUNTS"),
        ("USERNAME#ghost".to_owned(), "USERNAME"),
        ("EMAIL#ghost@example.com".to_owned(), "EMAIL"),
    ] {
        app.store
            .table()
            .client()
            .delete_item()
            .table_name(app.store.table().name())
            .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk))
            .key(
                "sk",
                aws_sdk_dynamodb::types::AttributeValue::S(sk.to_owned()),
            )
            .send()
            .await
            .unwrap();
    }
    let invalid = errors(json!({"token": ["is invalid"]}));
    let t = Some(ghost.as_str());
    let replies = [
        ("favorite", favorite(&app, t, &slug).await),
        ("unfavorite", unfavorite(&app, t, &slug).await),
        (
            "create",
            create_article_body(&app, t, draft("Ghost post", &["g"])).await,
        ),
        (
            "update",
            update_article(&app, t, &slug, json!({"body": "x"})).await,
        ),
        ("delete", delete_article(&app, t, &slug).await),
        (
            "comment",
            create_comment(&app, t, &slug, json!("boo")).await,
        ),
        ("delete comment", delete_comment(&app, t, &slug, &id).await),
        ("get article", get_article(&app, &slug, t).await),
        ("list", list(&app, t, &[]).await),
        ("feed", feed(&app, t, &[]).await),
        ("comments", list_comments(&app, t, &slug).await),
    ];
    for (what, r) in replies {
        assert_eq!((r.status, &r.body), (401, &invalid), "{what}");
    }
    for (method, route) in [
        ("POST", "/api/profiles/{username}/follow"),
        ("DELETE", "/api/profiles/{username}/follow"),
        ("GET", "/api/profiles/{username}"),
    ] {
        let c = harness::call(method, route)
            .param("username", "jake")
            .token(&ghost);
        let r = harness::send(&app, c).await;
        assert_eq!((r.status, &r.body), (401, &invalid), "{method} {route}");
    }
    for method in ["GET", "PUT"] {
        let c = harness::call(method, "/api/user")
            .token(&ghost)
            .json(json!({"user": {"bio": "boo"}}));
        let r = harness::send(&app, c).await;
        assert_eq!((r.status, &r.body), (401, &invalid), "{method} /api/user");
    }
    assert!(
        app.store.users().get(&user.id).await.unwrap().is_none(),
        "no user item was recreated"
    );
    assert_status(&get_article(&app, &slug, None).await, 200);
    assert_list(&list(&app, None, &[]).await, &[&slug], 1);
    audit::assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_stream_worker_removes_a_deleted_articles_favorites_and_comments_once() {
    const USERS: usize = 110;
    let apps = streamed_apps(4).await;
    let app = &apps[0];
    let jake = register(app, "jake").await;
    let slug = create_article(app, &jake, "Popular", &["hot"]).await;
    let kept = create_article(app, &jake, "Kept", &["hot"]).await;
    // In waves: DynamoDB Local on two cores times out far below the
    // concurrency the real service takes.
    let mut fans = Vec::new();
    for wave in (0..USERS).collect::<Vec<_>>().chunks(10) {
        fans.extend(
            all_at_once(wave.iter().copied().map(|i| {
                let app = Arc::clone(&apps[i % apps.len()]);
                let (slug, kept) = (slug.clone(), kept.clone());
                async move {
                    let token = register(&app, &format!("fan{i}")).await;
                    assert_status(&favorite(&app, Some(&token), &slug).await, 200);
                    comment(&app, &token, &slug, &format!("comment {i}")).await;
                    if i % 10 == 0 {
                        assert_status(&favorite(&app, Some(&token), &kept).await, 200);
                    }
                    token
                }
            }))
            .await,
        );
    }
    assert_eq!(fans.len(), USERS);
    assert_status(&delete_article(app, Some(&jake), &slug).await, 204);

    let mut worker = harness::worker(app).await;
    let first = worker.round(&app.store).await.unwrap();
    assert!(first.is_some(), "the worker saw the deletion");
    harness::run_worker(app, &mut worker).await;

    for i in (0..USERS).step_by(7) {
        let listed = list(app, None, &[("favorited", &format!("fan{i}"))]).await;
        if i % 10 == 0 {
            assert_list(&listed, &[&kept], 1);
        } else {
            assert_list(&listed, &[], 0);
        }
    }
    audit::assert_consistent(app).await;
    let before = snapshot(app).await;

    // The same records delivered again (a fresh reader from the stream's start).
    let mut again = harness::worker(app).await;
    harness::run_worker(app, &mut again).await;
    let after = snapshot(app).await;
    let gone: Vec<&String> = before.iter().filter(|i| !after.contains(i)).collect();
    let new: Vec<&String> = after.iter().filter(|i| !before.contains(i)).collect();
    assert!(
        gone.is_empty() && new.is_empty(),
        "a second delivery changes nothing: gone {gone:?}, new {new:?}"
    );
    audit::assert_consistent(app).await;
}

#[tokio::test]
async fn a_cleanup_cut_short_resumes_where_it_stopped() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Short", &[]).await;
    let mut fans = Vec::new();
    for i in 0..3 {
        let token = register(&app, &format!("fan{i}")).await;
        assert_status(&favorite(&app, Some(&token), &slug).await, 200);
        comment(&app, &token, &slug, "hi").await;
        fans.push(token);
    }
    let id = app.store.articles().by_slug(&slug).await.unwrap();
    assert_status(&delete_article(&app, Some(&jake), &slug).await, 204);
    let deleted = shared::store::records::Published::from(&id);
    let cut = app
        .store
        .repair()
        .cleanup(&deleted, Instant::now())
        .await
        .unwrap()
        .expect("the article is gone");
    assert!(!cut.finished, "no time, no work");
    assert_eq!((cut.favorites, cut.comments), (0, 0));
    let far = Instant::now() + std::time::Duration::from_secs(30);
    let done = app
        .store
        .repair()
        .cleanup(&deleted, far)
        .await
        .unwrap()
        .unwrap();
    assert!(done.finished);
    assert_eq!((done.favorites, done.comments), (3, 3));
    let again = app
        .store
        .repair()
        .cleanup(&deleted, far)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.favorites, again.comments, again.finished),
        (0, 0, true)
    );
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn an_article_titled_feed_can_be_fetched() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Feed", &[]).await;
    assert_ne!(slug, "feed");
    let r = get_article(&app, &slug, None).await;
    assert_eq!(r.body["article"]["title"], "Feed");
    let other = create_article(&app, &jake, "Other", &[]).await;
    let r = update_article(&app, Some(&jake), &other, json!({"title": "feed"})).await;
    assert_status(&r, 200);
    assert_ne!(slug_of(&r), "feed");
    assert_ne!(slug_of(&r), slug);
}

/// Every item of the table, sorted, for before/after comparisons.
async fn snapshot(app: &App) -> Vec<String> {
    let mut items: Vec<String> = app
        .store
        .table()
        .client()
        .scan()
        .table_name(app.store.table().name())
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
        .into_iter()
        // As JSON, whose objects keep their keys in order, nested ones too.
        .map(|item| {
            serde_json::to_value(serde_dynamo::Item::from(item))
                .unwrap()
                .to_string()
        })
        .collect();
    items.sort();
    items
}

/// The check inside each write, not just the one at the door: a user removed
/// between the token check and the write still writes nothing.
#[tokio::test]
async fn writes_for_a_missing_user_fail_inside_their_transaction() {
    use shared::{ApiError, store::articles::NewArticle};
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Target", &["t"]).await;
    let article = app.store.articles().by_slug(&slug).await.unwrap();
    let jake_id = app
        .store
        .users()
        .by_username("jake")
        .await
        .unwrap()
        .unwrap()
        .id;
    let ghost = "0190a0a0-0000-7000-8000-000000000000";
    let unauthorized = |r: Result<(), ApiError>, what: &str| {
        assert!(
            matches!(r, Err(ApiError::Unauthorized { .. })),
            "{what}: {r:?}"
        );
    };
    unauthorized(
        app.store.favorites().favorite(&article, ghost).await,
        "favorite",
    );
    unauthorized(
        app.store.favorites().unfavorite(&article, ghost).await,
        "unfavorite",
    );
    unauthorized(
        app.store
            .follows()
            .follow(ghost, &jake_id, app.follows_max)
            .await
            .map(drop),
        "follow",
    );
    unauthorized(
        app.store
            .follows()
            .unfollow(ghost, &jake_id)
            .await
            .map(drop),
        "unfollow",
    );
    unauthorized(
        app.store
            .comments()
            .create(&article, ghost, "boo".into(), None)
            .await
            .map(drop),
        "comment",
    );
    let new = NewArticle {
        title: "Ghost".into(),
        description: "d".into(),
        body: "b".into(),
        tag_list: vec!["g".into()],
        author_id: ghost.into(),
    };
    unauthorized(app.store.articles().create(new).await.map(drop), "create");
    assert!(
        app.store.users().get(ghost).await.unwrap().is_none(),
        "no user item was created"
    );
    audit::assert_consistent(&app).await;
}

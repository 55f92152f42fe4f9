//! Concurrent `PUT /api/user` calls by one user. Each update names only the
//! fields it changes ("absent fields stay as they are"), so two updates of
//! different fields must both land, whatever their timing.

use std::{sync::Arc, time::Duration};

use futures::future::join_all;
use serde_json::json;

use crate::{proxy::HoldingProxy, *};

const ROUNDS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_of_different_fields_both_land() {
    let app = Arc::new(app().await);
    let (token, _) = register(&app, "jake").await;
    let mut lost = Vec::new();
    for round in 0..ROUNDS {
        let bio = format!("bio {round}");
        let image = format!("https://example.com/{round}.png");
        let tasks = [json!({ "bio": bio }), json!({ "image": image })].map(|changes| {
            let app = Arc::clone(&app);
            let token = token.clone();
            tokio::spawn(async move { update(&app, &token, changes).await })
        });
        for reply in join_all(tasks).await {
            assert_status(&reply.expect("update task panicked"), 200);
        }
        let me = current_user(&app, Some(&token)).await;
        let (got_bio, got_image) = (&me.body["user"]["bio"], &me.body["user"]["image"]);
        if *got_bio != json!(bio) || *got_image != json!(image) {
            lost.push(format!("round {round}: bio {got_bio}, image {got_image}"));
        }
    }
    assert!(
        lost.is_empty(),
        "an update undid a concurrent update of another field in {} of {ROUNDS} rounds:\n{}",
        lost.len(),
        lost.join("\n")
    );
    conduit_tools::audit::assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_renames_leave_exactly_the_final_name_claimed() {
    let app = Arc::new(app().await);
    let (token, _) = register(&app, "jake").await;
    let names: Vec<String> = (0..8).map(|i| format!("name{i}")).collect();
    let tasks = names.iter().map(|name| {
        let app = Arc::clone(&app);
        let token = token.clone();
        let name = name.clone();
        tokio::spawn(async move { update(&app, &token, json!({ "username": name })).await })
    });
    for reply in join_all(tasks).await {
        let reply = reply.expect("update task panicked");
        // Losing every retry to the others is a (retryable) 503; nothing else is acceptable.
        assert!(
            reply.status == 200 || reply.status == 503,
            "{} {}",
            reply.status,
            reply.body
        );
    }
    let me = current_user(&app, Some(&token)).await;
    assert_status(&me, 200);
    let final_name = me.body["user"]["username"].as_str().unwrap().to_owned();
    assert!(names.contains(&final_name), "final name {final_name}");

    // Only the final name is held: the profile answers to it alone, and every
    // other name (the original included) is free for someone else.
    assert_eq!(profile(&app, &final_name, None).await.status, 200);
    for (i, name) in names.iter().chain(["jake".to_owned()].iter()).enumerate() {
        let reply = register_as(&app, name, &format!("other{i}@example.com"), PASSWORD).await;
        if *name == final_name {
            assert_reply(
                &reply,
                409,
                errors(json!({ "username": ["has already been taken"] })),
            );
        } else {
            assert_eq!(reply.status, 201, "{name} should be free: {}", reply.body);
        }
    }
    conduit_tools::audit::assert_consistent(&app).await;
}

/// An app on DynamoDB Local behind a [`HoldingProxy`] that holds the first
/// write carrying `marker`, and a user registered on it (returns its token).
///
/// `harness::app_at` names its table "unreachable"; here that table is created
/// for real. Usernames are unique so tests sharing it never meet.
async fn app_behind_proxy(marker: &str) -> (HoldingProxy, TestApp, String, String) {
    let proxy = HoldingProxy::start(&harness::endpoint(), marker).await;
    let app = harness::app_at(&proxy.endpoint, Duration::from_secs(30)).await;
    conduit_tools::table::TableDefinition::from_template(&conduit_tools::table::template_path())
        .unwrap()
        .create(app.store.table().client(), app.store.table().name())
        .await
        .unwrap();
    let username = format!("u{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let (token, _) = register(&app, &username).await;
    (proxy, app, username, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stale_bio_update_does_not_revert_a_password_change() {
    let marker = format!("bio-{}", uuid::Uuid::new_v4().simple());
    let (proxy, app, username, token) = app_behind_proxy(&marker).await;
    let app = Arc::new(app);

    // Session A edits the bio: it reads the user, then its write is held.
    let editor = {
        let (app, token, bio) = (Arc::clone(&app), token.clone(), marker.clone());
        tokio::spawn(async move { update(&app, &token, json!({ "bio": bio })).await })
    };
    tokio::time::timeout(Duration::from_secs(30), proxy.arrived())
        .await
        .expect("the bio update reaches its write");

    // Session B changes the password, and it commits.
    let changed = update(&app, &token, json!({ "password": "the new password" })).await;
    assert_status(&changed, 200);
    assert_status(
        &login(&app, &email_of(&username), "the new password").await,
        200,
    );

    // Now A's write lands.
    proxy.release();
    let edited = editor.await.expect("editor task panicked");
    assert_status(&edited, 200);
    assert_eq!(edited.body["user"]["bio"], json!(marker));

    assert_status(
        &login(&app, &email_of(&username), "the new password").await,
        200,
    );
    assert_reply(
        &login(&app, &email_of(&username), PASSWORD).await,
        401,
        errors(json!({ "credentials": ["invalid"] })),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stale_bio_update_does_not_clear_a_newer_image() {
    let marker = format!("bio-{}", uuid::Uuid::new_v4().simple());
    let (proxy, app, _, token) = app_behind_proxy(&marker).await;
    let app = Arc::new(app);

    let editor = {
        let (app, token, bio) = (Arc::clone(&app), token.clone(), marker.clone());
        tokio::spawn(async move { update(&app, &token, json!({ "bio": bio })).await })
    };
    tokio::time::timeout(Duration::from_secs(30), proxy.arrived())
        .await
        .expect("the bio update reaches its write");
    let image = "https://example.com/new.png";
    assert_status(&update(&app, &token, json!({ "image": image })).await, 200);
    proxy.release();
    assert_status(&editor.await.expect("editor task panicked"), 200);

    let me = current_user(&app, Some(&token)).await;
    assert_status(&me, 200);
    assert_eq!(
        (&me.body["user"]["bio"], &me.body["user"]["image"]),
        (&json!(marker), &json!(image)),
        "both updates landed"
    );
}

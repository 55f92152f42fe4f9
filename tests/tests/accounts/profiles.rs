//! `GET /api/profiles/{username}` and `POST`/`DELETE .../follow`.

use serde_json::{Value, json};

use crate::*;

fn not_found() -> Value {
    errors(json!({ "profile": ["not found"] }))
}

fn jake(following: bool) -> Value {
    json!({ "profile": {
        "username": "jake",
        "bio": null,
        "image": null,
        "following": following,
    }})
}

#[tokio::test]
async fn an_unknown_profile_is_not_found() {
    let app = app().await;
    assert_reply(&profile(&app, "nobody", None).await, 404, not_found());
    let (token, _) = register(&app, "jake").await;
    assert_reply(
        &profile(&app, "nobody", Some(&token)).await,
        404,
        not_found(),
    );
}

#[tokio::test]
async fn anonymous_viewers_see_following_false() {
    let app = app().await;
    register(&app, "jake").await;
    assert_reply(&profile(&app, "jake", None).await, 200, jake(false));
}

#[tokio::test]
async fn follow_then_unfollow() {
    let app = app().await;
    register(&app, "jake").await;
    let (fan, _) = register(&app, "fan").await;
    let (stranger, _) = register(&app, "stranger").await;

    assert_reply(&profile(&app, "jake", Some(&fan)).await, 200, jake(false));
    assert_reply(&follow(&app, "jake", Some(&fan)).await, 200, jake(true));
    assert_reply(&profile(&app, "jake", Some(&fan)).await, 200, jake(true));
    // Following is the viewer's view: others and anonymous viewers see false.
    assert_reply(&profile(&app, "jake", None).await, 200, jake(false));
    assert_reply(
        &profile(&app, "jake", Some(&stranger)).await,
        200,
        jake(false),
    );
    // And it is one-way.
    assert_eq!(
        profile(&app, "fan", Some(&fan)).await.body["profile"]["following"],
        false
    );

    // Following twice is the same as once.
    assert_reply(&follow(&app, "jake", Some(&fan)).await, 200, jake(true));
    assert_reply(&profile(&app, "jake", Some(&fan)).await, 200, jake(true));

    assert_reply(&unfollow(&app, "jake", Some(&fan)).await, 200, jake(false));
    assert_reply(&profile(&app, "jake", Some(&fan)).await, 200, jake(false));
    // Unfollowing again is fine too.
    assert_reply(&unfollow(&app, "jake", Some(&fan)).await, 200, jake(false));
}

#[tokio::test]
async fn follows_survive_a_rename_of_either_side() {
    let app = app().await;
    let (jake_token, _) = register(&app, "jake").await;
    let (fan, _) = register(&app, "fan").await;
    assert_status(&follow(&app, "jake", Some(&fan)).await, 200);
    assert_status(
        &update(&app, &jake_token, json!({ "username": "jacob" })).await,
        200,
    );
    assert_status(
        &update(&app, &fan, json!({ "username": "fanatic" })).await,
        200,
    );
    let reply = profile(&app, "jacob", Some(&fan)).await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["profile"]["following"], true);
}

#[tokio::test]
async fn following_an_unknown_user_is_not_found() {
    let app = app().await;
    let (token, _) = register(&app, "fan").await;
    assert_reply(
        &follow(&app, "nobody", Some(&token)).await,
        404,
        not_found(),
    );
    assert_reply(
        &unfollow(&app, "nobody", Some(&token)).await,
        404,
        not_found(),
    );
}

#[tokio::test]
async fn following_needs_a_token() {
    let app = app().await;
    register(&app, "jake").await;
    let missing = errors(json!({ "token": ["is missing"] }));
    assert_reply(&follow(&app, "jake", None).await, 401, missing.clone());
    assert_reply(&unfollow(&app, "jake", None).await, 401, missing);
    assert_reply(
        &follow(&app, "jake", Some("garbage")).await,
        401,
        errors(json!({ "token": ["is invalid"] })),
    );
}

#[tokio::test]
async fn you_cannot_follow_yourself() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    let reply = follow(&app, "jake", Some(&token)).await;
    assert!(
        (400..500).contains(&reply.status),
        "following yourself is a client error, got {} {}",
        reply.status,
        reply.body
    );
    assert!(
        reply.error("profile").is_some(),
        "the error names the profile: {}",
        reply.body
    );
    assert_eq!(reply.body["errors"].as_object().map(|e| e.len()), Some(1));
    assert_reply(&profile(&app, "jake", Some(&token)).await, 200, jake(false));
}

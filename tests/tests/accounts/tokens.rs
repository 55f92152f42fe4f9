//! Tokens, through `GET /api/user`.

use serde_json::json;

use crate::*;

fn token_invalid() -> serde_json::Value {
    errors(json!({ "token": ["is invalid"] }))
}

#[tokio::test]
async fn no_token_is_missing() {
    let app = app().await;
    assert_reply(
        &current_user(&app, None).await,
        401,
        errors(json!({ "token": ["is missing"] })),
    );
}

#[tokio::test]
async fn garbage_tokens_are_invalid() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    for header in [
        "Token garbage".to_owned(),
        "Token a.b.c".to_owned(),
        format!("Token {token}x"),
        format!("Token x{token}"),
        format!("Basic {token}"),
        token.clone(),
        "Token".to_owned(),
    ] {
        let reply = current_user_with_header(&app, &header).await;
        assert_eq!(
            (reply.status, &reply.body),
            (401, &token_invalid()),
            "Authorization: {header}"
        );
    }
}

#[tokio::test]
async fn token_and_bearer_schemes_both_work() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    for header in [
        format!("Token {token}"),
        format!("Bearer {token}"),
        format!("bearer {token}"),
    ] {
        let reply = current_user_with_header(&app, &header).await;
        assert_status(&reply, 200);
        assert_eq!(reply.body["user"]["username"], "jake", "{header}");
        assert_eq!(reply.body["user"]["email"], email_of("jake"));
        assert_eq!(reply.body["user"]["bio"], json!(null));
        assert_eq!(reply.body["user"]["image"], json!(null));
    }
}

#[tokio::test]
async fn a_token_signed_by_another_app_is_refused() {
    let app = app().await;
    let other = harness::app().await;
    register(&app, "jake").await;
    // Same user on the other deployment, different signing secret.
    let (foreign, _) = register(&other, "jake").await;
    assert_reply(
        &current_user(&app, Some(&foreign)).await,
        401,
        token_invalid(),
    );
    assert_reply(
        &profile(&app, "jake", Some(&foreign)).await,
        401,
        token_invalid(),
    );
}

#[tokio::test]
async fn the_current_user_comes_with_a_working_token() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    let me = current_user(&app, Some(&token)).await;
    assert_status(&me, 200);
    let fresh = token_of(&me);
    let again = current_user(&app, Some(&fresh)).await;
    assert_status(&again, 200);
    assert_eq!(again.body["user"]["username"], "jake");
    assert_eq!(again.body["user"]["email"], email_of("jake"));
}

#[tokio::test]
async fn a_sent_but_invalid_token_is_refused_even_where_auth_is_optional() {
    let app = app().await;
    register(&app, "jake").await;
    assert_reply(
        &profile(&app, "jake", Some("garbage")).await,
        401,
        token_invalid(),
    );
}

//! Inputs no rule of the API allows must still get a 4xx, never reach
//! DynamoDB as an invalid key (a 500). A partition key holds at most 2048 bytes.

use serde_json::json;

use crate::*;

/// Longer than any DynamoDB partition key.
fn huge(suffix: &str) -> String {
    format!("{}{suffix}", "a".repeat(3_000))
}

#[tokio::test]
async fn an_oversized_username_in_a_profile_path_is_not_found() {
    let app = app().await;
    let (token, _) = register(&app, "fan").await;
    let name = huge("");
    let not_found = errors(json!({ "profile": ["not found"] }));
    assert_reply(&profile(&app, &name, None).await, 404, not_found.clone());
    assert_reply(
        &follow(&app, &name, Some(&token)).await,
        404,
        not_found.clone(),
    );
    assert_reply(&unfollow(&app, &name, Some(&token)).await, 404, not_found);
}

#[tokio::test]
async fn an_oversized_email_at_login_is_refused_as_a_client_error() {
    let app = app().await;
    let reply = login(&app, &huge("@example.com"), PASSWORD).await;
    assert!(
        reply.body == errors(json!({ "credentials": ["invalid"] })) && reply.status == 401
            || reply.status == 422 && reply.error("email").is_some(),
        "expected 401 credentials invalid or 422 on email, got {} {}",
        reply.status,
        reply.body
    );
}

#[tokio::test]
async fn oversized_registrations_are_refused_before_the_database() {
    let app = app().await;
    let reply = register_as(&app, &huge(""), "a@example.com", PASSWORD).await;
    assert_reply(
        &reply,
        422,
        errors(json!({ "username": ["is too long (maximum is 40 characters)"] })),
    );
    let reply = register_as(&app, "jake", &huge("@example.com"), PASSWORD).await;
    assert_reply(
        &reply,
        422,
        errors(json!({ "email": ["is too long (maximum is 254 characters)"] })),
    );
}

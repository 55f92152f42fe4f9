//! `POST /api/users`.

use conduit_tests::harness::{call, send};
use serde_json::json;

use crate::*;

fn blank_all() -> serde_json::Value {
    errors(json!({
        "username": ["can't be blank"],
        "email": ["can't be blank"],
        "password": ["can't be blank"],
    }))
}

#[tokio::test]
async fn registers_a_user_with_a_token_and_no_bio_or_image() {
    let app = app().await;
    let reply = register_as(&app, "jake", "jake@jake.jake", "jakejake").await;
    assert_status(&reply, 201);
    let token = token_of(&reply);
    assert_eq!(
        reply.body,
        json!({ "user": {
            "username": "jake",
            "email": "jake@jake.jake",
            "token": token,
            "bio": null,
            "image": null,
        }})
    );
    // The token is a real session.
    let me = current_user(&app, Some(&token)).await;
    assert_status(&me, 200);
    assert_eq!(me.body["user"]["username"], "jake");
}

#[tokio::test]
async fn missing_or_empty_fields_cannot_be_blank() {
    let app = app().await;
    for body in [
        json!({ "user": {} }),
        json!({ "user": { "username": "", "email": "", "password": "" } }),
        json!({ "user": { "username": null, "email": null, "password": null } }),
        json!({ "user": { "username": "   ", "email": "  ", "password": "" } }),
        json!({}),
        json!({ "user": null }),
    ] {
        let reply = register_body(&app, body.clone()).await;
        assert_eq!(
            (reply.status, &reply.body),
            (422, &blank_all()),
            "body {body}"
        );
    }

    // One field at a time.
    let reply = register_body(
        &app,
        json!({ "user": { "email": "a@b.co", "password": "password1" } }),
    )
    .await;
    assert_reply(
        &reply,
        422,
        errors(json!({ "username": ["can't be blank"] })),
    );
    let reply = register_body(
        &app,
        json!({ "user": { "username": "a", "email": "", "password": "password1" } }),
    )
    .await;
    assert_reply(&reply, 422, errors(json!({ "email": ["can't be blank"] })));
    let reply = register_body(
        &app,
        json!({ "user": { "username": "a", "email": "a@b.co" } }),
    )
    .await;
    assert_reply(
        &reply,
        422,
        errors(json!({ "password": ["can't be blank"] })),
    );
}

#[tokio::test]
async fn an_empty_or_absent_body_is_every_field_blank() {
    let app = app().await;
    let empty = send(&app, call("POST", "/api/users").body("")).await;
    assert_reply(&empty, 422, blank_all());
    let absent = send(&app, call("POST", "/api/users")).await;
    assert_reply(&absent, 422, blank_all());
}

#[tokio::test]
async fn passwords_are_8_to_64_characters() {
    let app = app().await;
    let short = register_as(&app, "seven", "seven@example.com", "1234567").await;
    assert_reply(
        &short,
        422,
        errors(json!({ "password": ["is too short (minimum is 8 characters)"] })),
    );
    let long = "x".repeat(65);
    let reply = register_as(&app, "sixtyfive", "sixtyfive@example.com", &long).await;
    assert_reply(
        &reply,
        422,
        errors(json!({ "password": ["is too long (maximum is 64 characters)"] })),
    );

    let eight = register_as(&app, "eight", "eight@example.com", "12345678").await;
    assert_status(&eight, 201);
    let max = "y".repeat(64);
    let sixty_four = register_as(&app, "sixtyfour", "sixtyfour@example.com", &max).await;
    assert_status(&sixty_four, 201);
    // Both can log in with exactly what they registered with.
    assert_status(&login(&app, "eight@example.com", "12345678").await, 200);
    assert_status(&login(&app, "sixtyfour@example.com", &max).await, 200);
    // The refused registrations left nothing behind.
    assert_reply(
        &profile(&app, "seven", None).await,
        404,
        errors(json!({ "profile": ["not found"] })),
    );
    assert_status(
        &register_as(&app, "seven", "seven@example.com", "12345678").await,
        201,
    );
}

#[tokio::test]
async fn invalid_emails_are_refused() {
    let app = app().await;
    for email in [
        "jake",
        "jake@",
        "@example.com",
        "jake@example",
        "ja ke@example.com",
    ] {
        let reply = register_as(&app, "jake", email, PASSWORD).await;
        assert_eq!(
            (reply.status, &reply.body),
            (422, &errors(json!({ "email": ["is invalid"] }))),
            "email {email:?}"
        );
    }
}

#[tokio::test]
async fn broken_json_is_a_bad_request() {
    let app = app().await;
    for raw in ["{not json", r#"{"user": {"username": "jake""#, "user=jake"] {
        let reply = send(&app, call("POST", "/api/users").body(raw)).await;
        assert_eq!(
            (reply.status, &reply.body),
            (400, &errors(json!({ "body": ["is not valid JSON"] }))),
            "body {raw:?}"
        );
    }
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_bad_request() {
    // `cargo lambda watch` cannot carry such a body (it answers a 500 of its
    // own); delivered base64-encoded, the event's way of carrying a body
    // that is not text, the function refuses it.
    let app = app().await;
    for (route, raw) in [
        ("/api/users", &b"\xff\xfe{"[..]),
        (
            "/api/users/login",
            &b"{\"user\": {\"email\": \"\xc3\x28\"}}"[..],
        ),
    ] {
        let reply = send(&app, call("POST", route).bytes(raw)).await;
        assert_reply(
            &reply,
            400,
            errors(json!({ "body": ["is not valid JSON"] })),
        );
    }
}

#[tokio::test]
async fn a_taken_username_is_a_conflict() {
    let app = app().await;
    register(&app, "jake").await;
    let reply = register_as(&app, "jake", "other@example.com", PASSWORD).await;
    assert_reply(
        &reply,
        409,
        errors(json!({ "username": ["has already been taken"] })),
    );
    // The email of the refused registration was not claimed.
    assert_status(
        &register_as(&app, "other", "other@example.com", PASSWORD).await,
        201,
    );
}

#[tokio::test]
async fn usernames_are_unique_regardless_of_case() {
    let app = app().await;
    register(&app, "jake").await;
    for name in ["Jake", "JAKE", "jAkE"] {
        let reply = register_as(&app, name, &format!("{name}-x@example.com"), PASSWORD).await;
        assert_eq!(
            (reply.status, &reply.body),
            (
                409,
                &errors(json!({ "username": ["has already been taken"] }))
            ),
            "username {name:?}"
        );
    }
}

#[tokio::test]
async fn emails_are_unique_regardless_of_case() {
    let app = app().await;
    register_as(&app, "jake", "Jake@Example.com", PASSWORD).await;
    let reply = register_as(&app, "other", "jake@example.COM", PASSWORD).await;
    assert_reply(
        &reply,
        409,
        errors(json!({ "email": ["has already been taken"] })),
    );
    // The username of the refused registration was not claimed.
    assert_reply(
        &profile(&app, "other", None).await,
        404,
        errors(json!({ "profile": ["not found"] })),
    );
}

#[tokio::test]
async fn both_taken_reports_both() {
    let app = app().await;
    register(&app, "jake").await;
    let reply = register_as(&app, "JAKE", "JAKE@example.com", PASSWORD).await;
    assert_reply(
        &reply,
        409,
        errors(json!({
            "username": ["has already been taken"],
            "email": ["has already been taken"],
        })),
    );
}

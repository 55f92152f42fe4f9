//! `PUT /api/user`.

use serde_json::{Value, json};

use crate::*;

fn taken(field: &str) -> Value {
    errors(json!({ field: ["has already been taken"] }))
}

/// The `user` of `GET /api/user`, without its (freshly issued) token.
async fn me(app: &shared::App, token: &str) -> Value {
    let reply = current_user(app, Some(token)).await;
    assert_status(&reply, 200);
    let mut user = reply.body["user"].clone();
    user.as_object_mut().unwrap().remove("token");
    user
}

#[tokio::test]
async fn needs_a_token() {
    let app = app().await;
    let c =
        conduit_tests::harness::call("PUT", "/api/user").json(json!({ "user": { "bio": "x" } }));
    let reply = conduit_tests::harness::send(&app, c).await;
    assert_reply(&reply, 401, errors(json!({ "token": ["is missing"] })));
}

#[tokio::test]
async fn bio_is_set_and_cleared_by_empty_or_null() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;

    let reply = update(&app, &token, json!({ "bio": "I work at statefarm" })).await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["bio"], "I work at statefarm");
    assert_eq!(reply.body["user"]["username"], "jake");
    token_of(&reply);
    assert_eq!(me(&app, &token).await["bio"], "I work at statefarm");
    // What is not sent stays as it is.
    let reply = update(
        &app,
        &token,
        json!({ "image": "https://example.com/a.png" }),
    )
    .await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["bio"], "I work at statefarm");

    let reply = update(&app, &token, json!({ "bio": "" })).await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["bio"], json!(null));
    assert_eq!(me(&app, &token).await["bio"], json!(null));

    update(&app, &token, json!({ "bio": "again" })).await;
    assert_eq!(me(&app, &token).await["bio"], "again");
    let reply = update(&app, &token, json!({ "bio": null })).await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["bio"], json!(null));
    assert_eq!(me(&app, &token).await["bio"], json!(null));
    // The profile agrees.
    assert_eq!(
        profile(&app, "jake", None).await.body,
        json!({ "profile": {
            "username": "jake",
            "bio": null,
            "image": "https://example.com/a.png",
            "following": false,
        }})
    );
}

#[tokio::test]
async fn image_is_set_cleared_and_must_be_http() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    let url = "https://example.com/jake.jpg";

    let reply = update(&app, &token, json!({ "image": url })).await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["image"], url);
    assert_eq!(me(&app, &token).await["image"], url);

    let reply = update(&app, &token, json!({ "image": "" })).await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["image"], json!(null));
    assert_eq!(me(&app, &token).await["image"], json!(null));

    update(&app, &token, json!({ "image": url })).await;
    let reply = update(&app, &token, json!({ "image": null })).await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["image"], json!(null));
    assert_eq!(me(&app, &token).await["image"], json!(null));

    update(&app, &token, json!({ "image": url })).await;
    for bad in [
        "ftp://example.com/a.png",
        "javascript:alert(1)",
        "example.com/a.png",
        "/a.png",
    ] {
        let reply = update(&app, &token, json!({ "image": bad })).await;
        assert_eq!(
            (reply.status, &reply.body),
            (422, &errors(json!({ "image": ["must be an http(s) URL"] }))),
            "image {bad:?}"
        );
    }
    assert_eq!(
        me(&app, &token).await["image"],
        url,
        "refused images change nothing"
    );
}

#[tokio::test]
async fn username_and_email_cannot_be_blank_or_null() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    let before = me(&app, &token).await;
    for (field, value) in [
        ("username", json!("")),
        ("username", json!(null)),
        ("username", json!("  ")),
        ("email", json!("")),
        ("email", json!(null)),
        ("email", json!("  ")),
    ] {
        let reply = update(&app, &token, json!({ field: value, "bio": "changed" })).await;
        assert_eq!(
            (reply.status, &reply.body),
            (422, &errors(json!({ field: ["can't be blank"] }))),
            "{field}: {value}"
        );
    }
    let reply = update(&app, &token, json!({ "email": "not-an-email" })).await;
    assert_reply(&reply, 422, errors(json!({ "email": ["is invalid"] })));
    let reply = update(&app, &token, json!({ "username": "has space" })).await;
    assert_reply(
        &reply,
        422,
        errors(json!({ "username": ["may only contain letters, digits, '_', '-' and '.'"] })),
    );
    assert_eq!(
        me(&app, &token).await,
        before,
        "refused updates change nothing"
    );
}

#[tokio::test]
async fn password_cannot_be_null_blank_or_short() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    for value in [json!(null), json!("")] {
        let reply = update(&app, &token, json!({ "password": value })).await;
        assert_eq!(
            (reply.status, &reply.body),
            (422, &errors(json!({ "password": ["can't be blank"] }))),
            "password {value}"
        );
    }
    let reply = update(&app, &token, json!({ "password": "1234567" })).await;
    assert_reply(
        &reply,
        422,
        errors(json!({ "password": ["is too short (minimum is 8 characters)"] })),
    );
    let reply = update(&app, &token, json!({ "password": "z".repeat(65) })).await;
    assert_reply(
        &reply,
        422,
        errors(json!({ "password": ["is too long (maximum is 64 characters)"] })),
    );
    // The old password still works.
    assert_status(&login(&app, &email_of("jake"), PASSWORD).await, 200);
}

#[tokio::test]
async fn a_new_password_replaces_the_old_one() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    let reply = update(&app, &token, json!({ "password": "a brand new secret" })).await;
    assert_status(&reply, 200);
    assert!(reply.body["user"].get("password").is_none());
    assert!(reply.body["user"].get("password_hash").is_none());

    assert_status(
        &login(&app, &email_of("jake"), "a brand new secret").await,
        200,
    );
    assert_reply(
        &login(&app, &email_of("jake"), PASSWORD).await,
        401,
        errors(json!({ "credentials": ["invalid"] })),
    );
}

#[tokio::test]
async fn a_new_username_frees_the_old_one_and_takes_the_new_one() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    let reply = update(&app, &token, json!({ "username": "jacob" })).await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["username"], "jacob");
    assert_eq!(me(&app, &token).await["username"], "jacob");

    // The token carries the user's id, not the name: it still works.
    assert_status(&current_user(&app, Some(&token)).await, 200);
    assert_eq!(
        me(&app, &token_of(&reply)).await["username"],
        "jacob",
        "the token of the reply works too"
    );

    // Profiles follow the name.
    assert_reply(
        &profile(&app, "jake", None).await,
        404,
        errors(json!({ "profile": ["not found"] })),
    );
    assert_eq!(
        profile(&app, "jacob", None).await.body["profile"]["username"],
        "jacob"
    );

    // Someone else may now take the old name, and nobody the new one.
    // (jacob keeps jake@example.com, so the newcomer uses another address.)
    let newcomer = register_as(&app, "jake", "newcomer@example.com", PASSWORD).await;
    assert_status(&newcomer, 201);
    assert_eq!(me(&app, &token_of(&newcomer)).await["username"], "jake");
    assert_eq!(me(&app, &token).await["username"], "jacob");
    assert_reply(
        &register_as(&app, "jacob", "someone@example.com", PASSWORD).await,
        409,
        taken("username"),
    );
    assert_reply(
        &register_as(&app, "JACOB", "someone@example.com", PASSWORD).await,
        409,
        taken("username"),
    );
}

#[tokio::test]
async fn a_new_email_frees_the_old_one_and_takes_the_new_one() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    let reply = update(&app, &token, json!({ "email": "jacob@example.com" })).await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["email"], "jacob@example.com");
    assert_eq!(me(&app, &token).await["email"], "jacob@example.com");

    // Logging in follows the address.
    assert_status(&login(&app, "jacob@example.com", PASSWORD).await, 200);
    assert_reply(
        &login(&app, &email_of("jake"), PASSWORD).await,
        401,
        errors(json!({ "credentials": ["invalid"] })),
    );

    assert_status(
        &register_as(&app, "other", &email_of("jake"), PASSWORD).await,
        201,
    );
    assert_reply(
        &register_as(&app, "third", "Jacob@Example.com", PASSWORD).await,
        409,
        taken("email"),
    );
}

#[tokio::test]
async fn changing_only_the_case_of_your_own_names_is_allowed() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    let reply = update(
        &app,
        &token,
        json!({ "username": "Jake", "email": "JAKE@example.com" }),
    )
    .await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["username"], "Jake");
    assert_eq!(reply.body["user"]["email"], "JAKE@example.com");
    // Sending the current values unchanged is fine too.
    let reply = update(
        &app,
        &token,
        json!({ "username": "Jake", "email": "JAKE@example.com" }),
    )
    .await;
    assert_status(&reply, 200);
    // The claims still hold, whatever the case.
    assert_reply(
        &register_as(&app, "jake", "new@example.com", PASSWORD).await,
        409,
        taken("username"),
    );
    assert_reply(
        &register_as(&app, "new", "jake@example.com", PASSWORD).await,
        409,
        taken("email"),
    );
    assert_status(&login(&app, "jake@example.com", PASSWORD).await, 200);
}

#[tokio::test]
async fn taking_someone_elses_name_is_a_conflict_and_changes_nothing() {
    let app = app().await;
    let (token, _) = register(&app, "jake").await;
    register(&app, "celeb").await;
    update(&app, &token, json!({ "bio": "original" })).await;
    let before = me(&app, &token).await;

    let reply = update(
        &app,
        &token,
        json!({ "username": "Celeb", "bio": "hijacked", "password": "new password!" }),
    )
    .await;
    assert_reply(&reply, 409, taken("username"));
    assert_eq!(me(&app, &token).await, before);
    assert_eq!(before["username"], "jake");
    assert_eq!(before["bio"], "original");
    assert_status(&login(&app, &email_of("jake"), PASSWORD).await, 200);
    // jake still holds "jake" and celeb still holds "celeb".
    assert_eq!(
        profile(&app, "jake", None).await.body["profile"]["bio"],
        "original"
    );
    assert_eq!(
        profile(&app, "celeb", None).await.body["profile"]["username"],
        "celeb"
    );

    let reply = update(
        &app,
        &token,
        json!({ "email": email_of("celeb").to_uppercase(), "bio": "hijacked" }),
    )
    .await;
    assert_reply(&reply, 409, taken("email"));
    assert_eq!(me(&app, &token).await, before);

    // A username change that conflicts takes nothing either: the email it was
    // sent with is still free.
    let reply = update(
        &app,
        &token,
        json!({ "username": "celeb", "email": "fresh@example.com" }),
    )
    .await;
    assert_reply(&reply, 409, taken("username"));
    assert_eq!(me(&app, &token).await, before);
    assert_status(
        &register_as(&app, "fresh", "fresh@example.com", PASSWORD).await,
        201,
    );
}

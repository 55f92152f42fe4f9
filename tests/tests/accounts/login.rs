//! `POST /api/users/login`.

use serde_json::json;

use crate::*;

fn invalid_credentials() -> serde_json::Value {
    errors(json!({ "credentials": ["invalid"] }))
}

#[tokio::test]
async fn logs_in_with_a_working_token() {
    let app = app().await;
    register(&app, "jake").await;
    let reply = login(&app, &email_of("jake"), PASSWORD).await;
    assert_status(&reply, 200);
    let token = token_of(&reply);
    assert_eq!(
        reply.body,
        json!({ "user": {
            "username": "jake",
            "email": email_of("jake"),
            "token": token,
            "bio": null,
            "image": null,
        }})
    );
    let me = current_user(&app, Some(&token)).await;
    assert_status(&me, 200);
    assert_eq!(me.body["user"]["username"], "jake");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = app().await;
    register(&app, "jake").await;
    let wrong_password = login(&app, &email_of("jake"), "not the password").await;
    assert_reply(&wrong_password, 401, invalid_credentials());
    let unknown_email = login(&app, "nobody@example.com", PASSWORD).await;
    assert_reply(&unknown_email, 401, invalid_credentials());
    assert_eq!(wrong_password.body, unknown_email.body);
    assert_eq!(
        wrong_password.headers.get("content-type"),
        unknown_email.headers.get("content-type")
    );
    // A password that differs only in case is a different password.
    let shouted = login(&app, &email_of("jake"), &PASSWORD.to_uppercase()).await;
    assert_reply(&shouted, 401, invalid_credentials());
}

#[tokio::test]
async fn email_case_does_not_matter() {
    let app = app().await;
    register_as(&app, "jake", "Jake@Example.com", PASSWORD).await;
    for email in ["jake@example.com", "JAKE@EXAMPLE.COM", " jake@example.com "] {
        let reply = login(&app, email, PASSWORD).await;
        assert_status(&reply, 200);
        // The address is shown as registered.
        assert_eq!(reply.body["user"]["email"], "Jake@Example.com", "{email:?}");
        assert_eq!(reply.body["user"]["username"], "jake");
    }
}

#[tokio::test]
async fn blank_fields_are_refused() {
    let app = app().await;
    let both = errors(json!({
        "email": ["can't be blank"],
        "password": ["can't be blank"],
    }));
    assert_reply(
        &login_body(&app, json!({ "user": { "email": "", "password": "" } })).await,
        422,
        both.clone(),
    );
    assert_reply(
        &login_body(&app, json!({ "user": {} })).await,
        422,
        both.clone(),
    );
    assert_reply(&login_body(&app, json!({})).await, 422, both);
    assert_reply(
        &login_body(
            &app,
            json!({ "user": { "email": "  ", "password": PASSWORD } }),
        )
        .await,
        422,
        errors(json!({ "email": ["can't be blank"] })),
    );
    assert_reply(
        &login_body(
            &app,
            json!({ "user": { "email": "a@b.co", "password": null } }),
        )
        .await,
        422,
        errors(json!({ "password": ["can't be blank"] })),
    );
}

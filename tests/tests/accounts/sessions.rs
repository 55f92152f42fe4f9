//! Sessions and sign-in against a stolen token and a patient guesser:
//! tokens that can be taken back, credential changes that need a recent
//! sign-in, limits that count before they hash, a registration that tells
//! nothing of a password, and login reading input as registration stored it.

use std::{sync::Arc, time::Duration};

use conduit_tests::harness::{self, call, send};
use serde_json::json;
use shared::ground::config::Rule;

use crate::*;

/// `n` apps on one table whose configuration `adjust` changes.
async fn apps_with(n: usize, adjust: impl Fn(&mut shared::ground::config::Config)) -> Vec<TestApp> {
    harness::apps_configured(n, adjust).await
}

fn session_ended() -> serde_json::Value {
    errors(json!({"session": ["has ended, sign in again"]}))
}

#[tokio::test]
async fn a_password_change_ends_every_other_session_and_keeps_the_callers() {
    let app = app().await;
    let (first, _) = register(&app, "jake").await;
    let second = token_of(&login(&app, &email_of("jake"), PASSWORD).await);
    let third = token_of(&login(&app, &email_of("jake"), PASSWORD).await);
    assert_status(&current_user(&app, Some(&second)).await, 200);

    let changed = update(&app, &first, json!({"password": "a new password"})).await;
    assert_status(&changed, 200);
    // The caller goes on, with the token it had and the one it got back.
    assert_status(&current_user(&app, Some(&first)).await, 200);
    assert_status(&current_user(&app, Some(&token_of(&changed))).await, 200);
    // Every other session is over, on every route that reads a token.
    for other in [&second, &third] {
        assert_reply(&current_user(&app, Some(other)).await, 401, session_ended());
        assert_reply(
            &profile(&app, "jake", Some(other)).await,
            401,
            session_ended(),
        );
    }
    // The official suite changes the password twice with one token.
    let again = update(&app, &first, json!({"password": "a newer password"})).await;
    assert_status(&again, 200);
    // A new sign-in with the new password is a new session, and on.
    let fourth = token_of(&login(&app, &email_of("jake"), "a newer password").await);
    assert_status(&current_user(&app, Some(&fourth)).await, 200);
    // So is an email change: it ends the others, this one included.
    let moved = update(&app, &fourth, json!({"email": "jake@elsewhere.example"})).await;
    assert_status(&moved, 200);
    assert_reply(
        &current_user(&app, Some(&first)).await,
        401,
        session_ended(),
    );
    assert_status(&current_user(&app, Some(&fourth)).await, 200);
    // A bio is no credential: nothing ends.
    let fifth = token_of(&login(&app, "jake@elsewhere.example", "a newer password").await);
    assert_status(&update(&app, &fourth, json!({"bio": "hello"})).await, 200);
    assert_status(&current_user(&app, Some(&fifth)).await, 200);
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_the_callers_too() {
    let app = app().await;
    let (first, _) = register(&app, "jake").await;
    let second = token_of(&login(&app, &email_of("jake"), PASSWORD).await);
    let (other, _) = register(&app, "ann").await;
    let out = send(&app, call("DELETE", "/api/user/sessions").token(&second)).await;
    assert_reply(&out, 204, serde_json::Value::Null);
    for token in [&first, &second] {
        assert_reply(&current_user(&app, Some(token)).await, 401, session_ended());
    }
    let again = send(&app, call("DELETE", "/api/user/sessions").token(&second)).await;
    assert_reply(&again, 401, session_ended());
    // Another user's sessions are theirs.
    assert_status(&current_user(&app, Some(&other)).await, 200);
    // Signing in again starts a session that is on.
    let back = token_of(&login(&app, &email_of("jake"), PASSWORD).await);
    assert_status(&current_user(&app, Some(&back)).await, 200);
    let anonymous = send(&app, call("DELETE", "/api/user/sessions")).await;
    assert_reply(&anonymous, 401, errors(json!({"token": ["is missing"]})));
}

#[tokio::test]
async fn a_renewed_token_never_outlives_its_session() {
    let app = apps_with(1, |c| c.session_max_age = Duration::from_secs(3))
        .await
        .remove(0);
    let (token, _) = register(&app, "jake").await;
    // Renewing keeps the sign-in time: a chain of renewals ends with the session.
    let mut latest = token;
    for _ in 0..3 {
        let renewed = current_user(&app, Some(&latest)).await;
        assert_status(&renewed, 200);
        latest = token_of(&renewed);
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    let over = current_user(&app, Some(&latest)).await;
    assert_eq!(over.status, 401, "{}", over.body);
    assert!(over.body["errors"].is_object(), "{}", over.body);
    let fresh = token_of(&login(&app, &email_of("jake"), PASSWORD).await);
    assert_status(&current_user(&app, Some(&fresh)).await, 200);
}

#[tokio::test]
async fn a_credential_change_long_after_signing_in_needs_the_current_password() {
    let app = apps_with(1, |c| c.recent_sign_in = Duration::from_secs(1))
        .await
        .remove(0);
    let (token, _) = register(&app, "jake").await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let bare = update(&app, &token, json!({"password": "a new password"})).await;
    assert_eq!(bare.status, 403, "{}", bare.body);
    assert!(
        bare.error("currentPassword")
            .is_some_and(|m| m.contains("sign in again")),
        "{}",
        bare.body
    );
    let email = update(&app, &token, json!({"email": "jake@elsewhere.example"})).await;
    assert_eq!(email.status, 403, "{}", email.body);
    let wrong = update(
        &app,
        &token,
        json!({"password": "a new password", "currentPassword": "not the password"}),
    )
    .await;
    assert_reply(
        &wrong,
        403,
        errors(json!({"currentPassword": ["is wrong"]})),
    );
    // What is no credential changes without it.
    assert_status(&update(&app, &token, json!({"bio": "hi"})).await, 200);
    let right = update(
        &app,
        &token,
        json!({"password": "a new password", "currentPassword": PASSWORD}),
    )
    .await;
    assert_status(&right, 200);
    assert_status(&login(&app, &email_of("jake"), "a new password").await, 200);
    // A fresh sign-in changes it without the password.
    let fresh = token_of(&login(&app, &email_of("jake"), "a new password").await);
    assert_status(
        &update(&app, &fresh, json!({"password": "another password"})).await,
        200,
    );
}

#[tokio::test]
async fn current_password_guesses_count_against_the_accounts_login_limit() {
    let app = apps_with(1, |c| {
        c.recent_sign_in = Duration::from_secs(1);
        c.rate_limits.login_per_email = Rule::parse("login-email", "2/900").unwrap();
    })
    .await
    .remove(0);
    let (token, _) = register(&app, "jake").await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    for _ in 0..2 {
        let guess = update(
            &app,
            &token,
            json!({"password": "a new password", "currentPassword": "a guess"}),
        )
        .await;
        assert_eq!(guess.status, 403, "{}", guess.body);
    }
    let right = update(
        &app,
        &token,
        json!({"password": "a new password", "currentPassword": PASSWORD}),
    )
    .await;
    harness::assert_rate_limited(&right);
    harness::assert_rate_limited(&login(&app, &email_of("jake"), PASSWORD).await);
}

/// Guesses for one account sent at once to several instances: the limit
/// counts each before it is hashed, so no more than the limit are hashed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_guesses_hash_at_most_the_limit_whatever_the_instances() {
    const LIMIT: u64 = 3;
    let apps: Vec<Arc<TestApp>> = apps_with(4, |c| {
        c.rate_limits.login_per_email = Rule::parse("login-email", "3/900").unwrap();
        c.rate_limits.login_per_ip = None;
    })
    .await
    .into_iter()
    .map(Arc::new)
    .collect();
    register(&apps[0], "jake").await;
    let hashes = |apps: &[Arc<TestApp>]| apps.iter().map(|a| a.passwords.hashes()).sum::<u64>();
    let before = hashes(&apps);
    let guesses = (0..24).map(|i| {
        let app = Arc::clone(&apps[i % apps.len()]);
        tokio::spawn(async move {
            login(&app, &email_of("jake"), &format!("guess number {i}"))
                .await
                .status
        })
    });
    let statuses: Vec<u16> = futures::future::join_all(guesses)
        .await
        .into_iter()
        .map(|s| s.expect("a guess"))
        .collect();
    let hashed = hashes(&apps) - before;
    assert!(
        hashed <= LIMIT,
        "{hashed} guesses were hashed: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count() as u64,
        hashed,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [401, 429].contains(s)),
        "{statuses:?}"
    );
    // The right password now is refused too, unhashed: the window is full.
    let right = login(&apps[1], &email_of("jake"), PASSWORD).await;
    harness::assert_rate_limited(&right);
    assert_eq!(hashes(&apps) - before, hashed);
}

#[tokio::test]
async fn a_successful_login_gives_its_count_back() {
    let app = apps_with(1, |c| {
        c.rate_limits.login_per_email = Rule::parse("login-email", "2/900").unwrap();
    })
    .await
    .remove(0);
    register(&app, "jake").await;
    for _ in 0..5 {
        assert_status(&login(&app, &email_of("jake"), PASSWORD).await, 200);
    }
    assert_status(&login(&app, &email_of("jake"), "wrong one").await, 401);
    assert_status(&login(&app, &email_of("jake"), PASSWORD).await, 200);
    assert_status(&login(&app, &email_of("jake"), "wrong two").await, 401);
    harness::assert_rate_limited(&login(&app, &email_of("jake"), PASSWORD).await);
}

#[tokio::test]
async fn registration_tells_nothing_of_a_password() {
    let app = app().await;
    register(&app, "jake").await;
    let taken =
        json!({"username": ["has already been taken"], "email": ["has already been taken"]});
    for password in [PASSWORD, "another password"] {
        let again = register_as(&app, "jake", &email_of("jake"), password).await;
        assert_reply(&again, 409, errors(taken.clone()));
    }
    assert_eq!(app.passwords.hashes(), 3, "one hash each, none to compare");
}

#[tokio::test]
async fn login_reads_the_email_and_password_as_registration_stored_them() {
    let app = app().await;
    // Registered composed (NFC), signed in decomposed (NFD), and back.
    let composed = "jos\u{e9}@example.com";
    let decomposed = "jose\u{301}@example.com";
    assert_status(&register_as(&app, "jose", composed, PASSWORD).await, 201);
    assert_status(&login(&app, decomposed, PASSWORD).await, 200);
    assert_status(&login(&app, &format!("  {composed} "), PASSWORD).await, 200);
    assert_status(
        &register_as(&app, "rene", "rene\u{301}@example.com", PASSWORD).await,
        201,
    );
    assert_status(&login(&app, "ren\u{e9}@example.com", PASSWORD).await, 200);
    // A password of spaces is a password: registration took it, login too.
    let spaces = "        ";
    assert_status(
        &register_as(&app, "blank", "blank@example.com", spaces).await,
        201,
    );
    assert_status(&login(&app, "blank@example.com", spaces).await, 200);
    assert_status(&login(&app, "blank@example.com", "         ").await, 401);
    let empty = login(&app, "blank@example.com", "").await;
    assert_reply(&empty, 422, errors(json!({"password": ["can't be blank"]})));
}

#[tokio::test]
async fn follows_favorites_and_account_changes_are_limited_per_user() {
    let app = apps_with(1, |c| {
        c.rate_limits.follows_per_user = Rule::parse("follow-user", "3/900").unwrap();
        c.rate_limits.favorites_per_user = Rule::parse("favorite-user", "2/900").unwrap();
        c.rate_limits.profile_updates_per_user = Rule::parse("profile-user", "2/900").unwrap();
    })
    .await
    .remove(0);
    let (jake, _) = register(&app, "jake").await;
    let (ann, _) = register(&app, "ann").await;
    register(&app, "celeste").await;
    // Follow, unfollow, follow: one count for toggling either way.
    assert_status(&follow(&app, "ann", Some(&jake)).await, 200);
    assert_status(&unfollow(&app, "ann", Some(&jake)).await, 200);
    assert_status(&follow(&app, "ann", Some(&jake)).await, 200);
    harness::assert_rate_limited(&unfollow(&app, "ann", Some(&jake)).await);
    harness::assert_rate_limited(&follow(&app, "celeste", Some(&jake)).await);
    // Someone else's count is their own.
    assert_status(&follow(&app, "jake", Some(&ann)).await, 200);

    let article = call("POST", "/api/articles")
        .token(&ann)
        .json(json!({"article": {"title": "Liked", "description": "d", "body": "b"}}));
    let slug = send(&app, article).await.body["article"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let favorite = |method: &str, token: &str| {
        call(method, "/api/articles/{slug}/favorite")
            .param("slug", &slug)
            .token(token)
    };
    assert_status(&send(&app, favorite("POST", &jake)).await, 200);
    assert_status(&send(&app, favorite("DELETE", &jake)).await, 200);
    harness::assert_rate_limited(&send(&app, favorite("POST", &jake)).await);

    assert_status(&update(&app, &jake, json!({"bio": "one"})).await, 200);
    assert_status(&update(&app, &jake, json!({"bio": "two"})).await, 200);
    harness::assert_rate_limited(&update(&app, &jake, json!({"bio": "three"})).await);
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn a_user_follows_at_most_the_cap() {
    let app = apps_with(1, |c| c.follows_max = 2).await.remove(0);
    let (jake, _) = register(&app, "jake").await;
    for name in ["a1", "a2", "a3"] {
        register(&app, name).await;
    }
    assert_status(&follow(&app, "a1", Some(&jake)).await, 200);
    assert_status(&follow(&app, "a2", Some(&jake)).await, 200);
    let third = follow(&app, "a3", Some(&jake)).await;
    assert_reply(
        &third,
        422,
        errors(json!({"profile": ["can't follow more than 2 users"]})),
    );
    // Following again someone already followed changes nothing, and is fine.
    assert_status(&follow(&app, "a2", Some(&jake)).await, 200);
    assert_status(&unfollow(&app, "a1", Some(&jake)).await, 200);
    assert_status(&follow(&app, "a3", Some(&jake)).await, 200);
    audit::assert_consistent(&app).await;
}

//! Login and registration limits: per source IP, and for failed logins per
//! email whatever the address, so guesses at one account can't be spread
//! over many addresses, while its owner's logins never count. Past a limit the answer is a 429 in the RealWorld error
//! shape with `Retry-After`, before any password is hashed.

use std::sync::Arc;

use conduit_tests::harness::{self, assert_rate_limited, call, send};
use serde_json::json;
use shared::{App, ground::config::Rule};

use crate::*;

/// A rule for a test. Windows are fixed and aligned to the clock, and a
/// count starts anew in each: the tests' windows are an hour, so a test of
/// a few seconds almost never straddles two.
fn rule(name: &'static str, text: &str) -> Option<Rule> {
    Rule::parse(name, text).expect("a valid rule")
}

async fn login_from(app: &App, ip: &str, email: &str, password: &str) -> Reply {
    let c = call("POST", "/api/users/login")
        .from_ip(ip)
        .json(json!({ "user": { "email": email, "password": password } }));
    send(app, c).await
}

async fn register_from(app: &App, ip: &str, username: &str) -> Reply {
    let c = call("POST", "/api/users")
        .from_ip(ip)
        .json(json!({ "user": {
            "username": username,
            "email": email_of(username),
            "password": PASSWORD,
        }}));
    send(app, c).await
}

#[tokio::test]
async fn login_attempts_for_one_email_are_limited_whatever_the_address() {
    let app = harness::apps_configured(1, |c| {
        c.rate_limits.login_per_email = rule("login-email", "3/3600");
        c.rate_limits.login_per_ip = rule("login-ip", "100/60");
    })
    .await
    .remove(0);
    register(&app, "jake").await;
    register(&app, "ann").await;
    // The owner's own logins are not counted against the account.
    for _ in 0..5 {
        let r = login_from(&app, "192.0.2.50", &email_of("jake"), PASSWORD).await;
        assert_status(&r, 200);
    }
    // Three guesses, each from another address.
    for i in 0..3 {
        let r = login_from(
            &app,
            &format!("198.51.100.{i}"),
            &email_of("jake"),
            "wrong-guess",
        )
        .await;
        assert_reply(&r, 401, errors(json!({ "credentials": ["invalid"] })));
    }
    // The fourth is refused before any hashing, even with the right password,
    // and whatever the case of the email.
    assert_rate_limited(&login_from(&app, "203.0.113.9", &email_of("jake"), PASSWORD).await);
    assert_rate_limited(&login_from(&app, "203.0.113.9", &email_of("JAKE"), PASSWORD).await);
    // Other accounts are not affected.
    assert_status(
        &login_from(&app, "198.51.100.0", &email_of("ann"), PASSWORD).await,
        200,
    );
}

#[tokio::test]
async fn login_attempts_from_one_address_are_limited_whatever_the_email() {
    let app = harness::apps_configured(1, |c| {
        c.rate_limits.login_per_ip = rule("login-ip", "2/3600");
    })
    .await
    .remove(0);
    register(&app, "jake").await;
    for name in ["a", "b"] {
        let r = login_from(&app, "192.0.2.7", &email_of(name), "whatever1").await;
        assert_status(&r, 401);
    }
    assert_rate_limited(&login_from(&app, "192.0.2.7", &email_of("jake"), PASSWORD).await);
    assert_status(
        &login_from(&app, "192.0.2.8", &email_of("jake"), PASSWORD).await,
        200,
    );
}

#[tokio::test]
async fn registrations_from_one_address_are_limited() {
    let app = harness::apps_configured(1, |c| {
        c.rate_limits.register_per_ip = rule("register-ip", "2/3600");
    })
    .await
    .remove(0);
    for name in ["one", "two"] {
        assert_status(&register_from(&app, "192.0.2.1", name).await, 201);
    }
    assert_rate_limited(&register_from(&app, "192.0.2.1", "three").await);
    assert_status(&register_from(&app, "192.0.2.2", "three").await, 201);
    // The refused registration wrote nothing: its name is still free elsewhere.
    assert_status(&register_from(&app, "192.0.2.3", "four").await, 201);
    audit::assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_failed_logins_for_one_email_get_exactly_the_limit() {
    let apps: Vec<Arc<TestApp>> = harness::apps_configured(3, |c| {
        c.rate_limits.login_per_email = rule("login-email", "4/3600");
    })
    .await
    .into_iter()
    .map(Arc::new)
    .collect();
    register(&apps[0], "jake").await;
    let attempts = (0..12).map(|i| {
        let app = Arc::clone(&apps[i % 3]);
        tokio::spawn(async move {
            login_from(
                &app,
                &format!("198.51.100.{i}"),
                &email_of("jake"),
                "wrong-guess",
            )
            .await
            .status
        })
    });
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|s| s.expect("task ran"))
        .collect();
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((refused, limited), (4, 8), "{statuses:?}");
    // The window is full: even the right password waits for it to end.
    let r = login_from(&apps[0], "198.51.100.99", &email_of("jake"), PASSWORD).await;
    assert_rate_limited(&r);
}

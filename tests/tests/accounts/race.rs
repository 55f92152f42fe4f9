//! Concurrent registrations: uniqueness holds under a race, not only in turn.

use std::sync::Arc;

use futures::future::join_all;
use serde_json::json;

use crate::*;

const RACERS: usize = 16;

/// Registers every `(username, email)` at once, each on its own task.
async fn register_all(app: &Arc<TestApp>, users: Vec<(String, String)>) -> Vec<Reply> {
    let tasks = users.into_iter().map(|(username, email)| {
        let app = Arc::clone(app);
        tokio::spawn(async move { register_as(&app, &username, &email, PASSWORD).await })
    });
    join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.expect("registration task panicked"))
        .collect()
}

/// `text` with the letters at positions where bit `position % 4` of `variant`
/// is set in upper case: 16 spellings of one address.
fn spelling(text: &str, variant: usize) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if variant >> (i % 4) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_username_registered_by_many_at_once_goes_to_exactly_one() {
    let app = Arc::new(app().await);
    let users = (0..RACERS)
        .map(|i| ("racer".to_owned(), format!("racer{i}@example.com")))
        .collect();
    let replies = register_all(&app, users).await;

    let winners: Vec<_> = replies.iter().filter(|r| r.status == 201).collect();
    let statuses: Vec<_> = replies.iter().map(|r| r.status).collect();
    assert_eq!(winners.len(), 1, "exactly one 201 among {statuses:?}");
    for reply in replies.iter().filter(|r| r.status != 201) {
        assert_reply(
            reply,
            409,
            errors(json!({ "username": ["has already been taken"] })),
        );
    }

    // The winner holds the name and its session works.
    let winner = winners[0];
    let email = winner.body["user"]["email"].as_str().unwrap().to_owned();
    let me = current_user(&app, Some(&token_of(winner))).await;
    assert_status(&me, 200);
    assert_eq!(me.body["user"]["username"], "racer");
    assert_eq!(me.body["user"]["email"], email);
    assert_status(&login(&app, &email, PASSWORD).await, 200);

    // The losers claimed nothing: their addresses are still free.
    let loser = (0..RACERS)
        .map(|i| format!("racer{i}@example.com"))
        .find(|e| *e != email)
        .unwrap();
    assert_reply(
        &login(&app, &loser, PASSWORD).await,
        401,
        errors(json!({ "credentials": ["invalid"] })),
    );
    assert_status(&register_as(&app, "loser", &loser, PASSWORD).await, 201);
    conduit_tools::audit::assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_email_registered_by_many_at_once_goes_to_exactly_one() {
    let app = Arc::new(app().await);
    let users: Vec<_> = (0..RACERS)
        .map(|i| (format!("racer{i}"), spelling("race@example.com", i)))
        .collect();
    let distinct: std::collections::HashSet<_> = users.iter().map(|(_, e)| e.clone()).collect();
    assert_eq!(
        distinct.len(),
        RACERS,
        "every racer spells the address differently"
    );
    let replies = register_all(&app, users.clone()).await;

    let winners: Vec<_> = replies
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == 201)
        .collect();
    let statuses: Vec<_> = replies.iter().map(|r| r.status).collect();
    assert_eq!(winners.len(), 1, "exactly one 201 among {statuses:?}");
    for reply in replies.iter().filter(|r| r.status != 201) {
        assert_reply(
            reply,
            409,
            errors(json!({ "email": ["has already been taken"] })),
        );
    }

    let (index, winner) = winners[0];
    assert_eq!(winner.body["user"]["username"], users[index].0);
    // Any spelling logs the winner in.
    let reply = login(&app, "RACE@EXAMPLE.COM", PASSWORD).await;
    assert_status(&reply, 200);
    assert_eq!(reply.body["user"]["username"], users[index].0);

    // The losers claimed nothing: their usernames are still free.
    let loser = &users[(index + 1) % RACERS].0;
    assert_reply(
        &profile(&app, loser, None).await,
        404,
        errors(json!({ "profile": ["not found"] })),
    );
    assert_status(
        &register_as(&app, loser, "loser@example.com", PASSWORD).await,
        201,
    );
    conduit_tools::audit::assert_consistent(&app).await;
}

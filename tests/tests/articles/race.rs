//! Concurrent favorites and comments: counters and ids stay right under a race.

use std::{collections::BTreeSet, sync::Arc};

use serde_json::json;

use crate::*;

const USERS: usize = 12;

/// Registers `USERS` users at once; their names and tokens.
async fn register_many(app: &Arc<TestApp>, prefix: &str) -> Vec<(String, String)> {
    let names: Vec<String> = (0..USERS).map(|i| format!("{prefix}{i}")).collect();
    let tokens = all_at_once(names.iter().cloned().map(|name| {
        let app = Arc::clone(app);
        async move { register(&app, &name).await }
    }))
    .await;
    names.into_iter().zip(tokens).collect()
}

/// Checks that the article's count is the number of users who see it favorited,
/// and that each user's `favorited=` list agrees. Returns that number.
async fn check_favorites(app: &App, slug: &str, users: &[(String, String)]) -> u64 {
    let mut favorited = 0;
    for (name, token) in users {
        let r = get_article(app, slug, Some(token)).await;
        assert_status(&r, 200);
        let mine = r.body["article"]["favorited"].as_bool().unwrap();
        if mine {
            favorited += 1;
        }
        let listed = list(app, None, &[("favorited", name)]).await;
        if mine {
            assert_list(&listed, &[slug], 1);
        } else {
            assert_list(&listed, &[], 0);
        }
    }
    let r = get_article(app, slug, None).await;
    assert_status(&r, 200);
    assert_eq!(
        r.body["article"]["favoritesCount"].as_u64().unwrap(),
        favorited,
        "favoritesCount is the number of users who favorited"
    );
    favorited
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_favorites_and_unfavorites_keep_the_count_exact() {
    let app = Arc::new(app().await);
    let author = register(&app, "author").await;
    let slug = create_article(&app, &author, "Popular", &[]).await;
    let users = register_many(&app, "fan").await;

    // Every user favorites; every second one then takes it back. All at once.
    let replies = all_at_once(users.iter().enumerate().map(|(i, (_, token))| {
        let (app, slug, token) = (Arc::clone(&app), slug.clone(), token.clone());
        async move {
            let mut replies = vec![favorite(&app, Some(&token), &slug).await];
            if i % 2 == 0 {
                replies.push(unfavorite(&app, Some(&token), &slug).await);
            }
            replies
        }
    }))
    .await;
    for (i, replies) in replies.iter().enumerate() {
        for r in replies {
            assert_status(r, 200);
        }
        let last = replies.last().unwrap();
        assert_eq!(
            last.body["article"]["favorited"],
            i % 2 == 1,
            "user {i}: {}",
            last.body
        );
    }
    let favorited = check_favorites(&app, &slug, &users).await;
    assert_eq!(favorited, (USERS / 2) as u64);
    for (i, (_, token)) in users.iter().enumerate() {
        let r = get_article(&app, &slug, Some(token)).await;
        assert_eq!(r.body["article"]["favorited"], i % 2 == 1, "user {i}");
    }
    conduit_tools::audit::assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_racing_their_own_favorite_and_unfavorite_keeps_the_count_exact() {
    let app = Arc::new(app().await);
    let author = register(&app, "author").await;
    let slug = create_article(&app, &author, "Contested", &[]).await;
    let users = register_many(&app, "fickle").await;

    // Half start out favorited; then each user favorites and unfavorites at the
    // same instant, twice over, while the others do the same.
    for (_, token) in users.iter().step_by(2) {
        assert_status(&favorite(&app, Some(token), &slug).await, 200);
    }
    let mut calls = Vec::new();
    for round in 0..2 {
        for (i, (_, token)) in users.iter().enumerate() {
            for favor in [true, false] {
                let (app, slug, token) = (Arc::clone(&app), slug.clone(), token.clone());
                let favor = favor ^ ((i + round) % 2 == 0);
                calls.push(async move {
                    if favor {
                        favorite(&app, Some(&token), &slug).await
                    } else {
                        unfavorite(&app, Some(&token), &slug).await
                    }
                });
            }
        }
    }
    let replies = all_at_once(calls).await;
    // 48 writes on one item at once can outlast the database timeout on a
    // loaded DynamoDB Local: such a call may answer 503 (whether or not its
    // transaction landed), but nothing else, and the counts must agree anyway.
    let mut unavailable = 0;
    for r in &replies {
        if r.status == 503 {
            unavailable += 1;
            assert_eq!(
                r.body,
                errors(json!({ "service": ["is temporarily unavailable, retry later"] }))
            );
            assert!(
                r.headers.contains_key("retry-after"),
                "503 without Retry-After"
            );
        } else {
            assert_status(r, 200);
        }
    }
    assert!(
        unavailable < replies.len() / 2,
        "{unavailable} of {} calls were refused",
        replies.len()
    );
    let favorited = check_favorites(&app, &slug, &users).await;
    assert!(favorited <= USERS as u64);

    // And the counter still moves one by one afterwards.
    let (_, token) = &users[0];
    let was = get_article(&app, &slug, Some(token)).await.body["article"]["favorited"]
        .as_bool()
        .unwrap();
    let on = favorite(&app, Some(token), &slug).await;
    let expected_on = favorited + u64::from(!was);
    assert_eq!(
        on.body["article"]["favoritesCount"], expected_on,
        "{}",
        on.body
    );
    let off = unfavorite(&app, Some(token), &slug).await;
    assert_eq!(
        off.body["article"]["favoritesCount"],
        expected_on - 1,
        "{}",
        off.body
    );
    check_favorites(&app, &slug, &users).await;
    conduit_tools::audit::assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_comments_get_distinct_ids() {
    let app = Arc::new(app().await);
    let author = register(&app, "author").await;
    let commenter = register(&app, "commenter").await;
    let slug = create_article(&app, &author, "Discussed", &[]).await;

    const COMMENTS: u64 = 10;
    let replies =
        all_at_once(
            (0..COMMENTS).map(|i| {
                let (app, slug) = (Arc::clone(&app), slug.clone());
                let token = if i % 2 == 0 {
                    author.clone()
                } else {
                    commenter.clone()
                };
                async move {
                    create_comment(&app, Some(&token), &slug, json!(format!("comment {i}"))).await
                }
            }),
        )
        .await;
    let mut ids = BTreeSet::new();
    for r in &replies {
        assert_status(r, 201);
        let id = r.body["comment"]["id"]
            .as_u64()
            .unwrap_or_else(|| panic!("integer id in {}", r.body));
        assert!(ids.insert(id), "id {id} handed out twice");
    }
    assert_eq!(ids, (1..=COMMENTS).collect::<BTreeSet<_>>());

    // Each comment is stored once, under its own id, with its own body.
    let listed = list_comments(&app, None, &slug).await;
    let listed_ids = comment_ids(&listed);
    assert_eq!(listed_ids, (1..=COMMENTS).rev().collect::<Vec<_>>());
    let mut bodies: Vec<String> = listed.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_owned())
        .collect();
    bodies.sort();
    let mut expected: Vec<String> = (0..COMMENTS).map(|i| format!("comment {i}")).collect();
    expected.sort();
    assert_eq!(bodies, expected);
    // The next one continues the sequence.
    assert_eq!(comment(&app, &commenter, &slug, "late").await, COMMENTS + 1);
    conduit_tools::audit::assert_consistent(&app).await;
}

/// More commenters at once than `create_comment`'s eight attempts: every
/// comment must still land, each with its own id.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_commenters_at_once_all_get_ids() {
    let app = Arc::new(app().await);
    let author = register(&app, "author").await;
    let slug = create_article(&app, &author, "Hot thread", &[]).await;

    const COMMENTS: u64 = 20;
    let replies =
        all_at_once(
            (0..COMMENTS).map(|i| {
                let (app, slug, token) = (Arc::clone(&app), slug.clone(), author.clone());
                async move {
                    create_comment(&app, Some(&token), &slug, json!(format!("comment {i}"))).await
                }
            }),
        )
        .await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert!(
        statuses.iter().all(|s| *s == 201),
        "every comment is created, got {statuses:?}: {}",
        replies
            .iter()
            .find(|r| r.status != 201)
            .map(|r| r.body.to_string())
            .unwrap_or_default()
    );
    let ids: BTreeSet<u64> = replies
        .iter()
        .map(|r| r.body["comment"]["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=COMMENTS).collect::<BTreeSet<_>>());
    assert_eq!(
        comment_ids(&list_comments(&app, None, &slug).await),
        (1..=COMMENTS).rev().collect::<Vec<_>>()
    );
    conduit_tools::audit::assert_consistent(&app).await;
}

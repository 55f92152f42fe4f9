//! `GET /api/articles/{slug}`.

use serde_json::json;

use crate::*;

#[tokio::test]
async fn returns_the_article_with_its_body() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let slug = create_article(&app, &token, "Read me", &["a", "b"]).await;
    let r = get_article(&app, &slug, None).await;
    assert_status(&r, 200);
    let article = &r.body["article"];
    assert_eq!(article["slug"], "read-me");
    assert_eq!(article["title"], "Read me");
    assert_eq!(article["description"], "About Read me");
    assert_eq!(article["body"], "The body of Read me");
    assert_eq!(article["tagList"], json!(["a", "b"]));
    assert_eq!(article["favorited"], false);
    assert_eq!(article["favoritesCount"], 0);
    assert_eq!(
        article["author"],
        json!({ "username": "jake", "bio": null, "image": null, "following": false })
    );
}

#[tokio::test]
async fn an_unknown_slug_is_not_found() {
    let app = app().await;
    let token = register(&app, "jake").await;
    create_article(&app, &token, "Exists", &[]).await;
    for slug in ["does-not-exist", "exist", "exists-", "EXISTS"] {
        let r = get_article(&app, slug, None).await;
        assert_reply(&r, 404, not_found("article"));
    }
    let r = get_article(&app, "does-not-exist", Some(&token)).await;
    assert_reply(&r, 404, not_found("article"));
}

#[tokio::test]
async fn favorited_and_following_are_the_callers() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let fan = register(&app, "fan").await;
    let follower = register(&app, "follower").await;
    let slug = create_article(&app, &jake, "Flags", &[]).await;
    assert_status(&favorite(&app, Some(&fan), &slug).await, 200);
    follow(&app, &follower, "jake").await;

    let flags = |r: &Reply| {
        assert_status(r, 200);
        let a = &r.body["article"];
        (
            a["favorited"].as_bool().unwrap(),
            a["favoritesCount"].as_u64().unwrap(),
            a["author"]["following"].as_bool().unwrap(),
        )
    };
    assert_eq!(
        flags(&get_article(&app, &slug, None).await),
        (false, 1, false)
    );
    assert_eq!(
        flags(&get_article(&app, &slug, Some(&fan)).await),
        (true, 1, false)
    );
    assert_eq!(
        flags(&get_article(&app, &slug, Some(&follower)).await),
        (false, 1, true)
    );
    assert_eq!(
        flags(&get_article(&app, &slug, Some(&jake)).await),
        (false, 1, false)
    );

    // Lists show the same flags per caller.
    let list_flags = |r: &Reply| {
        assert_status(r, 200);
        let a = &r.body["articles"][0];
        (
            a["favorited"].as_bool().unwrap(),
            a["favoritesCount"].as_u64().unwrap(),
            a["author"]["following"].as_bool().unwrap(),
        )
    };
    assert_eq!(list_flags(&list(&app, None, &[]).await), (false, 1, false));
    assert_eq!(
        list_flags(&list(&app, Some(&fan), &[]).await),
        (true, 1, false)
    );
    assert_eq!(
        list_flags(&list(&app, Some(&follower), &[]).await),
        (false, 1, true)
    );
}

#[tokio::test]
async fn an_invalid_token_is_refused_not_ignored() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let slug = create_article(&app, &token, "Guarded", &[]).await;
    let r = get_article(&app, &slug, Some("not.a.token")).await;
    assert_reply(&r, 401, errors(json!({ "token": ["is invalid"] })));
}

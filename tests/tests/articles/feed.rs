//! `GET /api/articles/feed`.

use serde_json::json;

use crate::*;

#[tokio::test]
async fn needs_a_token() {
    let app = app().await;
    assert_reply(&feed(&app, None, &[]).await, 401, token_missing());
}

#[tokio::test]
async fn a_new_user_has_an_empty_feed() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let reader = register(&app, "reader").await;
    create_article(&app, &jake, "Not followed", &[]).await;
    let r = feed(&app, Some(&reader), &[]).await;
    assert_reply(
        &r,
        200,
        json!({ "articles": [], "articlesCount": 0, "nextCursor": null }),
    );
    // Not even one's own articles.
    let r = feed(&app, Some(&jake), &[]).await;
    assert_reply(
        &r,
        200,
        json!({ "articles": [], "articlesCount": 0, "nextCursor": null }),
    );
}

#[tokio::test]
async fn following_and_unfollowing_change_the_feed_at_once() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let other = register(&app, "other").await;
    let reader = register(&app, "reader").await;
    let old = create_article(&app, &jake, "Before the follow", &[]).await;
    create_article(&app, &other, "By someone else", &[]).await;

    follow(&app, &reader, "jake").await;
    assert_list(&feed(&app, Some(&reader), &[]).await, &[&old], 1);

    let new = create_article(&app, &jake, "After the follow", &[]).await;
    create_article(&app, &other, "Still someone else", &[]).await;
    let r = feed(&app, Some(&reader), &[]).await;
    assert_list(&r, &[&new, &old], 2);
    for article in r.body["articles"].as_array().unwrap() {
        assert_eq!(article["author"]["username"], "jake");
        assert_eq!(article["author"]["following"], true);
        assert!(
            article.get("body").is_none(),
            "feed items have no body: {article}"
        );
    }

    unfollow(&app, &reader, "jake").await;
    let r = feed(&app, Some(&reader), &[]).await;
    assert_reply(
        &r,
        200,
        json!({ "articles": [], "articlesCount": 0, "nextCursor": null }),
    );
}

#[tokio::test]
async fn merges_followed_authors_newest_first_and_pages_with_the_true_total() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let eve = register(&app, "eve").await;
    let reader = register(&app, "reader").await;
    let j1 = create_article(&app, &jake, "Jake one", &[]).await;
    let a1 = create_article(&app, &ann, "Ann one", &[]).await;
    create_article(&app, &eve, "Eve one", &[]).await;
    let j2 = create_article(&app, &jake, "Jake two", &[]).await;
    let a2 = create_article(&app, &ann, "Ann two", &[]).await;
    let a3 = create_article(&app, &ann, "Ann three", &[]).await;
    create_article(&app, &eve, "Eve two", &[]).await;
    follow(&app, &reader, "jake").await;
    follow(&app, &reader, "ann").await;

    let all = [a3.as_str(), &a2, &j2, &a1, &j1];
    assert_list(&feed(&app, Some(&reader), &[]).await, &all, 5);
    assert_list(
        &feed(&app, Some(&reader), &[("limit", "2")]).await,
        &all[..2],
        5,
    );
    assert_list(
        &feed(&app, Some(&reader), &[("limit", "2"), ("offset", "2")]).await,
        &all[2..4],
        5,
    );
    assert_list(
        &feed(&app, Some(&reader), &[("limit", "2"), ("offset", "4")]).await,
        &all[4..],
        5,
    );
    assert_list(
        &feed(&app, Some(&reader), &[("limit", "3"), ("offset", "1")]).await,
        &all[1..4],
        5,
    );
    assert_list(&feed(&app, Some(&reader), &[("offset", "5")]).await, &[], 5);

    // Deleting one of them shrinks the feed and its count.
    assert_status(&delete_article(&app, Some(&ann), &a2).await, 204);
    assert_list(
        &feed(&app, Some(&reader), &[]).await,
        &[&a3, &j2, &a1, &j1],
        4,
    );
}

#[tokio::test]
async fn feed_pages_are_bounded() {
    let app = app().await;
    let reader = register(&app, "reader").await;
    let r = feed(&app, Some(&reader), &[("limit", "101")]).await;
    assert_reply(
        &r,
        422,
        errors(json!({ "limit": ["must be an integer from 1 to 100"] })),
    );
    let r = feed(&app, Some(&reader), &[("offset", "-1")]).await;
    assert_reply(
        &r,
        422,
        errors(json!({ "offset": ["must be an integer from 0 to 1000"] })),
    );
}

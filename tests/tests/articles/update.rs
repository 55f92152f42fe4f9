//! `PUT /api/articles/{slug}`.

use serde_json::json;

use crate::*;

#[tokio::test]
async fn only_the_author_may_edit() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let slug = create_article(&app, &jake, "Mine", &["t"]).await;
    let before = get_article(&app, &slug, None).await;

    let r = update_article(&app, Some(&ann), &slug, json!({ "body": "hijacked" })).await;
    assert_reply(&r, 403, forbidden("article"));
    let r = update_article(&app, Some(&ann), &slug, json!({ "title": "Stolen" })).await;
    assert_reply(&r, 403, forbidden("article"));
    let r = update_article(&app, None, &slug, json!({ "body": "anonymous" })).await;
    assert_reply(&r, 401, token_missing());

    // Unchanged, slug included.
    assert_reply(&get_article(&app, &slug, None).await, 200, before.body);
    assert_reply(
        &get_article(&app, "stolen", None).await,
        404,
        not_found("article"),
    );
}

#[tokio::test]
async fn an_unknown_slug_is_not_found() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let r = update_article(&app, Some(&jake), "nothing-here", json!({ "body": "b" })).await;
    assert_reply(&r, 404, not_found("article"));
}

#[tokio::test]
async fn a_body_change_keeps_slug_and_creation_time() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Stable", &["x"]).await;
    let before = get_article(&app, &slug, None).await.body["article"].clone();

    let r = update_article(
        &app,
        Some(&jake),
        &slug,
        json!({ "body": "new body", "description": "new description" }),
    )
    .await;
    assert_status(&r, 200);
    let after = &r.body["article"];
    assert_eq!(after["slug"], slug);
    assert_eq!(after["title"], "Stable");
    assert_eq!(after["body"], "new body");
    assert_eq!(after["description"], "new description");
    assert_eq!(after["tagList"], json!(["x"]));
    assert_eq!(after["createdAt"], before["createdAt"]);
    let (old, new) = (
        before["updatedAt"].as_str().unwrap(),
        after["updatedAt"].as_str().unwrap(),
    );
    assert!(is_timestamp(new), "{new}");
    assert!(new > old, "updatedAt moves forward: {old} -> {new}");
    assert_eq!(after["author"]["username"], "jake");

    // Read back the same.
    assert_reply(&get_article(&app, &slug, None).await, 200, r.body.clone());
    assert_list(&list(&app, None, &[]).await, &[&slug], 1);
}

#[tokio::test]
async fn a_new_title_moves_the_slug() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let fan = register(&app, "fan").await;
    let old = create_article(&app, &jake, "Old Title", &["kept"]).await;
    let other = create_article(&app, &jake, "Other", &[]).await;
    assert_status(&favorite(&app, Some(&fan), &old).await, 200);
    let before = get_article(&app, &old, None).await.body["article"].clone();

    let r = update_article(&app, Some(&jake), &old, json!({ "title": "New Title" })).await;
    assert_status(&r, 200);
    assert_eq!(r.body["article"]["slug"], "new-title");
    assert_eq!(r.body["article"]["title"], "New Title");
    assert_eq!(r.body["article"]["createdAt"], before["createdAt"]);
    assert_eq!(r.body["article"]["favoritesCount"], 1);

    assert_reply(
        &get_article(&app, &old, None).await,
        404,
        not_found("article"),
    );
    let got = get_article(&app, "new-title", Some(&fan)).await;
    assert_status(&got, 200);
    assert_eq!(got.body["article"]["body"], before["body"]);
    assert_eq!(got.body["article"]["favorited"], true);
    assert_eq!(got.body["article"]["favoritesCount"], 1);

    // Still listed once everywhere, under the new slug.
    assert_list(&list(&app, None, &[]).await, &[&other, "new-title"], 2);
    assert_list(
        &list(&app, None, &[("tag", "kept")]).await,
        &["new-title"],
        1,
    );
    assert_list(
        &list(&app, None, &[("favorited", "fan")]).await,
        &["new-title"],
        1,
    );
    // Writes through the old slug find nothing.
    let r = update_article(&app, Some(&jake), &old, json!({ "body": "x" })).await;
    assert_reply(&r, 404, not_found("article"));
    // The old slug is free again.
    let reused = create_article(&app, &jake, "Old Title", &[]).await;
    assert_eq!(reused, old);
    assert_eq!(
        get_article(&app, "new-title", None).await.body["article"]["title"],
        "New Title"
    );
}

#[tokio::test]
async fn a_title_taken_by_another_article_gets_a_distinct_slug() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let taken = create_article(&app, &jake, "Taken", &[]).await;
    let mine = create_article(&app, &jake, "Mine", &[]).await;
    let r = update_article(&app, Some(&jake), &mine, json!({ "title": "Taken" })).await;
    assert_status(&r, 200);
    let moved = slug_of(&r);
    assert_ne!(moved, taken);
    assert!(moved.starts_with("taken-"), "{moved}");
    assert_eq!(
        get_article(&app, &taken, None).await.body["article"]["body"],
        "The body of Taken"
    );
    assert_eq!(
        get_article(&app, &moved, None).await.body["article"]["body"],
        "The body of Mine"
    );
    assert_reply(
        &get_article(&app, &mine, None).await,
        404,
        not_found("article"),
    );
}

#[tokio::test]
async fn tag_changes_reach_the_tag_lists() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Tagged", &["a", "b"]).await;

    // Absent tagList: tags stay.
    let r = update_article(&app, Some(&jake), &slug, json!({ "body": "changed" })).await;
    assert_status(&r, 200);
    assert_eq!(r.body["article"]["tagList"], json!(["a", "b"]));
    assert_list(&list(&app, None, &[("tag", "a")]).await, &[&slug], 1);

    // A new list: removed tags leave, new ones join.
    let r = update_article(&app, Some(&jake), &slug, json!({ "tagList": ["b", "c"] })).await;
    assert_status(&r, 200);
    assert_eq!(r.body["article"]["tagList"], json!(["b", "c"]));
    assert_list(&list(&app, None, &[("tag", "a")]).await, &[], 0);
    assert_list(&list(&app, None, &[("tag", "b")]).await, &[&slug], 1);
    assert_list(&list(&app, None, &[("tag", "c")]).await, &[&slug], 1);
    let mut in_use = tags(&app).await;
    in_use.sort();
    assert_eq!(in_use, ["b", "c"]);

    // null is refused and changes nothing.
    let r = update_article(&app, Some(&jake), &slug, json!({ "tagList": null })).await;
    assert_reply(&r, 422, errors(json!({ "tagList": ["must be a list"] })));
    assert_eq!(
        get_article(&app, &slug, None).await.body["article"]["tagList"],
        json!(["b", "c"])
    );

    // [] clears them all.
    let r = update_article(&app, Some(&jake), &slug, json!({ "tagList": [] })).await;
    assert_status(&r, 200);
    assert_eq!(r.body["article"]["tagList"], json!([]));
    assert_eq!(
        get_article(&app, &slug, None).await.body["article"]["tagList"],
        json!([])
    );
    for tag in ["a", "b", "c"] {
        assert_list(&list(&app, None, &[("tag", tag)]).await, &[], 0);
    }
    assert_eq!(tags(&app).await, Vec::<String>::new());
    // The article itself is still listed.
    assert_list(&list(&app, None, &[]).await, &[&slug], 1);

    // And a tag can come back.
    let r = update_article(&app, Some(&jake), &slug, json!({ "tagList": ["a"] })).await;
    assert_status(&r, 200);
    assert_list(&list(&app, None, &[("tag", "a")]).await, &[&slug], 1);
    assert_eq!(tags(&app).await, ["a"]);
}

#[tokio::test]
async fn invalid_changes_are_refused() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Valid", &[]).await;
    let before = get_article(&app, &slug, None).await;
    for (changes, expected) in [
        (
            json!({ "title": "" }),
            json!({ "title": ["can't be blank"] }),
        ),
        (
            json!({ "title": null }),
            json!({ "title": ["can't be blank"] }),
        ),
        (
            json!({ "body": "  " }),
            json!({ "body": ["can't be blank"] }),
        ),
        (
            json!({ "description": null }),
            json!({ "description": ["can't be blank"] }),
        ),
        (
            json!({ "title": "t".repeat(201) }),
            json!({ "title": ["is too long (maximum is 200 characters)"] }),
        ),
        (
            json!({ "tagList": (0..11).map(|i| i.to_string()).collect::<Vec<_>>() }),
            json!({ "tagList": ["can't have more than 10 tags"] }),
        ),
    ] {
        let r = update_article(&app, Some(&jake), &slug, changes.clone()).await;
        assert_reply(&r, 422, errors(expected));
    }
    assert_reply(&get_article(&app, &slug, None).await, 200, before.body);
}

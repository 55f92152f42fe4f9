//! `DELETE /api/articles/{slug}`.

use serde_json::json;

use crate::*;

#[tokio::test]
async fn only_the_author_may_delete() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let slug = create_article(&app, &jake, "Keep me", &["kept"]).await;
    let r = delete_article(&app, Some(&ann), &slug).await;
    assert_reply(&r, 403, forbidden("article"));
    let r = delete_article(&app, None, &slug).await;
    assert_reply(&r, 401, token_missing());

    assert_status(&get_article(&app, &slug, None).await, 200);
    assert_list(&list(&app, None, &[]).await, &[&slug], 1);
    assert_list(&list(&app, None, &[("tag", "kept")]).await, &[&slug], 1);
    assert_list(&list(&app, None, &[("author", "jake")]).await, &[&slug], 1);
}

#[tokio::test]
async fn an_unknown_slug_is_not_found() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let r = delete_article(&app, Some(&jake), "never-was").await;
    assert_reply(&r, 404, not_found("article"));
}

#[tokio::test]
async fn a_deleted_article_is_gone_everywhere() {
    let app = harness::streamed_app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let bob = register(&app, "bob").await;
    let doomed = create_article(&app, &jake, "Doomed", &["doomed", "shared"]).await;
    let kept = create_article(&app, &jake, "Kept", &["shared"]).await;
    let annes = create_article(&app, &ann, "Anns", &["shared"]).await;
    assert_status(&favorite(&app, Some(&ann), &doomed).await, 200);
    assert_status(&favorite(&app, Some(&ann), &kept).await, 200);
    assert_status(&favorite(&app, Some(&bob), &doomed).await, 200);
    comment(&app, &bob, &doomed, "first!").await;
    comment(&app, &ann, &doomed, "second").await;
    follow(&app, &bob, "jake").await;

    // Before: everything counts it.
    assert_list(&list(&app, None, &[]).await, &[&annes, &kept, &doomed], 3);
    assert_list(
        &list(&app, None, &[("author", "jake")]).await,
        &[&kept, &doomed],
        2,
    );
    assert_list(&list(&app, None, &[("tag", "doomed")]).await, &[&doomed], 1);
    assert_list(
        &list(&app, None, &[("tag", "shared")]).await,
        &[&annes, &kept, &doomed],
        3,
    );
    assert_list(
        &list(&app, None, &[("favorited", "ann")]).await,
        &[&kept, &doomed],
        2,
    );
    assert_list(
        &list(&app, None, &[("favorited", "bob")]).await,
        &[&doomed],
        1,
    );
    assert_list(&feed(&app, Some(&bob), &[]).await, &[&kept, &doomed], 2);

    let r = delete_article(&app, Some(&jake), &doomed).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.body, serde_json::Value::Null, "204 has no body");
    // The favorites and comments go with the stream worker.
    let mut worker = harness::worker(&app).await;
    harness::run_worker(&app, &mut worker).await;
    audit::assert_consistent(&app).await;

    assert_reply(
        &get_article(&app, &doomed, None).await,
        404,
        not_found("article"),
    );
    assert_reply(
        &get_article(&app, &doomed, Some(&ann)).await,
        404,
        not_found("article"),
    );
    assert_list(&list(&app, None, &[]).await, &[&annes, &kept], 2);
    assert_list(&list(&app, None, &[("author", "jake")]).await, &[&kept], 1);
    assert_list(&list(&app, None, &[("tag", "doomed")]).await, &[], 0);
    assert_list(
        &list(&app, None, &[("tag", "shared")]).await,
        &[&annes, &kept],
        2,
    );
    assert_list(
        &list(&app, None, &[("favorited", "ann")]).await,
        &[&kept],
        1,
    );
    assert_list(&list(&app, None, &[("favorited", "bob")]).await, &[], 0);
    assert_list(&feed(&app, Some(&bob), &[]).await, &[&kept], 1);
    let in_use = tags(&app).await;
    assert_eq!(in_use, ["shared"]);

    // Nothing more can be done with it.
    assert_reply(
        &list_comments(&app, None, &doomed).await,
        404,
        not_found("article"),
    );
    assert_reply(
        &create_comment(&app, Some(&bob), &doomed, json!("late")).await,
        404,
        not_found("article"),
    );
    assert_reply(
        &favorite(&app, Some(&bob), &doomed).await,
        404,
        not_found("article"),
    );
    assert_reply(
        &unfavorite(&app, Some(&ann), &doomed).await,
        404,
        not_found("article"),
    );
    assert_reply(
        &delete_article(&app, Some(&jake), &doomed).await,
        404,
        not_found("article"),
    );
    assert_reply(
        &update_article(&app, Some(&jake), &doomed, json!({ "body": "back" })).await,
        404,
        not_found("article"),
    );

    // A new article under the same slug starts clean: no comments, no favorites.
    let reborn = create_article(&app, &jake, "Doomed", &[]).await;
    assert_eq!(reborn, doomed, "the slug was released");
    let r = list_comments(&app, None, &reborn).await;
    assert_reply(&r, 200, json!({ "comments": [], "nextCursor": null }));
    let got = get_article(&app, &reborn, Some(&ann)).await;
    assert_status(&got, 200);
    assert_eq!(got.body["article"]["favorited"], false);
    assert_eq!(got.body["article"]["favoritesCount"], 0);
    assert_eq!(got.body["article"]["tagList"], json!([]));
    // Its first comment is number 1.
    assert_eq!(comment(&app, &bob, &reborn, "fresh").await, 1);
    assert_eq!(comment_ids(&list_comments(&app, None, &reborn).await), [1]);
    assert_list(&list(&app, None, &[("favorited", "bob")]).await, &[], 0);
    assert_list(&list(&app, None, &[("tag", "doomed")]).await, &[], 0);
}

#[tokio::test]
async fn deleting_twice_is_not_found() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Once", &[]).await;
    assert_status(&delete_article(&app, Some(&jake), &slug).await, 204);
    assert_reply(
        &delete_article(&app, Some(&jake), &slug).await,
        404,
        not_found("article"),
    );
    assert_list(&list(&app, None, &[]).await, &[], 0);
    assert_list(&list(&app, None, &[("author", "jake")]).await, &[], 0);
}

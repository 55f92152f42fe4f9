//! `GET /api/tags`.

use crate::*;

#[tokio::test]
async fn no_articles_no_tags() {
    let app = app().await;
    let r = send(&app, call("GET", "/api/tags")).await;
    assert_reply(&r, 200, serde_json::json!({ "tags": [] }));
}

#[tokio::test]
async fn most_used_first() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    // Created so that neither creation order nor name order is use order.
    create_article(&app, &jake, "One", &["rare", "common"]).await;
    create_article(&app, &jake, "Two", &["middle", "common"]).await;
    create_article(&app, &jake, "Three", &["common", "middle"]).await;
    assert_eq!(tags(&app).await, ["common", "middle", "rare"]);

    // Tags used by 2 articles come before a tag used by 1.
    create_article(&app, &jake, "Four", &["rare", "zeta"]).await;
    create_article(&app, &jake, "Five", &["rare"]).await;
    let in_use = tags(&app).await;
    assert_eq!(in_use.len(), 4, "{in_use:?}");
    assert_eq!(in_use[3], "zeta", "{in_use:?}");
    let mut top: Vec<_> = in_use[..3].to_vec();
    top.sort();
    assert_eq!(top, ["common", "middle", "rare"], "{in_use:?}");
    assert_eq!(in_use[2], "middle", "{in_use:?}");
}

#[tokio::test]
async fn tags_of_deleted_articles_disappear() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let only = create_article(&app, &jake, "Only", &["lonely", "shared"]).await;
    let other = create_article(&app, &jake, "Other", &["shared"]).await;
    assert_eq!(tags(&app).await, ["shared", "lonely"]);

    assert_status(&delete_article(&app, Some(&jake), &only).await, 204);
    assert_eq!(tags(&app).await, ["shared"]);
    assert_list(&list(&app, None, &[("tag", "lonely")]).await, &[], 0);
    assert_list(&list(&app, None, &[("tag", "shared")]).await, &[&other], 1);

    assert_status(&delete_article(&app, Some(&jake), &other).await, 204);
    assert!(tags(&app).await.is_empty());
    assert_list(&list(&app, None, &[("tag", "shared")]).await, &[], 0);

    // A tag used again comes back.
    create_article(&app, &jake, "Again", &["lonely"]).await;
    assert_eq!(tags(&app).await, ["lonely"]);
}

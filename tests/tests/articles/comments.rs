//! Comments: `GET`/`POST /api/articles/{slug}/comments` and
//! `DELETE /api/articles/{slug}/comments/{id}`.

use serde_json::json;

use crate::*;

#[tokio::test]
async fn creates_a_comment_with_an_integer_id() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let slug = create_article(&app, &jake, "Commented", &[]).await;
    follow(&app, &ann, "jake").await;

    let r = create_comment(&app, Some(&ann), &slug, json!("Nice read")).await;
    assert_status(&r, 201);
    let c = &r.body["comment"];
    let created = c["createdAt"].as_str().expect("createdAt");
    assert!(is_timestamp(created), "{created}");
    assert_eq!(
        r.body,
        json!({ "comment": {
            "id": 1,
            "createdAt": created,
            "updatedAt": created,
            "body": "Nice read",
            "author": { "username": "ann", "bio": null, "image": null, "following": false },
        }})
    );

    // The listing shows the same comment; `following` is the viewer's.
    let listed = list_comments(&app, None, &slug).await;
    assert_reply(
        &listed,
        200,
        json!({ "comments": [r.body["comment"].clone()], "nextCursor": null }),
    );
    let r = create_comment(&app, Some(&jake), &slug, json!("Thanks")).await;
    assert_status(&r, 201);
    let as_ann = list_comments(&app, Some(&ann), &slug).await;
    assert_eq!(as_ann.body["comments"][0]["author"]["username"], "jake");
    assert_eq!(as_ann.body["comments"][0]["author"]["following"], true);
    assert_eq!(as_ann.body["comments"][1]["author"]["following"], false);
}

#[tokio::test]
async fn lists_newest_first_with_increasing_ids() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Thread", &[]).await;
    let other = create_article(&app, &jake, "Other thread", &[]).await;
    assert_reply(
        &list_comments(&app, None, &slug).await,
        200,
        json!({ "comments": [], "nextCursor": null }),
    );
    let ids = [
        comment(&app, &jake, &slug, "one").await,
        comment(&app, &jake, &slug, "two").await,
        comment(&app, &jake, &slug, "three").await,
    ];
    assert_eq!(ids, [1, 2, 3]);
    let r = list_comments(&app, None, &slug).await;
    assert_eq!(comment_ids(&r), [3, 2, 1]);
    let bodies: Vec<&str> = r.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["three", "two", "one"]);
    // Comments belong to their article.
    assert_reply(
        &list_comments(&app, None, &other).await,
        200,
        json!({ "comments": [], "nextCursor": null }),
    );
}

#[tokio::test]
async fn invalid_comments_are_refused() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Quiet", &[]).await;
    let blank = errors(json!({ "body": ["can't be blank"] }));
    for body in [json!(""), json!("   "), json!(null)] {
        assert_reply(
            &create_comment(&app, Some(&jake), &slug, body).await,
            422,
            blank.clone(),
        );
    }
    assert_reply(
        &create_comment(&app, None, &slug, json!("anonymous")).await,
        401,
        token_missing(),
    );
    assert_reply(
        &create_comment(&app, Some(&jake), "no-such-article", json!("hello")).await,
        404,
        not_found("article"),
    );
    assert_reply(
        &list_comments(&app, None, "no-such-article").await,
        404,
        not_found("article"),
    );
    assert_reply(
        &list_comments(&app, None, &slug).await,
        200,
        json!({ "comments": [], "nextCursor": null }),
    );
}

#[tokio::test]
async fn only_the_comment_author_may_delete_it() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let slug = create_article(&app, &jake, "Moderated", &[]).await;
    let id = comment(&app, &ann, &slug, "ann's comment").await;
    let keep = comment(&app, &jake, &slug, "jake's comment").await;

    // Not even the article's author.
    let r = delete_comment(&app, Some(&jake), &slug, &id.to_string()).await;
    assert_reply(&r, 403, forbidden("comment"));
    let r = delete_comment(&app, None, &slug, &id.to_string()).await;
    assert_reply(&r, 401, token_missing());
    assert_eq!(
        comment_ids(&list_comments(&app, None, &slug).await),
        [keep, id]
    );

    let r = delete_comment(&app, Some(&ann), &slug, &id.to_string()).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.body, serde_json::Value::Null);
    assert_eq!(comment_ids(&list_comments(&app, None, &slug).await), [keep]);
    let r = delete_comment(&app, Some(&ann), &slug, &id.to_string()).await;
    assert_reply(&r, 404, not_found("comment"));

    // Ids are not reused after a deletion.
    assert_eq!(comment(&app, &ann, &slug, "again").await, 3);
}

#[tokio::test]
async fn unknown_comments_are_not_found() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Sparse", &[]).await;
    let other = create_article(&app, &jake, "Elsewhere", &[]).await;
    let id = comment(&app, &jake, &slug, "only one").await;
    for bad in ["99", "0", "abc", "1.0", "-1", "99999999999999999999999"] {
        let r = delete_comment(&app, Some(&jake), &slug, bad).await;
        assert_reply(&r, 404, not_found("comment"));
    }
    // A comment id of another article names nothing here.
    let r = delete_comment(&app, Some(&jake), &other, &id.to_string()).await;
    assert_reply(&r, 404, not_found("comment"));
    let r = delete_comment(&app, Some(&jake), "no-such-article", &id.to_string()).await;
    assert_reply(&r, 404, not_found("article"));
    assert_eq!(comment_ids(&list_comments(&app, None, &slug).await), [id]);
}

#[tokio::test]
async fn the_same_comment_again_is_a_409_until_the_first_is_deleted() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let slug = create_article(&app, &jake, "Commented", &[]).await;
    let other = create_article(&app, &jake, "Elsewhere", &[]).await;
    let first = comment(&app, &ann, &slug, "Nice read").await;
    let r = create_comment(&app, Some(&ann), &slug, json!("Nice read")).await;
    assert_reply(
        &r,
        409,
        errors(json!({"body": ["duplicates a comment you just posted"]})),
    );
    // Only the same author, article and body make a duplicate.
    comment(&app, &jake, &slug, "Nice read").await;
    comment(&app, &ann, &other, "Nice read").await;
    comment(&app, &ann, &slug, "Nice read!").await;
    assert_eq!(
        comment_ids(&list_comments(&app, None, &slug).await).len(),
        3
    );
    // Once the first is gone, the same words are a new comment.
    let r = delete_comment(&app, Some(&ann), &slug, &first.to_string()).await;
    assert_status(&r, 204);
    let again = comment(&app, &ann, &slug, "Nice read").await;
    assert_ne!(again, first);
    let bodies: Vec<String> = list_comments(&app, None, &slug).await.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(bodies, ["Nice read", "Nice read!", "Nice read"]);
}

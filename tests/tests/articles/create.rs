//! `POST /api/articles`.

use serde_json::json;

use crate::*;

#[tokio::test]
async fn creates_an_article_with_its_slug_tags_and_author() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let r = create_article_body(
        &app,
        Some(&token),
        json!({ "article": {
            "title": "How to Train Your Dragon",
            "description": "Ever wonder how?",
            "body": "You have to believe",
            "tagList": ["dragons", "training", "dragons", " magic ", "training"],
        }}),
    )
    .await;
    assert_status(&r, 201);
    let article = &r.body["article"];
    let created = article["createdAt"]
        .as_str()
        .expect("createdAt is a string");
    assert!(is_timestamp(created), "createdAt {created:?}");
    assert_eq!(article["updatedAt"], article["createdAt"]);
    assert_eq!(
        r.body,
        json!({ "article": {
            "slug": "how-to-train-your-dragon",
            "title": "How to Train Your Dragon",
            "description": "Ever wonder how?",
            "body": "You have to believe",
            // Order kept, repeats dropped, blanks around a tag trimmed.
            "tagList": ["dragons", "training", "magic"],
            "createdAt": created,
            "updatedAt": created,
            "favorited": false,
            "favoritesCount": 0,
            "author": { "username": "jake", "bio": null, "image": null, "following": false },
        }})
    );

    // What was created is what is read back.
    let got = get_article(&app, "how-to-train-your-dragon", None).await;
    assert_reply(&got, 200, r.body.clone());
}

#[tokio::test]
async fn tags_are_optional() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let r = create_article_body(
        &app,
        Some(&token),
        json!({ "article": { "title": "No tags", "description": "d", "body": "b" } }),
    )
    .await;
    assert_status(&r, 201);
    assert_eq!(r.body["article"]["tagList"], json!([]));
}

#[tokio::test]
async fn missing_or_blank_fields_are_refused() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let all_blank = errors(json!({
        "title": ["can't be blank"],
        "description": ["can't be blank"],
        "body": ["can't be blank"],
    }));
    for body in [
        json!({ "article": {} }),
        json!({}),
        json!({ "article": { "title": "", "description": "", "body": "" } }),
        json!({ "article": { "title": "  ", "description": "\t", "body": "\n " } }),
        json!({ "article": { "title": null, "description": null, "body": null } }),
    ] {
        let r = create_article_body(&app, Some(&token), body.clone()).await;
        assert_reply(&r, 422, all_blank.clone());
    }
    let r = create_article_body(
        &app,
        Some(&token),
        json!({ "article": { "title": "Title", "description": "Description", "body": " " } }),
    )
    .await;
    assert_reply(&r, 422, errors(json!({ "body": ["can't be blank"] })));
    let r = create_article_body(
        &app,
        Some(&token),
        json!({ "article": { "title": "Title", "body": "Body" } }),
    )
    .await;
    assert_reply(
        &r,
        422,
        errors(json!({ "description": ["can't be blank"] })),
    );

    // Nothing was created by any of them.
    assert_list(&list(&app, None, &[]).await, &[], 0);
}

#[tokio::test]
async fn a_null_tag_list_is_refused() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let r = create_article_body(
        &app,
        Some(&token),
        json!({ "article": { "title": "T", "description": "D", "body": "B", "tagList": null } }),
    )
    .await;
    assert_reply(&r, 422, errors(json!({ "tagList": ["must be a list"] })));
    assert_list(&list(&app, None, &[]).await, &[], 0);
}

#[tokio::test]
async fn at_most_ten_tags() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let eleven: Vec<String> = (1..=11).map(|i| format!("tag{i}")).collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
    let r = create_article_body(&app, Some(&token), draft("Eleven", &eleven)).await;
    assert_reply(
        &r,
        422,
        errors(json!({ "tagList": ["can't have more than 10 tags"] })),
    );
    // Ten is the limit, and repeats do not count towards it.
    let mut ten = eleven[..10].to_vec();
    ten.push("tag1");
    let r = create_article_body(&app, Some(&token), draft("Ten", &ten)).await;
    assert_status(&r, 201);
    assert_eq!(r.body["article"]["tagList"], json!(eleven[..10]));
}

#[tokio::test]
async fn tags_are_at_most_32_characters() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let long = "x".repeat(33);
    let r = create_article_body(&app, Some(&token), draft("Long tag", &["ok", &long])).await;
    assert_reply(
        &r,
        422,
        errors(json!({ "tagList": ["can't contain tags longer than 32 characters"] })),
    );
    let r = create_article_body(&app, Some(&token), draft("Blank tag", &["ok", " "])).await;
    assert_reply(
        &r,
        422,
        errors(json!({ "tagList": ["can't contain blank tags"] })),
    );
    let just = "y".repeat(32);
    let r = create_article_body(&app, Some(&token), draft("Long enough", &[&just])).await;
    assert_status(&r, 201);
    assert_eq!(r.body["article"]["tagList"], json!([just]));
    assert_list(&list(&app, None, &[]).await, &["long-enough"], 1);
}

#[tokio::test]
async fn titles_are_at_most_200_characters() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let long = "t".repeat(201);
    let r = create_article_body(&app, Some(&token), draft(&long, &[])).await;
    assert_reply(
        &r,
        422,
        errors(json!({ "title": ["is too long (maximum is 200 characters)"] })),
    );
    let r = create_article_body(&app, Some(&token), draft(&"t".repeat(200), &[])).await;
    assert_status(&r, 201);
    let slug = slug_of(&r);
    assert!(!slug.is_empty() && slug.chars().all(|c| c == 't'), "{slug}");
    assert_status(&get_article(&app, &slug, None).await, 200);
}

#[tokio::test]
async fn needs_a_token() {
    let app = app().await;
    let r = create_article_body(&app, None, draft("Anonymous", &["x"])).await;
    assert_reply(&r, 401, token_missing());
    assert_list(&list(&app, None, &[]).await, &[], 0);
    assert!(tags(&app).await.is_empty());
}

#[tokio::test]
async fn duplicate_titles_get_distinct_slugs() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let first = create_article_body(
        &app,
        Some(&jake),
        json!({ "article": { "title": "Same Title", "description": "d1", "body": "first" } }),
    )
    .await;
    assert_status(&first, 201);
    let second = create_article_body(
        &app,
        Some(&ann),
        json!({ "article": { "title": "Same Title", "description": "d2", "body": "second" } }),
    )
    .await;
    assert_status(&second, 201);
    let (a, b) = (slug_of(&first), slug_of(&second));
    assert_eq!(a, "same-title");
    assert_ne!(a, b);
    assert!(b.starts_with("same-title-"), "{b}");

    let got_a = get_article(&app, &a, None).await;
    assert_status(&got_a, 200);
    assert_eq!(got_a.body["article"]["body"], "first");
    assert_eq!(got_a.body["article"]["author"]["username"], "jake");
    let got_b = get_article(&app, &b, None).await;
    assert_status(&got_b, 200);
    assert_eq!(got_b.body["article"]["body"], "second");
    assert_eq!(got_b.body["article"]["author"]["username"], "ann");
    assert_list(&list(&app, None, &[]).await, &[&b, &a], 2);
}

//! `GET /api/articles`: order, counts, pages and filters.

use serde_json::json;

use crate::*;

#[tokio::test]
async fn lists_newest_first_without_bodies() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let first = create_article(&app, &token, "First", &["t"]).await;
    let second = create_article(&app, &token, "Second", &[]).await;
    let third = create_article(&app, &token, "Third", &["t", "u"]).await;
    let r = list(&app, None, &[]).await;
    assert_list(&r, &[&third, &second, &first], 3);
    for article in r.body["articles"].as_array().unwrap() {
        let fields = article.as_object().unwrap();
        assert!(
            !fields.contains_key("body"),
            "a list item has a body: {article}"
        );
        for key in [
            "slug",
            "title",
            "description",
            "tagList",
            "createdAt",
            "updatedAt",
            "favorited",
            "favoritesCount",
            "author",
        ] {
            assert!(fields.contains_key(key), "{key} missing from {article}");
        }
    }
    assert_eq!(r.body["articles"][0]["tagList"], json!(["t", "u"]));
    assert_eq!(r.body["articles"][0]["description"], "About Third");
    let created: Vec<&str> = r.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["createdAt"].as_str().unwrap())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {created:?}"
    );
}

#[tokio::test]
async fn an_empty_table_lists_nothing() {
    let app = app().await;
    let r = list(&app, None, &[]).await;
    assert_reply(
        &r,
        200,
        json!({ "articles": [], "articlesCount": 0, "nextCursor": null }),
    );
}

#[tokio::test]
async fn the_count_is_the_total_not_the_page_size() {
    let app = app().await;
    let token = register(&app, "jake").await;
    create_article(&app, &token, "One", &[]).await;
    create_article(&app, &token, "Two", &[]).await;
    let three = create_article(&app, &token, "Three", &[]).await;
    let r = list(&app, None, &[("limit", "1")]).await;
    assert_list(&r, &[&three], 3);
    let r = list(&app, None, &[("limit", "1"), ("author", "jake")]).await;
    assert_list(&r, &[&three], 3);
}

#[tokio::test]
async fn pages_are_disjoint_and_in_order() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(create_article(&app, &token, &format!("Article {i}"), &["paged"]).await);
    }
    created.reverse();
    let all = list(&app, None, &[]).await;
    assert_list(
        &all,
        &created.iter().map(String::as_str).collect::<Vec<_>>(),
        5,
    );

    for query in [vec![], vec![("tag", "paged")], vec![("author", "jake")]] {
        let mut paged = Vec::new();
        for offset in ["0", "2", "4"] {
            let mut q = query.clone();
            q.extend([("limit", "2"), ("offset", offset)]);
            let r = list(&app, None, &q).await;
            assert_status(&r, 200);
            assert_eq!(count(&r), 5, "{query:?} offset {offset}");
            let page = slugs(&r);
            assert_eq!(
                page.len(),
                if offset == "4" { 1 } else { 2 },
                "{query:?} offset {offset}"
            );
            paged.extend(page);
        }
        assert_eq!(paged, created, "pages of {query:?} concatenate to the list");
    }

    let r = list(&app, None, &[("limit", "3"), ("offset", "1")]).await;
    assert_list(&r, &[&created[1], &created[2], &created[3]], 5);
    // Past the end: nothing, but the total still.
    let r = list(&app, None, &[("offset", "5")]).await;
    assert_list(&r, &[], 5);
    let r = list(&app, None, &[("offset", "1000"), ("limit", "100")]).await;
    assert_list(&r, &[], 5);
}

#[tokio::test]
async fn the_default_limit_is_20() {
    let app = app().await;
    let token = register(&app, "jake").await;
    let mut created = Vec::new();
    for i in 0..21 {
        created.push(create_article(&app, &token, &format!("Number {i}"), &[]).await);
    }
    let r = list(&app, None, &[]).await;
    assert_status(&r, 200);
    assert_eq!(count(&r), 21);
    let page = slugs(&r);
    assert_eq!(page.len(), 20);
    assert_eq!(page[0], created[20]);
    assert!(!page.contains(&created[0]), "the oldest is on page two");
    let r = list(&app, None, &[("offset", "20")]).await;
    assert_list(&r, &[&created[0]], 21);
}

#[tokio::test]
async fn filters_by_tag_author_and_favoriter() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let bob = register(&app, "bob").await;
    let a = create_article(&app, &jake, "A", &["rust"]).await;
    let b = create_article(&app, &jake, "B", &["go"]).await;
    let c = create_article(&app, &ann, "C", &["rust", "go"]).await;
    let d = create_article(&app, &ann, "D", &[]).await;
    assert_status(&favorite(&app, Some(&bob), &a).await, 200);
    assert_status(&favorite(&app, Some(&bob), &c).await, 200);
    assert_status(&favorite(&app, Some(&jake), &d).await, 200);

    assert_list(&list(&app, None, &[]).await, &[&d, &c, &b, &a], 4);
    assert_list(&list(&app, None, &[("tag", "rust")]).await, &[&c, &a], 2);
    assert_list(&list(&app, None, &[("tag", "go")]).await, &[&c, &b], 2);
    assert_list(&list(&app, None, &[("author", "jake")]).await, &[&b, &a], 2);
    assert_list(&list(&app, None, &[("author", "ann")]).await, &[&d, &c], 2);
    assert_list(&list(&app, None, &[("author", "bob")]).await, &[], 0);
    assert_list(
        &list(&app, None, &[("favorited", "bob")]).await,
        &[&c, &a],
        2,
    );
    assert_list(&list(&app, None, &[("favorited", "jake")]).await, &[&d], 1);
    assert_list(&list(&app, None, &[("favorited", "ann")]).await, &[], 0);

    // Filters page like the full list, counting all matches.
    assert_list(
        &list(&app, None, &[("favorited", "bob"), ("limit", "1")]).await,
        &[&c],
        2,
    );
    assert_list(
        &list(&app, None, &[("tag", "rust"), ("offset", "1")]).await,
        &[&a],
        2,
    );

    // Favorited-by lists show the viewer's own flags.
    let r = list(&app, Some(&bob), &[("favorited", "bob")]).await;
    for article in r.body["articles"].as_array().unwrap() {
        assert_eq!(article["favorited"], true, "{article}");
        assert_eq!(article["favoritesCount"], 1, "{article}");
    }
}

#[tokio::test]
async fn unknown_names_match_nothing() {
    let app = app().await;
    let token = register(&app, "jake").await;
    create_article(&app, &token, "Something", &["real"]).await;
    let empty = json!({ "articles": [], "articlesCount": 0, "nextCursor": null });
    for query in [
        [("author", "nobody")],
        [("favorited", "nobody")],
        [("tag", "unused")],
    ] {
        assert_reply(&list(&app, None, &query).await, 200, empty.clone());
    }
}

#[tokio::test]
async fn two_filters_at_once_are_refused() {
    let app = app().await;
    let token = register(&app, "jake").await;
    create_article(&app, &token, "Something", &["real"]).await;
    let refused = errors(json!({ "filter": ["use only one of tag, author and favorited"] }));
    for query in [
        vec![("tag", "real"), ("author", "jake")],
        vec![("tag", "real"), ("favorited", "jake")],
        vec![("author", "jake"), ("favorited", "jake")],
        vec![("tag", "real"), ("author", "jake"), ("favorited", "jake")],
    ] {
        assert_reply(&list(&app, None, &query).await, 422, refused.clone());
    }
}

#[tokio::test]
async fn limit_and_offset_are_bounded() {
    let app = app().await;
    let token = register(&app, "jake").await;
    create_article(&app, &token, "Something", &[]).await;
    let bad_limit = errors(json!({ "limit": ["must be an integer from 1 to 100"] }));
    let bad_offset = errors(json!({ "offset": ["must be an integer from 0 to 1000"] }));
    for limit in ["0", "101", "abc", "-1", "1.5"] {
        let r = list(&app, None, &[("limit", limit)]).await;
        assert_reply(&r, 422, bad_limit.clone());
    }
    for offset in ["-1", "1001", "abc"] {
        let r = list(&app, None, &[("offset", offset)]).await;
        assert_reply(&r, 422, bad_offset.clone());
    }
    let r = list(&app, None, &[("limit", "0"), ("offset", "-1")]).await;
    assert_reply(
        &r,
        422,
        errors(json!({
            "limit": ["must be an integer from 1 to 100"],
            "offset": ["must be an integer from 0 to 1000"],
        })),
    );
    // The bounds themselves are allowed.
    assert_list(
        &list(&app, None, &[("limit", "1")]).await,
        &["something"],
        1,
    );
    assert_list(
        &list(&app, None, &[("limit", "100"), ("offset", "0")]).await,
        &["something"],
        1,
    );
}

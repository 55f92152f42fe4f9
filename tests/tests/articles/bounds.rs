//! What a request costs, whatever a client sends or the table holds: a long
//! article's favorites, comments and list pages never touch its body; a
//! comment page and a cursor page cost one page wherever they start; a
//! comment page reads and answers a bounded number of bytes, so its answer
//! stays under Lambda's 6 MB whatever the thread holds; the
//! feed costs one page however many authors the reader follows. Costs are
//! the capacity DynamoDB Local reports for each call, as the functions record
//! it (`conduit_tools::meter`).

use std::collections::HashSet;

use conduit_tools::meter::{Usage, measure};
use serde_json::json;
use shared::{
    app::{
        validate::{ARTICLE_BODY_MAX, BIO_MAX, COMMENT_BODY_MAX, IMAGE_MAX},
        views::COMMENT_ANSWER_BYTES,
    },
    store::comments::PAGE_BYTES,
};

use crate::*;

/// A character of four bytes in UTF-8 (and in JSON, which leaves it as is).
const WIDE: char = '𝄞';

fn long_text(chars: usize, seed: usize) -> String {
    let mut text = format!("{seed} ");
    text.extend(std::iter::repeat_n(WIDE, chars - text.chars().count()));
    text
}

async fn publish(app: &App, token: &str, title: &str, body: &str) -> String {
    let r = create_article_body(
        app,
        Some(token),
        json!({"article": {"title": title, "description": "d", "body": body, "tagList": ["t"]}}),
    )
    .await;
    assert_status(&r, 201);
    slug_of(&r)
}

#[tokio::test]
async fn a_long_articles_favorites_comments_and_list_pages_cost_what_a_short_ones_do() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let short = publish(&app, &jake, "Short", "a short body").await;
    let long = publish(&app, &jake, "Long", &long_text(ARTICLE_BODY_MAX, 0)).await;

    let mut costs: Vec<(Usage, Usage, Usage, Usage)> = Vec::new();
    for slug in [&short, &long] {
        let (r, fav) = measure(favorite(&app, Some(&ann), slug)).await;
        assert_status(&r, 200);
        let (r, unfav) = measure(unfavorite(&app, Some(&ann), slug)).await;
        assert_status(&r, 200);
        let (r, comment) = measure(create_comment(&app, Some(&ann), slug, json!("hi"))).await;
        assert_status(&r, 201);
        let (r, comments) = measure(list_comments(&app, None, slug)).await;
        assert_status(&r, 200);
        costs.push((fav, unfav, comment, comments));
    }
    let (short_cost, long_cost) = (costs[0], costs[1]);
    let writes =
        |u: (Usage, Usage, Usage, Usage)| [u.0.write_units, u.1.write_units, u.2.write_units];
    for (what, (s, l)) in ["favorite", "unfavorite", "comment"]
        .iter()
        .zip(writes(short_cost).into_iter().zip(writes(long_cost)))
    {
        assert!(
            l <= s,
            "a {what} of the long article wrote {l} units, of the short one {s}"
        );
        assert!(s > 0.0, "{what} writes something");
    }
    assert!(
        long_cost.3.read_units <= short_cost.3.read_units,
        "listing comments reads no body: {:?} vs {:?}",
        long_cost.3,
        short_cost.3
    );

    // A list page holds both articles and reads neither body.
    let (r, listed) = measure(list(&app, None, &[])).await;
    assert_list(&r, &[&long, &short], 2);
    assert!(
        listed.read_units < 12.0,
        "a page of two articles read {} units",
        listed.read_units
    );
    // The article itself, with its body, still reads whole.
    let r = get_article(&app, &long, None).await;
    assert_eq!(
        r.body["article"]["body"]
            .as_str()
            .map(|b| b.chars().count()),
        Some(ARTICLE_BODY_MAX)
    );
}

#[tokio::test]
async fn comment_pages_follow_their_cursor_and_cost_a_page_wherever_they_start() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Busy thread", &[]).await;
    let mut ids = Vec::new();
    for i in 0..45 {
        ids.push(comment(&app, &jake, &slug, &long_text(2_000, i)).await);
    }
    ids.reverse();

    // By default the whole thread, newest first: a client that knows no
    // cursor sees every comment.
    let whole = list_comments(&app, None, &slug).await;
    assert_eq!(comment_ids(&whole), ids);
    assert_eq!(next_cursor(&whole), None);

    // Twenty to a page when asked, every comment once.
    let mut seen = Vec::new();
    let mut costs = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query: Vec<(&str, &str)> = vec![("limit", "20")];
        query.extend(cursor.iter().map(|c| ("cursor", c.as_str())));
        let (r, usage) = measure(list_comments_with(&app, None, &slug, &query)).await;
        let page = comment_ids(&r);
        assert!(page.len() <= 20, "a page holds its limit: {}", page.len());
        seen.extend(page);
        costs.push(usage.read_units);
        cursor = next_cursor(&r);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids, "every comment once, newest first");
    assert_eq!(costs.len(), 3);
    assert!(
        costs[1] <= costs[0] * 1.1,
        "the second page costs what the first does: {costs:?}"
    );

    // A limit, then the rest; the cursor carries on from where it pointed.
    let r = list_comments_with(&app, None, &slug, &[("limit", "44")]).await;
    assert_eq!(comment_ids(&r), ids[..44]);
    let rest = next_cursor(&r).expect("one comment is left");
    let r = list_comments_with(&app, None, &slug, &[("cursor", &rest), ("limit", "50")]).await;
    assert_eq!(comment_ids(&r), ids[44..]);
    assert_eq!(next_cursor(&r), None);

    // No skipping by offset, not even 0 (a skipped comment is read whole),
    // no page over 500, no cursor this API did not issue.
    for (query, field, message) in [
        (
            ("offset", "20"),
            "offset",
            "is not supported for comments, use cursor",
        ),
        (
            ("offset", "0"),
            "offset",
            "is not supported for comments, use cursor",
        ),
        (
            ("limit", "501"),
            "limit",
            "must be an integer from 1 to 500",
        ),
        (("cursor", "not-a-cursor"), "cursor", "is invalid"),
    ] {
        let r = list_comments_with(&app, None, &slug, &[query]).await;
        assert_reply(&r, 422, errors(json!({ field: [message] })));
    }
    let article_cursor = shared::app::cursor::articles(&shared::ground::keys::Position::new(
        "2026-01-01T00:00:00.000Z",
        "0190b3a0-0000-7000-8000-000000000001",
    ));
    let r = list_comments_with(&app, None, &slug, &[("cursor", &article_cursor)]).await;
    assert_reply(&r, 422, errors(json!({ "cursor": ["is invalid"] })));
}

/// A comment page's answer as the function writes it, and its read units.
async fn comment_answer(
    app: &App,
    token: &str,
    slug: &str,
    query: &[(&str, &str)],
) -> (String, f64) {
    let mut c = call("GET", "/api/articles/{slug}/comments")
        .param("slug", slug)
        .token(token);
    for (k, v) in query {
        c = c.query(k, v);
    }
    let (response, usage) = measure(harness::invoke(
        app,
        shared::Function::ListComments,
        c.request(),
    ))
    .await;
    assert_eq!(response.status(), 200);
    match response.body() {
        lambda_http::Body::Text(text) => (text.clone(), usage.read_units),
        other => panic!("a text body, not {other:?}"),
    }
}

#[tokio::test]
async fn a_thread_of_the_longest_comments_pages_by_bytes_under_lambdas_limit() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    // The author at every profile limit: their profile rides on every comment.
    let image = format!("https://example.com/{}", "i".repeat(IMAGE_MAX - 20));
    let c = call("PUT", "/api/user").token(&jake).json(json!({"user": {
        "bio": long_text(BIO_MAX, 0),
        "image": image,
    }}));
    assert_status(&send(&app, c).await, 200);
    let slug = create_article(&app, &jake, "Long comments", &[]).await;
    // More than a page's read budget and answer budget hold.
    const COMMENTS: usize = 90;
    let mut ids = Vec::new();
    for i in 0..COMMENTS {
        ids.push(comment(&app, &jake, &slug, &long_text(COMMENT_BODY_MAX, i)).await);
    }
    ids.reverse();

    for limit in [None, Some("500"), Some("50")] {
        let mut seen = Vec::new();
        let mut pages = 0;
        let mut cursor: Option<String> = None;
        loop {
            pages += 1;
            let mut query: Vec<(&str, &str)> = limit.iter().map(|l| ("limit", *l)).collect();
            query.extend(cursor.iter().map(|c| ("cursor", c.as_str())));
            let (text, read_units) = comment_answer(&app, &jake, &slug, &query).await;
            // The answer, and the answer as Lambda's response document
            // carries it (the body escaped again as a JSON string).
            let escaped = serde_json::to_string(&text).unwrap();
            assert!(text.len() <= COMMENT_ANSWER_BYTES, "{} bytes", text.len());
            assert!(escaped.len() < 6_000_000, "{} bytes escaped", escaped.len());
            // What a page reads stops within one of DynamoDB's 1 MB query
            // pages, which holds more than its byte budget (a strongly
            // consistent read unit is 4 KB).
            const { assert!(PAGE_BYTES < 1_000_000 - 41_000) };
            let query_page = (1 << 20) as f64 / 4096.0;
            assert!(read_units < query_page + 20.0, "{read_units} read units");
            let listed: serde_json::Value = serde_json::from_str(&text).unwrap();
            let page: Vec<u64> = listed["comments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_u64().unwrap())
                .collect();
            assert!(!page.is_empty(), "a page always moves on");
            seen.extend(page);
            match &listed["nextCursor"] {
                serde_json::Value::String(next) => cursor = Some(next.clone()),
                _ => break,
            }
        }
        assert_eq!(seen, ids, "limit {limit:?}: every comment once, in order");
        assert!(
            pages > 1,
            "limit {limit:?}: bytes cut the thread into pages"
        );
    }
}

/// Every slug of a list, page by page through `nextCursor`, `limit` at a
/// time; and the read units of each page.
async fn walk(
    app: &App,
    token: Option<&str>,
    feed_of: bool,
    query: &[(&str, &str)],
    limit: &str,
) -> (Vec<String>, Vec<f64>) {
    let (mut slugs_seen, mut costs) = (Vec::new(), Vec::new());
    let mut cursor: Option<String> = None;
    loop {
        let mut q: Vec<(&str, &str)> = query.to_vec();
        q.push(("limit", limit));
        if let Some(c) = &cursor {
            q.push(("cursor", c));
        }
        let (r, usage) = if feed_of {
            measure(feed(app, token, &q)).await
        } else {
            measure(list(app, token, &q)).await
        };
        assert_status(&r, 200);
        slugs_seen.extend(slugs(&r));
        costs.push(usage.read_units);
        cursor = next_cursor(&r);
        if cursor.is_none() {
            return (slugs_seen, costs);
        }
    }
}

#[tokio::test]
async fn every_list_pages_by_cursor_at_the_cost_of_one_page() {
    let app = app().await;
    let authors = [
        register(&app, "jake").await,
        register(&app, "ann").await,
        register(&app, "eve").await,
    ];
    let reader = register(&app, "reader").await;
    follow(&app, &reader, "jake").await;
    follow(&app, &reader, "ann").await;
    let mut all = Vec::new();
    for i in 0..30 {
        let tags: &[&str] = if i % 2 == 0 { &["even"] } else { &[] };
        let slug = create_article(&app, &authors[i % 3], &format!("Article {i}"), tags).await;
        if i % 5 == 0 {
            assert_status(&favorite(&app, Some(&reader), &slug).await, 200);
        }
        all.push((i, slug));
    }
    all.reverse();
    let pick = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
        all.iter()
            .filter(|(i, _)| keep(*i))
            .map(|(_, s)| s.clone())
            .collect()
    };
    // (list, its query, whether it is the feed, what it holds)
    type ListCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, bool, Vec<String>);
    let cases: [ListCase; 5] = [
        ("all", vec![], false, pick(&|_| true)),
        ("tag", vec![("tag", "even")], false, pick(&|i| i % 2 == 0)),
        (
            "author",
            vec![("author", "ann")],
            false,
            pick(&|i| i % 3 == 1),
        ),
        (
            "favorited",
            vec![("favorited", "reader")],
            false,
            pick(&|i| i % 5 == 0),
        ),
        ("feed", vec![], true, pick(&|i| i % 3 != 2)),
    ];
    for (what, query, is_feed, expected) in cases {
        let (seen, costs) = walk(&app, Some(&reader), is_feed, &query, "4").await;
        assert_eq!(seen, expected, "{what}: every article once, newest first");
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{what}: no article twice");
        let first = costs[0];
        for (i, cost) in costs.iter().enumerate() {
            assert!(
                *cost <= first * 1.5 + 2.0,
                "{what}: page {i} cost {cost} units, the first {first}: {costs:?}"
            );
        }
    }
    // The cursor of an offset page carries on from it.
    let r = list(&app, None, &[("limit", "5"), ("offset", "10")]).await;
    let cursor = next_cursor(&r).expect("more follow");
    let r = list(&app, None, &[("limit", "5"), ("cursor", &cursor)]).await;
    assert_eq!(slugs(&r), pick(&|_| true)[15..20]);
    assert_eq!(count(&r), 30);
}

#[tokio::test]
async fn cursors_must_be_ones_this_api_issued_and_stand_alone() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    for i in 0..3 {
        create_article(&app, &jake, &format!("A{i}"), &[]).await;
    }
    let r = list(&app, None, &[("limit", "1")]).await;
    let cursor = next_cursor(&r).expect("more follow");
    let invalid = errors(json!({ "cursor": ["is invalid"] }));
    for bad in [
        "x",
        "YWJj",
        &shared::app::cursor::comments(3),
        &format!("{cursor}A"),
    ] {
        assert_reply(
            &list(&app, None, &[("cursor", bad)]).await,
            422,
            invalid.clone(),
        );
        assert_reply(
            &feed(&app, Some(&jake), &[("cursor", bad)]).await,
            422,
            invalid.clone(),
        );
    }
    assert_reply(
        &list(&app, None, &[("cursor", &cursor), ("offset", "1")]).await,
        422,
        errors(json!({ "cursor": ["can't be combined with offset"] })),
    );
    // A last page says so.
    let r = list(&app, None, &[("limit", "3")]).await;
    assert_eq!(next_cursor(&r), None);
}

#[tokio::test]
async fn a_feed_page_costs_the_same_at_twenty_follows_and_at_a_hundred_and_twenty() {
    let app = app().await;
    let reader = register(&app, "reader").await;
    let mut costs = Vec::new();
    let mut followed = 0;
    for target in [20, 120] {
        while followed < target {
            let name = format!("author{followed}");
            let token = register(&app, &name).await;
            create_article(&app, &token, &format!("By {name}"), &[]).await;
            follow(&app, &reader, &name).await;
            followed += 1;
        }
        let (r, usage) = measure(feed(&app, Some(&reader), &[])).await;
        assert_eq!(slugs(&r).len(), 20);
        assert_eq!(count(&r), target as u64);
        costs.push(usage);
    }
    assert!(
        costs[1].read_units <= costs[0].read_units * 1.2,
        "read units at 20 and 120 follows: {costs:?}"
    );
    assert!(
        costs[1].calls <= costs[0].calls,
        "calls at 20 and 120 follows: {costs:?}"
    );
}

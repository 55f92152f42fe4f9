//! How many DynamoDB calls each read makes, as the functions count them
//! (`conduit_tools::meter`): a list page of twenty articles by twenty
//! authors, the reader following and favoriting some, is the worst case of
//! the page's one batched read. The bounds are the access-pattern table of
//! `docs/design.md`. A signed-in read costs no call more than an anonymous
//! one: the reader's session is checked by the page's batch.

use conduit_tools::meter::{Usage, measure};

use conduit_tests::harness::{call, send};
use serde_json::json;

use crate::*;

const AUTHORS: usize = 20;

/// The table's fixture: twenty authors with one article each, all tagged
/// `t`; `reader` follows and favorites every other one.
async fn seeded(app: &App) -> (String, Vec<String>) {
    let reader = register(app, "reader").await;
    let mut slugs = Vec::new();
    for i in 0..AUTHORS {
        let name = format!("author{i}");
        let token = register(app, &name).await;
        let slug = create_article(app, &token, &format!("Article {i}"), &["t"]).await;
        if i % 2 == 0 {
            follow(app, &reader, &name).await;
            assert_status(&favorite(app, Some(&reader), &slug).await, 200);
        }
        slugs.push(slug);
    }
    (reader, slugs)
}

#[track_caller]
fn assert_calls(what: &str, usage: Usage, calls: u64) {
    println!(
        "{what}: {} calls, {} read units",
        usage.calls, usage.read_units
    );
    assert!(
        usage.calls <= calls,
        "{what} made {} DynamoDB calls, at most {calls} expected ({usage:?})",
        usage.calls
    );
}

#[tokio::test]
async fn every_list_page_is_at_most_four_calls_signed_in_or_not() {
    let app = app().await;
    let (reader, published) = seeded(&app).await;
    let favorited: Vec<&str> = published.iter().step_by(2).map(String::as_str).collect();

    for (token, bound) in [(None, 4), (Some(reader.as_str()), 4)] {
        let who = if token.is_some() {
            "signed in"
        } else {
            "anonymous"
        };
        let (r, usage) = measure(list(&app, token, &[])).await;
        assert_eq!(slugs(&r).len(), AUTHORS, "{}", r.body);
        assert_eq!(count(&r), AUTHORS as u64);
        if token.is_some() {
            let shown: Vec<(String, bool, bool, u64)> = r.body["articles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    (
                        a["slug"].as_str().unwrap().to_owned(),
                        a["favorited"].as_bool().unwrap(),
                        a["author"]["following"].as_bool().unwrap(),
                        a["favoritesCount"].as_u64().unwrap(),
                    )
                })
                .collect();
            for (slug, favorited_it, following, favorites) in shown {
                let expected = favorited.contains(&slug.as_str());
                assert_eq!(
                    (favorited_it, following, favorites),
                    (expected, expected, u64::from(expected)),
                    "{slug} as the reader sees it"
                );
            }
        }
        assert_calls(&format!("all articles, {who}"), usage, bound);

        let cursor = {
            let r = list(&app, token, &[("limit", "5")]).await;
            next_cursor(&r).expect("a second page")
        };
        let (r, usage) = measure(list(&app, token, &[("cursor", &cursor)])).await;
        assert_eq!(slugs(&r).len(), AUTHORS - 5, "{}", r.body);
        assert_calls(&format!("all articles after a cursor, {who}"), usage, bound);

        let (r, usage) = measure(list(&app, token, &[("tag", "t")])).await;
        assert_list(
            &r,
            &published
                .iter()
                .rev()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            AUTHORS as u64,
        );
        assert_calls(&format!("by tag, {who}"), usage, bound);

        let (r, usage) = measure(list(&app, token, &[("author", "author3")])).await;
        assert_list(&r, &[&published[3]], 1);
        assert_calls(&format!("by author, {who}"), usage, bound);

        let (r, usage) = measure(list(&app, token, &[("favorited", "reader")])).await;
        assert_eq!(count(&r), favorited.len() as u64, "{}", r.body);
        assert_calls(&format!("favorited by, {who}"), usage, bound);
    }

    let (r, usage) = measure(feed(&app, Some(&reader), &[])).await;
    assert_eq!(count(&r), favorited.len() as u64, "{}", r.body);
    // The reader's feed and, in one batch, what it shows, its count and the
    // session (the count's item).
    assert_calls("feed", usage, 2);
}

#[tokio::test]
async fn an_article_a_profile_and_the_tags_take_the_fewest_calls_the_keys_allow() {
    let app = app().await;
    let (reader, slugs) = seeded(&app).await;

    let (r, usage) = measure(get_article(&app, &slugs[0], None)).await;
    assert_status(&r, 200);
    assert_calls("an article, anonymous", usage, 2);
    let (r, usage) = measure(get_article(&app, &slugs[0], Some(&reader))).await;
    assert_eq!(r.body["article"]["favorited"], true);
    assert_calls("an article, signed in", usage, 2);

    let (r, usage) = measure(profile(&app, "author0", None)).await;
    assert_status(&r, 200);
    assert_calls("a profile, anonymous", usage, 2);
    let (r, usage) = measure(profile(&app, "author0", Some(&reader))).await;
    assert_eq!(r.body["profile"]["following"], true);
    assert_calls("a profile, signed in", usage, 2);

    let (tags, usage) = measure(tags(&app)).await;
    assert_eq!(tags, ["t"]);
    assert_calls("the tags", usage, 4);
}

#[tokio::test]
async fn a_signed_in_read_checks_the_session_whatever_it_finds() {
    let app = app().await;
    let reader = register(&app, "reader").await;
    let author = register(&app, "author").await;
    let own = create_article(&app, &reader, "Mine", &["t"]).await;
    let slug = create_article(&app, &author, "Read", &["t"]).await;
    follow(&app, &reader, "author").await;
    assert_status(&favorite(&app, Some(&reader), &slug).await, 200);
    comment(&app, &author, &slug, "first").await;

    // Every read a token can make: ones that reach their batch (some whose
    // count is the reader's own counts item, which the session check reads),
    // and ones that end before it (nothing by that author, no such article
    // or user).
    let reads = |token: Option<String>| {
        let slug = slug.clone();
        let app = &app;
        async move {
            let t = token.as_deref();
            vec![
                ("list", list(app, t, &[]).await),
                (
                    "list by an unknown author",
                    list(app, t, &[("author", "nobody")]).await,
                ),
                (
                    "the reader's articles",
                    list(app, t, &[("author", "reader")]).await,
                ),
                (
                    "the reader's favorites",
                    list(app, t, &[("favorited", "reader")]).await,
                ),
                ("article", get_article(app, &slug, t).await),
                (
                    "unknown article",
                    get_article(app, "no-such-article", t).await,
                ),
                ("comments", list_comments(app, t, &slug).await),
                (
                    "unknown article's comments",
                    list_comments(app, t, "no-such-article").await,
                ),
                ("profile", profile(app, "author", t).await),
                ("unknown profile", profile(app, "nobody", t).await),
            ]
        }
    };
    let signed_in = reads(Some(reader.clone())).await;
    let expected = [200, 200, 200, 200, 200, 404, 200, 404, 200, 404];
    for ((what, r), status) in signed_in.iter().zip(expected) {
        assert_eq!(r.status, status, "{what}: {}", r.body);
    }
    assert_eq!(signed_in[0].1.body["articles"][0]["favorited"], true);
    assert_list(&signed_in[2].1, &[&own], 1);
    assert_list(&signed_in[3].1, &[&slug], 1);
    assert_eq!(signed_in[4].1.body["article"]["author"]["following"], true);
    let r = feed(&app, Some(&reader), &[]).await;
    assert_list(&r, &[&slug], 1);
    // A copy the reader holds is current: 304, until the session ends.
    let conditional = || {
        call("GET", "/api/articles/{slug}")
            .param("slug", &slug)
            .token(&reader)
    };
    let tag = signed_in[4].1.headers["etag"].to_str().unwrap().to_owned();
    let r = send(&app, conditional().header("if-none-match", &tag)).await;
    assert_status(&r, 304);

    let out = send(&app, call("DELETE", "/api/user/sessions").token(&reader)).await;
    assert_status(&out, 204);
    let ended = errors(json!({"session": ["has ended, sign in again"]}));
    for (what, r) in reads(Some(reader.clone())).await {
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        assert_eq!(r.body, ended, "{what}");
    }
    assert_reply(&feed(&app, Some(&reader), &[]).await, 401, ended.clone());
    let r = send(&app, conditional().header("if-none-match", &tag)).await;
    assert_reply(&r, 401, ended);
    // Without the token, the same reads answer as before.
    for ((what, r), status) in reads(None).await.iter().zip(expected) {
        assert_eq!(r.status, status, "{what} anonymous: {}", r.body);
    }
}

#[tokio::test]
async fn a_feed_read_with_an_ended_session_repairs_nothing() {
    let mut app = app().await;
    let author = register(&app, "author").await;
    let reader = register(&app, "reader").await;
    follow(&app, &reader, "author").await;
    let gone = create_article(&app, &author, "Gone", &[]).await;
    // Deleted by a request cut short: the reader's feed keeps a stale entry
    // until a read or the stream worker removes it.
    app.store = app.store.deferring_jobs();
    assert_status(&delete_article(&app, Some(&author), &gone).await, 204);

    let out = send(&app, call("DELETE", "/api/user/sessions").token(&reader)).await;
    assert_status(&out, 204);
    let (r, usage) = measure(feed(&app, Some(&reader), &[])).await;
    assert_status(&r, 401);
    assert_eq!(usage.write_units, 0.0, "{usage:?}");

    // Signed in again, the same read removes the entry.
    let login = json!({"user": {"email": "reader@example.com", "password": PASSWORD}});
    let r = send(&app, call("POST", "/api/users/login").json(login)).await;
    let token = r.body["user"]["token"].as_str().unwrap().to_owned();
    let (r, usage) = measure(feed(&app, Some(&token), &[])).await;
    assert_status(&r, 200);
    assert!(slugs(&r).is_empty(), "{}", r.body);
    assert!(usage.write_units > 0.0, "{usage:?}");
}

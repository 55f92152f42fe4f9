//! How many DynamoDB calls each read makes, as the functions count them
//! (`conduit_tools::meter`): a list page of twenty articles by twenty
//! authors, the reader following and favoriting some, is the worst case of
//! the page's one batched read. The bounds are the access-pattern table of
//! `docs/design.md`.

use conduit_tools::meter::{Usage, measure};

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
async fn every_list_page_is_at_most_four_calls_anonymous_and_five_signed_in() {
    let app = app().await;
    let (reader, published) = seeded(&app).await;
    let favorited: Vec<&str> = published.iter().step_by(2).map(String::as_str).collect();

    for (token, bound) in [(None, 4), (Some(reader.as_str()), 5)] {
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
    assert_calls("feed", usage, 5);
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
    assert_calls("an article, signed in", usage, 3);

    let profile = |token: Option<&str>| {
        let c = conduit_tests::harness::call("GET", "/api/profiles/{username}")
            .param("username", "author0");
        let c = match token {
            Some(token) => c.token(token),
            None => c,
        };
        conduit_tests::harness::send(&app, c)
    };
    let (r, usage) = measure(profile(None)).await;
    assert_status(&r, 200);
    assert_calls("a profile, anonymous", usage, 2);
    let (r, usage) = measure(profile(Some(&reader))).await;
    assert_eq!(r.body["profile"]["following"], true);
    assert_calls("a profile, signed in", usage, 3);

    let (tags, usage) = measure(tags(&app)).await;
    assert_eq!(tags, ["t"]);
    assert_calls("the tags", usage, 4);
}

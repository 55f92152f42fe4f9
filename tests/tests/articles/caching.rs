//! What a cache may keep of each answer (`Cache-Control`, `Vary`), entity
//! tags and the conditional requests they make possible (`If-None-Match`
//! answered 304, `If-Match` answered 412 when the resource moved on), and
//! the edge's origin check: with the edge on, a request without its secret
//! is refused, and per-IP limits count the viewer's address it forwards.

use conduit_tests::harness::{self, Call, call, send};
use serde_json::json;
use shared::ground::config::{Rule, SecretSource};

use crate::*;

const PUBLIC: &str = "public, max-age=0, s-maxage=5, stale-while-revalidate=30";
const PRIVATE: &str = "private, no-cache";
const NO_STORE: &str = "no-store";

fn header<'a>(r: &'a Reply, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

#[track_caller]
fn assert_caching(r: &Reply, control: &str, what: &str) {
    assert_eq!(
        header(r, "access-control-expose-headers"),
        Some("ETag, Retry-After"),
        "{what}: a browser may read the tag and when to retry"
    );
    assert_eq!(
        header(r, "cache-control"),
        Some(control),
        "{what}: {}",
        r.status
    );
    let vary = header(r, "vary");
    if control == NO_STORE {
        assert_eq!(vary, None, "{what}");
    } else {
        assert_eq!(vary, Some("Authorization"), "{what}");
        assert!(header(r, "etag").is_some(), "{what} has an ETag");
    }
}

fn with(c: Call, token: Option<&str>) -> Call {
    match token {
        Some(token) => c.token(token),
        None => c,
    }
}

#[tokio::test]
async fn every_answer_says_what_a_cache_may_keep_of_it() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Cached", &["t"]).await;
    comment(&app, &jake, &slug, "hi").await;

    let reads = [
        call("GET", "/api/articles/{slug}").param("slug", &slug),
        call("GET", "/api/articles"),
        call("GET", "/api/articles").query("tag", "t"),
        call("GET", "/api/profiles/{username}").param("username", "jake"),
        call("GET", "/api/articles/{slug}/comments").param("slug", &slug),
        call("GET", "/api/tags"),
    ];
    for read in &reads {
        let what = format!("{} {}", read.method(), read.route());
        // Without a token: the same for everyone, kept by the edge.
        let r = send(&app, read.clone()).await;
        assert_status(&r, 200);
        assert_caching(&r, PUBLIC, &what);
        // With one: the caller's own.
        let r = send(&app, read.clone().token(&jake)).await;
        assert_status(&r, 200);
        assert_caching(&r, PRIVATE, &what);
    }
    let r = feed(&app, Some(&jake), &[]).await;
    assert_caching(&r, PRIVATE, "the feed");

    // What carries a token, every write, the health check and every error.
    let r = send(&app, call("GET", "/api/user").token(&jake)).await;
    assert_caching(&r, NO_STORE, "the current user");
    let login = call("POST", "/api/users/login")
        .json(json!({"user": {"email": "jake@example.com", "password": PASSWORD}}));
    assert_caching(&send(&app, login).await, NO_STORE, "login");
    let r = update_article(&app, Some(&jake), &slug, json!({"description": "d2"})).await;
    assert_caching(&r, NO_STORE, "an edit");
    assert_caching(
        &favorite(&app, Some(&jake), &slug).await,
        NO_STORE,
        "a favorite",
    );
    assert_caching(
        &send(&app, call("GET", "/api/health")).await,
        NO_STORE,
        "health",
    );
    let r = get_article(&app, "no-such-article", None).await;
    assert_status(&r, 404);
    assert_caching(&r, NO_STORE, "a 404");
    assert_caching(&feed(&app, None, &[]).await, NO_STORE, "a 401");
}

#[tokio::test]
async fn a_current_copy_is_answered_304_and_a_changed_one_in_full() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let slug = create_article(&app, &jake, "Tagged", &[]).await;

    for token in [None, Some(ann.as_str())] {
        let read = || {
            with(
                call("GET", "/api/articles/{slug}").param("slug", &slug),
                token,
            )
        };
        let first = send(&app, read()).await;
        let tag = header(&first, "etag").expect("an ETag").to_owned();
        let again = send(&app, read().header("if-none-match", &tag)).await;
        assert_eq!(again.status, 304);
        assert_eq!(again.body, serde_json::Value::Null, "a 304 has no body");
        assert_eq!(header(&again, "etag"), Some(tag.as_str()));
        assert!(header(&again, "cache-control").is_some());
        let weak = send(
            &app,
            read().header("if-none-match", &format!("\"x\", W/{tag}")),
        )
        .await;
        assert_eq!(weak.status, 304, "weak comparison, in a list");
        let other = send(&app, read().header("if-none-match", "\"other\"")).await;
        assert_status(&other, 200);
    }

    // A favorite changes the answer, so the tag: the old one gets it whole.
    let read = || call("GET", "/api/articles/{slug}").param("slug", &slug);
    let tag = header(&send(&app, read()).await, "etag")
        .unwrap()
        .to_owned();
    assert_status(&favorite(&app, Some(&ann), &slug).await, 200);
    let r = send(&app, read().header("if-none-match", &tag)).await;
    assert_status(&r, 200);
    assert_eq!(r.body["article"]["favoritesCount"], 1);
    assert_ne!(header(&r, "etag"), Some(tag.as_str()));

    // Lists too.
    let list = || call("GET", "/api/articles");
    let tag = header(&send(&app, list()).await, "etag")
        .unwrap()
        .to_owned();
    assert_eq!(
        send(&app, list().header("if-none-match", &tag))
            .await
            .status,
        304
    );
    create_article(&app, &jake, "Newer", &[]).await;
    assert_status(&send(&app, list().header("if-none-match", &tag)).await, 200);
}

#[tokio::test]
async fn an_edit_or_deletion_with_if_match_refuses_to_overwrite_what_it_never_saw() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let slug = create_article(&app, &jake, "Draft", &[]).await;
    let read = get_article(&app, &slug, Some(&jake)).await;
    let seen = header(&read, "etag").unwrap().to_owned();
    let edit = |tag: &str, description: &str| {
        call("PUT", "/api/articles/{slug}")
            .param("slug", &slug)
            .token(&jake)
            .header("if-match", tag)
            .json(json!({"article": {"description": description}}))
    };

    // A favorite is not an edit: the tag still names the version.
    assert_status(&favorite(&app, Some(&ann), &slug).await, 200);
    let first = send(&app, edit(&seen, "first")).await;
    assert_status(&first, 200);
    let after = header(&first, "etag").unwrap().to_owned();

    // The same client's stale tag: 412, and nothing written.
    let stale = send(&app, edit(&seen, "second")).await;
    assert_reply(
        &stale,
        412,
        errors(json!({"article": ["has changed since it was read"]})),
    );
    assert_caching(&stale, NO_STORE, "a 412");
    let now = get_article(&app, &slug, None).await;
    assert_eq!(now.body["article"]["description"], "first");
    // A tag this API never issued matches nothing; `*` matches anything.
    assert_eq!(send(&app, edit("\"made-up\"", "x")).await.status, 412);
    assert_status(&send(&app, edit("*", "third")).await, 200);
    // Without If-Match, the server's own versioning as before.
    assert_status(
        &update_article(&app, Some(&jake), &slug, json!({"description": "fourth"})).await,
        200,
    );

    // (Its favorite would outlive the deletion until the stream worker's
    // cleanup, which this table does not run.)
    assert_status(&unfavorite(&app, Some(&ann), &slug).await, 200);
    let delete = |tag: &str| {
        call("DELETE", "/api/articles/{slug}")
            .param("slug", &slug)
            .token(&jake)
            .header("if-match", tag)
    };
    assert_eq!(send(&app, delete(&after)).await.status, 412);
    assert_status(&get_article(&app, &slug, None).await, 200);
    let current = header(&get_article(&app, &slug, None).await, "etag")
        .unwrap()
        .to_owned();
    assert_eq!(send(&app, delete(&current)).await.status, 204);

    // The user's settings, likewise.
    let me = send(&app, call("GET", "/api/user").token(&ann)).await;
    let seen = header(&me, "etag").unwrap().to_owned();
    let again = send(&app, call("GET", "/api/user").token(&ann)).await;
    assert_eq!(
        header(&again, "etag"),
        Some(seen.as_str()),
        "a new token is not a new version"
    );
    let settings = |tag: &str, bio: &str| {
        call("PUT", "/api/user")
            .token(&ann)
            .header("if-match", tag)
            .json(json!({"user": {"bio": bio}}))
    };
    assert_status(&send(&app, settings(&seen, "one")).await, 200);
    let stale = send(&app, settings(&seen, "two")).await;
    assert_reply(
        &stale,
        412,
        errors(json!({"user": ["has changed since it was read"]})),
    );
    let me = send(&app, call("GET", "/api/user").token(&ann)).await;
    assert_eq!(me.body["user"]["bio"], "one");
    audit::assert_consistent(&app).await;
}

const SECRET: &str = "edge-only-7f3a";

#[tokio::test]
async fn with_the_edge_on_a_request_around_it_is_refused_and_limits_count_the_viewer() {
    let app = harness::apps_configured(1, |c| {
        c.origin_secret = Some(SecretSource::Value(shared::ground::config::Secret::new(
            SECRET.as_bytes().to_vec(),
        )));
        c.rate_limits.login_per_ip = Rule::parse("login-ip", "2/60").unwrap();
    })
    .await
    .remove(0);
    let through = |c: Call, viewer: &str| {
        c.header("x-origin-verify", SECRET)
            .header("cloudfront-viewer-address", viewer)
    };

    for around in [
        call("GET", "/api/tags"),
        call("GET", "/api/tags").header("x-origin-verify", "guess"),
        call("GET", "/api/tags").header("x-origin-verify", &format!("{SECRET}x")),
    ] {
        let r = send(&app, around).await;
        assert_reply(
            &r,
            403,
            errors(json!({"origin": ["requests must come through the edge"]})),
        );
        assert_caching(&r, NO_STORE, "a refusal");
    }
    let r = send(&app, through(call("GET", "/api/tags"), "198.51.100.7:4431")).await;
    assert_status(&r, 200);

    // Every request reaches API Gateway from the edge's address; the limit
    // is the viewer's, IPv4 or IPv6.
    let login = |viewer: &str| {
        through(
            call("POST", "/api/users/login")
                .from_ip("203.0.113.1")
                .json(json!({"user": {"email": "nobody@example.com", "password": "whatever1"}})),
            viewer,
        )
    };
    for _ in 0..2 {
        assert_status(&send(&app, login("198.51.100.7:4431")).await, 401);
    }
    harness::assert_rate_limited(&send(&app, login("198.51.100.7:5000")).await);
    assert_status(&send(&app, login("2001:db8::7:4431")).await, 401);
    assert_status(&send(&app, login("198.51.100.8:4431")).await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_edits_sent_with_one_tag_exactly_one_lands() {
    use std::sync::Arc;
    let apps: Vec<Arc<TestApp>> = harness::apps(4).await.into_iter().map(Arc::new).collect();
    let jake = register(&apps[0], "jake").await;
    let slug = create_article(&apps[0], &jake, "Contested", &[]).await;
    let read = get_article(&apps[0], &slug, Some(&jake)).await;
    let seen = header(&read, "etag").unwrap().to_owned();
    let edits = (0..12).map(|i| {
        let (app, jake, slug, seen) = (
            Arc::clone(&apps[i % apps.len()]),
            jake.clone(),
            slug.clone(),
            seen.clone(),
        );
        async move {
            let c = call("PUT", "/api/articles/{slug}")
                .param("slug", &slug)
                .token(&jake)
                .header("if-match", &seen)
                .json(json!({"article": {"description": format!("edit {i}")}}));
            let r = send(&app, c).await;
            (r.status, r.body["article"]["description"].clone())
        }
    });
    let outcomes = all_at_once(edits).await;
    let landed: Vec<_> = outcomes.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(landed.len(), 1, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|(s, _)| *s == 200 || *s == 412),
        "{outcomes:?}"
    );
    let now = get_article(&apps[0], &slug, None).await;
    assert_eq!(now.body["article"]["description"], landed[0].1);
    audit::assert_consistent(&apps[0]).await;
}

#[tokio::test]
async fn a_current_copy_of_an_article_is_told_without_reading_its_body() {
    use conduit_tools::meter::measure;
    let app = app().await;
    let jake = register(&app, "jake").await;
    // A body of some 40 KB: ten read units of its own.
    let long = "word ".repeat(8_000);
    let r = create_article_body(
        &app,
        Some(&jake),
        json!({"article": {"title": "Long", "description": "d", "body": long, "tagList": []}}),
    )
    .await;
    let slug = slug_of(&r);
    let read = || call("GET", "/api/articles/{slug}").param("slug", &slug);

    let (full, whole) = measure(send(&app, read())).await;
    assert_status(&full, 200);
    let tag = header(&full, "etag").unwrap().to_owned();
    assert_eq!(
        header(&r, "etag"),
        Some(tag.as_str()),
        "the answer to the create names the same version and view"
    );
    let (current, told) = measure(send(&app, read().header("if-none-match", &tag))).await;
    assert_eq!(current.status, 304);
    assert_eq!(header(&current, "etag"), Some(tag.as_str()));
    assert_eq!(header(&current, "cache-control"), Some(PUBLIC));
    assert!(
        told.read_units + 9.0 <= whole.read_units,
        "a 304 reads no body: {told:?} against {whole:?}"
    );
    assert_eq!(told.calls, whole.calls, "claim, then one batch");

    // A stale copy: the article whole, its body read after.
    let (stale, again) = measure(send(&app, read().header("if-none-match", "\"v0-0\""))).await;
    assert_status(&stale, 200);
    assert_eq!(stale.body, full.body);
    assert_eq!(header(&stale, "etag"), Some(tag.as_str()));
    assert_eq!(again.calls, whole.calls + 1, "the body, read after");
}

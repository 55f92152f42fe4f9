//! The items every write of one kind would otherwise meet on are spread over
//! several: an article's favorites count, the all-articles list and its
//! count, the tags index. Counts stay exact under concurrent writes, and
//! reads merge the shards back into one answer.

use std::{collections::BTreeSet, sync::Arc};

use conduit_tests::harness;
use shared::ground::keys::{ARTICLE_SHARDS, TAG_SHARDS};

use crate::*;

/// The partition and sort keys of every item in the table.
async fn keys_of(app: &App) -> Vec<(String, String)> {
    audit::scan(app)
        .await
        .iter()
        .map(|item| {
            let text = |name: &str| item[name].as_s().cloned().unwrap_or_default();
            (text("pk"), text("sk"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_favorites_of_one_article_spread_over_its_head_and_its_all_articles_entry_and_count_exactly()
 {
    let apps: Vec<Arc<TestApp>> = harness::apps(4).await.into_iter().map(Arc::new).collect();
    let jake = register(&apps[0], "jake").await;
    let slug = create_article(&apps[0], &jake, "Viral", &[]).await;
    let mut fans = Vec::new();
    for i in 0..32 {
        fans.push(register(&apps[0], &format!("fan{i}")).await);
    }
    let favorites = fans.iter().enumerate().map(|(i, fan)| {
        let (app, fan, slug) = (Arc::clone(&apps[i % apps.len()]), fan.clone(), slug.clone());
        async move { favorite(&app, Some(&fan), &slug).await.status }
    });
    let statuses = all_at_once(favorites).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let r = get_article(&apps[0], &slug, None).await;
    assert_eq!(r.body["article"]["favoritesCount"], 32);
    // The all-articles list has the entry's share from its own query; the
    // author's list reads it with the head.
    for query in [&[][..], &[("author", "jake")][..]] {
        let r = list(&apps[0], None, query).await;
        assert_eq!(r.body["articles"][0]["favoritesCount"], 32, "{query:?}");
    }

    // The count is kept on two items, the head and the article's
    // all-articles entry; with 32 favorites at random, both took some.
    let items = audit::scan(&apps[0]).await;
    let used = items
        .iter()
        .filter(|item| {
            let text = |name: &str| item[name].as_s().cloned().unwrap_or_default();
            let counter = text("sk") == "ARTICLE"
                || (text("pk").starts_with("ARTICLES#") && text("sk").starts_with("ARTICLE#"));
            counter
                && item
                    .get("favorites")
                    .is_some_and(|n| n.as_n().is_ok_and(|n| n != "0"))
        })
        .count();
    assert_eq!(used, 2, "favorites went to {used} counter(s)");

    // Half of them unfavorite at once: the sum stays exact.
    let unfavorites = fans.iter().take(16).enumerate().map(|(i, fan)| {
        let (app, fan, slug) = (Arc::clone(&apps[i % apps.len()]), fan.clone(), slug.clone());
        async move { unfavorite(&app, Some(&fan), &slug).await.status }
    });
    assert!(all_at_once(unfavorites).await.iter().all(|s| *s == 200));
    let r = get_article(&apps[0], &slug, Some(&fans[0])).await;
    assert_eq!(r.body["article"]["favoritesCount"], 16);
    assert_eq!(r.body["article"]["favorited"], false);
    audit::assert_consistent(&apps[0]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn articles_spread_over_the_list_shards_and_list_as_one() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    let apps: Vec<Arc<TestApp>> = harness::apps(4).await.into_iter().map(Arc::new).collect();
    // One article per author: what is shared between them is the list and
    // its count, spread over the shards.
    let mut authors = Vec::new();
    for i in 0..40 {
        authors.push(register(&apps[0], &format!("author{i}")).await);
    }
    let creates = (0..40).map(|i| {
        let (app, token) = (Arc::clone(&apps[i % 4]), authors[i].clone());
        async move { create_article(&app, &token, &format!("Piece {i}"), &[]).await }
    });
    let made: BTreeSet<String> = all_at_once(creates).await.into_iter().collect();
    assert_eq!(made.len(), 40);

    let shards: BTreeSet<String> = keys_of(&apps[0])
        .await
        .into_iter()
        .filter(|(pk, sk)| pk.starts_with("ARTICLES#") && sk.starts_with("ARTICLE#"))
        .map(|(pk, _)| pk)
        .collect();
    assert!(
        shards.len() > 1 && shards.len() <= ARTICLE_SHARDS as usize,
        "entries in {shards:?}"
    );
    let r = list(&apps[0], None, &[("limit", "100")]).await;
    assert_eq!(count(&r), 40);
    let listed = slugs(&r);
    assert_eq!(listed.iter().cloned().collect::<BTreeSet<_>>(), made);
    // Newest first across shards: creation times never go up down the page.
    let times: Vec<&str> = r.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["createdAt"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    audit::assert_consistent(&apps[0]).await;
}

#[tokio::test]
async fn tags_spread_over_the_index_partitions_and_list_by_use() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    // tag k is used 12 - k times, so the order is known.
    let names: Vec<String> = (0..12).map(|k| format!("tag{k:02}")).collect();
    for round in 0..12 {
        let tags: Vec<&str> = names[..12 - round].iter().map(String::as_str).collect();
        let tags: Vec<&str> = tags.into_iter().take(10).collect();
        create_article(&app, &jake, &format!("Tagged {round}"), &tags).await;
    }
    let partitions: BTreeSet<String> = audit::scan(&app)
        .await
        .iter()
        .filter_map(|item| item.get("tags_pk")?.as_s().ok().cloned())
        .collect();
    assert!(
        partitions.len() > 1 && partitions.len() <= TAG_SHARDS as usize,
        "counters in {partitions:?}"
    );
    let listed = tags(&app).await;
    let mut expected = names[..10].to_vec();
    // tag10 and tag11 were never among an article's first ten.
    expected.retain(|t| t != "tag10" && t != "tag11");
    assert_eq!(listed, expected, "most used first, across partitions");
}

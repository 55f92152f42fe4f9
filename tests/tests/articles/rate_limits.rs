//! Per-user limits on writing articles and comments: past the limit a 429
//! in the RealWorld error shape says when to retry, nothing is written, and
//! other users are not affected. Concurrent requests get exactly the limit.

use std::sync::Arc;

use conduit_tests::harness::{self, assert_rate_limited};
use serde_json::json;
use shared::ground::config::Rule;

use crate::*;

fn rule(name: &'static str, text: &str) -> Option<Rule> {
    Rule::parse(name, text).expect("a valid rule")
}

#[tokio::test]
async fn a_user_past_the_article_limit_gets_a_429_and_writes_nothing() {
    let app = harness::apps_configured(1, |c| {
        c.rate_limits.articles_per_user = rule("article-user", "2/3600");
    })
    .await
    .remove(0);
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    create_article(&app, &jake, "One", &[]).await;
    create_article(&app, &jake, "Two", &[]).await;
    let r = create_article_body(&app, Some(&jake), draft("Three", &["t"])).await;
    assert_rate_limited(&r);
    // Nothing of it was written; another user still may.
    create_article(&app, &ann, "Ann's", &[]).await;
    assert_eq!(count(&list(&app, None, &[("author", "jake")]).await), 2);
    assert!(tags(&app).await.is_empty());
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn a_user_past_the_comment_limit_gets_a_429() {
    let app = harness::apps_configured(1, |c| {
        c.rate_limits.comments_per_user = rule("comment-user", "3/3600");
    })
    .await
    .remove(0);
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let slug = create_article(&app, &jake, "Talk", &[]).await;
    for i in 0..3 {
        comment(&app, &ann, &slug, &format!("comment {i}")).await;
    }
    assert_rate_limited(&create_comment(&app, Some(&ann), &slug, json!("one more")).await);
    comment(&app, &jake, &slug, "the author may still answer").await;
    assert_eq!(
        comment_ids(&list_comments(&app, None, &slug).await).len(),
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_comments_get_exactly_the_limit() {
    let apps: Vec<Arc<TestApp>> = harness::apps_configured(3, |c| {
        c.rate_limits.comments_per_user = rule("comment-user", "5/3600");
    })
    .await
    .into_iter()
    .map(Arc::new)
    .collect();
    let jake = register(&apps[0], "jake").await;
    let slug = create_article(&apps[0], &jake, "Rush", &[]).await;
    let attempts = (0..16).map(|i| {
        let (app, jake, slug) = (Arc::clone(&apps[i % 3]), jake.clone(), slug.clone());
        async move {
            create_comment(&app, Some(&jake), &slug, json!(format!("rush {i}")))
                .await
                .status
        }
    });
    let statuses = all_at_once(attempts).await;
    let created = statuses.iter().filter(|s| **s == 201).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((created, limited), (5, 11), "{statuses:?}");
    assert_eq!(
        comment_ids(&list_comments(&apps[0], None, &slug).await).len(),
        5
    );
}

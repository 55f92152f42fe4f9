//! A transaction DynamoDB cancels for throughput (`ThrottlingError` reasons,
//! which DynamoDB Local never gives): a 503 with `Retry-After` that a client
//! may retry, and nothing of the write left behind.

use conduit_tools::faults::{Fault, FaultProxy};
use serde_json::json;

use crate::*;

#[tokio::test]
async fn a_transaction_cancelled_for_throughput_is_a_503_with_retry_after_and_writes_nothing() {
    let proxy = FaultProxy::start(&harness::endpoint()).await;
    let app = harness::apps_on(std::slice::from_ref(&proxy.endpoint))
        .await
        .remove(0);
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Before", &["t"]).await;

    proxy.inject(Fault::TransactionThrottled, &["TransactWriteItems"]);
    let create = create_article_body(
        &app,
        Some(&jake),
        json!({"article": {"title": "During", "description": "d", "body": "b", "tagList": ["t"]}}),
    )
    .await;
    let favorited = favorite(&app, Some(&jake), &slug).await;
    for (what, reply) in [("create", &create), ("favorite", &favorited)] {
        assert_reply(
            reply,
            503,
            errors(json!({"service": ["is temporarily unavailable, retry later"]})),
        );
        assert_eq!(reply.headers["retry-after"], "1", "{what}");
    }
    assert!(proxy.injected() >= 2, "the transactions reached the fault");

    proxy.heal();
    assert_list(&list(&app, None, &[]).await, &[&slug], 1);
    let article = get_article(&app, &slug, Some(&jake)).await;
    assert_eq!(article.body["article"]["favoritesCount"], 0);
    audit::assert_consistent(&app).await;
}

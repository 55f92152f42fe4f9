//! The operator's tool (`conduit-admin`), run as its binary runs it, against
//! tables that a fault, a failed job or a cut-short request left wrong.

use aws_sdk_dynamodb::types::AttributeValue;
use conduit_tests::harness;
use conduit_tools::{
    admin::{self, Outcome},
    faults::{Fault, FaultProxy},
};
use shared::{
    ground::keys::{self, Position},
    store::Store,
};

use super::*;

/// Runs `conduit-admin <args>` on `store`: how it ended, and what it printed.
async fn admin(store: &Store, args: &[&str]) -> (Result<Outcome, String>, String) {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let mut out = String::new();
    let result = admin::run(store, &args, &mut out).await;
    (result, out)
}

async fn user_id(app: &App, username: &str) -> String {
    app.store
        .users()
        .by_username(username)
        .await
        .unwrap()
        .expect("registered")
        .id
}

#[tokio::test]
async fn the_audit_finds_what_a_fault_left_and_rebuilding_a_feed_repairs_it() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let alice = register(&app, "alice").await;
    let carl = register(&app, "carl").await;
    let bob = register(&app, "bob").await;
    let mut followed = Vec::new();
    for title in ["One", "Two", "Three"] {
        followed.push(create_article(&app, &jake, title, &[]).await);
    }
    followed.push(create_article(&app, &alice, "Four", &[]).await);
    let not_followed = create_article(&app, &carl, "Five", &[]).await;
    follow(&app, &bob, "jake").await;
    follow(&app, &bob, "alice").await;
    let (result, out) = admin(&app.store, &["audit"]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");

    // What a fault could leave: an entry lost, one for an article that is
    // gone, one for an author not followed, and a count that is wrong.
    let bob_id = user_id(&app, "bob").await;
    let feed = keys::feed(&bob_id);
    let table = app.store.table();
    let entry_of = |article: &shared::store::records::ArticleRecord| {
        feed.entry(&Position::new(&article.created_at, &article.id))
    };
    let lost = app.store.articles().by_slug(&followed[0]).await.unwrap();
    table.delete("test", &entry_of(&lost)).await.unwrap();
    let carls = app.store.articles().by_slug(&not_followed).await.unwrap();
    table.put("test", entry_of(&carls).to_map()).await.unwrap();
    let ghost = feed.entry(&Position::new(
        "2026-01-01T00:00:00.000Z",
        "01a24a43-0000-7000-8000-000000000000",
    ));
    table.put("test", ghost.to_map()).await.unwrap();
    table
        .client()
        .update_item()
        .table_name(table.name())
        .set_key(Some(keys::user_counts(&bob_id).to_map()))
        .update_expression("SET feed_count = :n")
        .expression_attribute_values(":n", AttributeValue::N("99".into()))
        .send()
        .await
        .unwrap();

    let (result, out) = admin(&app.store, &["audit"]).await;
    assert_eq!(result, Ok(Outcome::Unfinished), "{out}");
    assert!(out.contains("feed_count is 99, has 5"), "{out}");
    assert!(out.contains("names a missing article"), "{out}");
    assert!(out.contains("problems"), "{out}");

    // Each entry added or removed moves the count with it (99 + 1 - 2),
    // then the count is set to the entries.
    let (result, out) = admin(&app.store, &["rebuild-feed", "bob"]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    assert!(
        out.contains("added: 1, removed: 2, recounted: Some((98, 4)), finished: true"),
        "{out}"
    );
    let (result, out) = admin(&app.store, &["audit"]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    let page = super::feed(&app, Some(&bob), &[]).await;
    let mut shown = slugs(&page);
    shown.sort();
    followed.sort();
    assert_eq!((shown, count(&page)), (followed, 4));

    let (result, out) = admin(&app.store, &["rebuild-feed", "bob"]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    assert!(
        out.contains("added: 0, removed: 0, recounted: None, finished: true"),
        "a second run changes nothing: {out}"
    );
}

#[tokio::test]
async fn failed_jobs_are_listed_run_again_and_finished_in_place() {
    let proxy = FaultProxy::start(&harness::endpoint()).await;
    let mut apps = harness::streamed_apps_on(&[harness::endpoint(), proxy.endpoint.clone()]).await;
    let worker_store = apps[1].store.clone();
    let mut worker = harness::worker(&apps[0]).await;
    let jake = register(&apps[0], "jake").await;
    let bob = register(&apps[0], "bob").await;
    follow(&apps[0], &bob, "jake").await;
    harness::run_worker(&apps[0], &mut worker).await;

    // Requests cut short after their writes, and a worker whose every
    // transaction is throttled: the publish jobs fail for good.
    apps[0].store = apps[0].store.deferring_jobs();
    let first = create_article(&apps[0], &jake, "First", &[]).await;
    let second = create_article(&apps[0], &jake, "Second", &[]).await;
    proxy.inject(Fault::TransactionThrottled, &["TransactWriteItems"]);
    worker.drain(&worker_store, 1_000).await.unwrap();
    let (result, out) = admin(&apps[0].store, &["jobs", "failed"]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    let first_id = apps[0].store.articles().by_slug(&first).await.unwrap().id;
    let second_id = apps[0].store.articles().by_slug(&second).await.unwrap().id;
    for id in [&first_id, &second_id] {
        assert!(
            out.contains(&format!("JOB#PUBLISH#{id} failed attempts=5")),
            "{out}"
        );
    }
    assert!(out.contains("2 failed jobs"), "{out}");
    let (result, out) = admin(&apps[0].store, &["audit"]).await;
    assert_eq!(result, Ok(Outcome::Unfinished), "{out}");
    assert!(
        out.contains(&format!("job JOB#PUBLISH#{first_id} failed")),
        "{out}"
    );

    // The database heals: one job re-driven through the worker, the other
    // finished in place.
    proxy.heal();
    let first_job = format!("JOB#PUBLISH#{first_id}");
    let (result, out) = admin(&apps[0].store, &["redrive", &first_job]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    assert!(out.contains("running again"), "{out}");
    harness::run_worker(&apps[1], &mut worker).await;
    let second_job = format!("JOB#PUBLISH#{second_id}");
    let (result, out) = admin(&apps[0].store, &["finish", &second_job]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    assert!(out.contains("changed: 1"), "{out}");
    harness::run_worker(&apps[1], &mut worker).await;
    let (_, out) = admin(&apps[0].store, &["jobs", "failed"]).await;
    assert!(out.contains("0 failed jobs"), "{out}");
    let (result, out) = admin(&apps[0].store, &["audit"]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    assert_eq!(count(&super::feed(&apps[0], Some(&bob), &[]).await), 2);

    // A deletion whose cleanup fails for good is finished from where its
    // saved state got to, and leaves no failed job behind.
    let fan = register(&apps[0], "fan").await;
    assert_status(&favorite(&apps[0], Some(&fan), &first).await, 200);
    comment(&apps[0], &fan, &first, "so good").await;
    assert_status(&delete_article(&apps[0], Some(&jake), &first).await, 204);
    proxy.inject(Fault::TransactionThrottled, &["TransactWriteItems"]);
    worker.drain(&worker_store, 1_000).await.unwrap();
    let (_, out) = admin(&apps[0].store, &["jobs", "failed"]).await;
    assert!(
        out.contains(&format!("JOB#UNPUBLISH#{first_id} failed")),
        "{out}"
    );
    proxy.heal();
    let (result, out) = admin(&apps[0].store, &["finish-cleanup", &first_id]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    assert!(
        out.contains("changed: 1, favorites: 1, comments: 1, finished: true"),
        "{out}"
    );
    harness::run_worker(&apps[1], &mut worker).await;
    let (_, out) = admin(&apps[0].store, &["jobs", "failed"]).await;
    assert!(out.contains("0 failed jobs"), "{out}");
    let (result, out) = admin(&apps[0].store, &["audit"]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
}

#[tokio::test]
async fn a_cleanup_no_job_saved_is_finished_from_the_article_named() {
    let mut app = app().await;
    let jake = register(&app, "jake").await;
    let bob = register(&app, "bob").await;
    follow(&app, &bob, "jake").await;
    let slug = create_article(&app, &jake, "Gone", &[]).await;
    let kept = create_article(&app, &jake, "Kept", &[]).await;
    for i in 0..3 {
        let fan = register(&app, &format!("fan{i}")).await;
        assert_status(&favorite(&app, Some(&fan), &slug).await, 200);
        comment(&app, &fan, &slug, "hi").await;
    }
    let article = app.store.articles().by_slug(&slug).await.unwrap();
    // The deletion's request ends with its write, and its stream record
    // never reaches a worker.
    app.store = app.store.deferring_jobs();
    assert_status(&delete_article(&app, Some(&jake), &slug).await, 204);
    let (result, _) = admin(&app.store, &["audit"]).await;
    assert_eq!(result, Ok(Outcome::Unfinished));

    let (result, _) = admin(&app.store, &["finish-cleanup", &article.id]).await;
    let err = result.expect_err("without a saved job, the article must be named in full");
    assert!(err.contains("--author and --created-at"), "{err}");
    let named = [
        "finish-cleanup",
        &article.id,
        "--author",
        &article.author_id,
        "--created-at",
        &article.created_at,
    ];
    let (result, out) = admin(&app.store, &named).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    assert!(
        out.contains("changed: 1, favorites: 3, comments: 3, finished: true"),
        "{out}"
    );
    let (result, out) = admin(&app.store, &["audit"]).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    let (result, out) = admin(&app.store, &named).await;
    assert_eq!(result, Ok(Outcome::Done), "{out}");
    assert!(
        out.contains("changed: 0, favorites: 0, comments: 0, finished: true"),
        "a second run changes nothing: {out}"
    );

    // A live article has nothing to clean up, whatever it is called.
    let live = app.store.articles().by_slug(&kept).await.unwrap();
    let (result, _) = admin(
        &app.store,
        &[
            "finish-cleanup",
            &live.id,
            "--author",
            &live.author_id,
            "--created-at",
            &live.created_at,
        ],
    )
    .await;
    assert!(result.expect_err("refused").contains("exists"));
    assert_eq!(count(&super::feed(&app, Some(&bob), &[]).await), 1);

    // Mistakes in the arguments say what is wrong, and do nothing.
    for (args, says) in [
        (&["rebuild-feed"][..], "whose"),
        (&["rebuild-feed", "nobody"][..], "no user"),
        (&["jobs", "sideways"][..], "no job status"),
        (&["redrive", "USER#x"][..], "is not a job"),
        (&["redrive", "JOB#PUBLISH#none"][..], "no job"),
        (&["audit", "extra"][..], "unexpected"),
        (
            &["finish", "JOB#PUBLISH#none", "--seconds"][..],
            "needs a value",
        ),
        (&["bake"][..], "no command"),
    ] {
        let (result, _) = admin(&app.store, args).await;
        let err = result.expect_err("refused");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn the_audit_pages_through_a_table_and_waits_while_it_is_throttled() {
    let proxy = FaultProxy::start(&harness::endpoint()).await;
    let apps = harness::apps_on(&[harness::endpoint(), proxy.endpoint.clone()]).await;
    let jake = register(&apps[0], "jake").await;
    let bob = register(&apps[0], "bob").await;
    follow(&apps[0], &bob, "jake").await;
    for title in ["One", "Two", "Three"] {
        create_article(&apps[0], &jake, title, &["tag"]).await;
    }
    let (result, whole) = admin(&apps[0].store, &["audit"]).await;
    assert_eq!(result, Ok(Outcome::Done), "{whole}");

    // Pages of seven items, and a table that throttles the scan for a while.
    proxy.inject(Fault::Throttling, &["Scan"]);
    let healer = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
        proxy.heal();
        proxy
    });
    let (result, paged) = admin(&apps[1].store, &["audit", "--page", "7"]).await;
    let proxy = healer.await.unwrap();
    assert_eq!(result, Ok(Outcome::Done), "{paged}");
    assert!(proxy.injected() > 0, "the scan met the throttling");
    assert_eq!(paged, whole, "the same items, page by page");
}

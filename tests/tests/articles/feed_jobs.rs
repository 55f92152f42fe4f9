//! The feed's writes: a request does the first page of what it causes at
//! once, the stream worker the rest, and together they leave every feed
//! holding exactly the articles of the authors its reader follows, with an
//! exact count, however the writes interleave.

use futures::StreamExt;
use std::sync::Arc;

use conduit_tests::harness;
use serde_json::json;
use shared::store::jobs::AT_ONCE;

use crate::*;

/// How many of `readers` see `slug` at the top of their feed.
async fn readers_seeing(app: &App, readers: &[String], slug: &str) -> usize {
    let mut seeing = 0;
    for reader in readers {
        let r = feed(app, Some(reader), &[("limit", "1")]).await;
        if slugs(&r).first().map(String::as_str) == Some(slug) {
            seeing += 1;
        }
    }
    seeing
}

#[tokio::test]
async fn a_post_reaches_a_page_of_followers_at_once_and_the_rest_through_the_worker() {
    let app = harness::streamed_app().await;
    let mut worker = harness::worker(&app).await;
    let jake = register(&app, "jake").await;
    let mut readers = Vec::new();
    for i in 0..AT_ONCE + 15 {
        let reader = register(&app, &format!("reader{i}")).await;
        follow(&app, &reader, "jake").await;
        readers.push(reader);
    }
    harness::run_worker(&app, &mut worker).await;
    let slug = create_article(&app, &jake, "News", &[]).await;
    assert_eq!(
        readers_seeing(&app, &readers, &slug).await,
        AT_ONCE,
        "the request itself reaches a page of followers"
    );
    harness::run_worker(&app, &mut worker).await;
    assert_eq!(readers_seeing(&app, &readers, &slug).await, readers.len());
    for reader in &readers {
        assert_list(&feed(&app, Some(reader), &[]).await, &[&slug], 1);
    }
    audit::assert_consistent(&app).await;

    // Deleting it takes it out of every feed the same way.
    assert_status(&delete_article(&app, Some(&jake), &slug).await, 204);
    for reader in &readers {
        // Gone from every page at once, whatever the worker has done.
        let r = feed(&app, Some(reader), &[]).await;
        assert!(slugs(&r).is_empty(), "{}", r.body);
    }
    harness::run_worker(&app, &mut worker).await;
    for reader in &readers {
        assert_list(&feed(&app, Some(reader), &[]).await, &[], 0);
    }
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn following_a_prolific_author_fills_the_first_page_at_once_and_the_rest_after() {
    let app = harness::streamed_app().await;
    let mut worker = harness::worker(&app).await;
    let jake = register(&app, "jake").await;
    let reader = register(&app, "reader").await;
    let mut published = Vec::new();
    for i in 0..AT_ONCE + 10 {
        published.push(create_article(&app, &jake, &format!("Post {i}"), &[]).await);
    }
    published.reverse();
    harness::run_worker(&app, &mut worker).await;

    follow(&app, &reader, "jake").await;
    let first: Vec<&str> = published[..20].iter().map(String::as_str).collect();
    let r = feed(&app, Some(&reader), &[]).await;
    assert_list(&r, &first, AT_ONCE as u64);
    harness::run_worker(&app, &mut worker).await;
    let all: Vec<&str> = published.iter().map(String::as_str).collect();
    assert_list(
        &feed(&app, Some(&reader), &[("limit", "100")]).await,
        &all,
        all.len() as u64,
    );
    audit::assert_consistent(&app).await;

    // Unfollowing hides the author at once and empties the feed after.
    unfollow(&app, &reader, "jake").await;
    let r = feed(&app, Some(&reader), &[("limit", "100")]).await;
    assert!(slugs(&r).is_empty(), "{}", r.body);
    harness::run_worker(&app, &mut worker).await;
    assert_list(&feed(&app, Some(&reader), &[]).await, &[], 0);
    audit::assert_consistent(&app).await;

    // Following again brings everything back.
    follow(&app, &reader, "jake").await;
    harness::run_worker(&app, &mut worker).await;
    assert_eq!(
        count(&feed(&app, Some(&reader), &[]).await),
        all.len() as u64
    );
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn a_feed_job_run_twice_changes_nothing_more() {
    let app = harness::streamed_app().await;
    let jake = register(&app, "jake").await;
    let reader = register(&app, "reader").await;
    follow(&app, &reader, "jake").await;
    create_article(&app, &jake, "Once", &[]).await;
    let mut worker = harness::worker(&app).await;
    harness::run_worker(&app, &mut worker).await;
    // A second delivery of every record, from a fresh reader of the stream.
    let mut again = harness::worker(&app).await;
    harness::run_worker(&app, &mut again).await;
    assert_eq!(count(&feed(&app, Some(&reader), &[]).await), 1);
    audit::assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn follows_unfollows_posts_and_deletions_racing_leave_every_feed_exact() {
    let apps: Vec<Arc<TestApp>> = harness::streamed_apps(3)
        .await
        .into_iter()
        .map(Arc::new)
        .collect();
    let mut worker = harness::worker(&apps[0]).await;
    let authors = ["jake", "ann", "eve"];
    let mut author_tokens = Vec::new();
    for name in authors {
        author_tokens.push(register(&apps[0], name).await);
    }
    let mut readers = Vec::new();
    for i in 0..6 {
        readers.push(register(&apps[0], &format!("reader{i}")).await);
    }
    for round in 0..6 {
        let mut tasks = Vec::new();
        for (i, reader) in readers.iter().enumerate() {
            let app = Arc::clone(&apps[i % apps.len()]);
            let (reader, author) = (reader.clone(), authors[(i + round) % authors.len()]);
            let follows = (i + round) % 2 == 0;
            tasks.push(tokio::spawn(async move {
                let c = call(
                    if follows { "POST" } else { "DELETE" },
                    "/api/profiles/{username}/follow",
                )
                .param("username", author)
                .token(&reader);
                assert_status(&send(&app, c).await, 200);
                None
            }));
        }
        for (i, token) in author_tokens.iter().enumerate() {
            let app = Arc::clone(&apps[(i + 1) % apps.len()]);
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let body = json!({"article": {
                    "title": format!("Round {round} by {i}"),
                    "description": "d",
                    "body": "b",
                }});
                let r = create_article_body(&app, Some(&token), body).await;
                assert_status(&r, 201);
                Some((token, slug_of(&r)))
            }));
        }
        let made: Vec<(String, String)> = futures::future::join_all(tasks)
            .await
            .into_iter()
            .filter_map(|t| t.expect("task ran"))
            .collect();
        // Every other round, one article goes while the feeds are still
        // being written.
        if round % 2 == 1
            && let Some((token, slug)) = made.first()
        {
            assert_status(&delete_article(&apps[2], Some(token), slug).await, 204);
        }
    }
    harness::run_worker(&apps[0], &mut worker).await;
    audit::assert_consistent(&apps[0]).await;
    for reader in &readers {
        let r = feed(&apps[0], Some(reader), &[("limit", "100")]).await;
        assert_eq!(slugs(&r).len() as u64, count(&r), "{}", r.body);
    }
}

/// The user id a token names.
fn id_of(app: &App, token: &str) -> String {
    app.tokens().unwrap().verify(token).unwrap().id
}

#[tokio::test]
async fn an_entry_left_by_a_deletion_racing_an_unfollow_goes_on_the_next_read() {
    let app = harness::streamed_app().await;
    let mut worker = harness::worker(&app).await;
    let jake = register(&app, "jake").await;
    let reader = register(&app, "reader").await;
    follow(&app, &reader, "jake").await;
    let doomed = create_article(&app, &jake, "Doomed", &[]).await;
    let kept = create_article(&app, &jake, "Kept", &[]).await;
    harness::run_worker(&app, &mut worker).await;
    assert_list(&feed(&app, Some(&reader), &[]).await, &[&kept, &doomed], 2);

    // The deletion lands, then the unfollow, before either job has reached
    // the reader: the deletion's job no longer finds the reader among the
    // followers, the unfollow's no longer finds the article.
    let (jake_id, reader_id) = (id_of(&app, &jake), id_of(&app, &reader));
    let article = app.store.articles().by_slug(&doomed).await.unwrap();
    // Both writes land, and neither request gets to its jobs.
    let cut_short = app.store.deferring_jobs();
    cut_short
        .articles()
        .delete(article, &jake_id, None)
        .await
        .unwrap();
    cut_short
        .follows()
        .unfollow(&reader_id, &jake_id)
        .await
        .unwrap();
    harness::run_worker(&app, &mut worker).await;
    assert!(
        !audit::problems(&app).await.is_empty(),
        "the race leaves an entry of the deleted article"
    );

    // The first read of the page shows only what is there and takes the
    // leftover out, with its count.
    assert_list(&feed(&app, Some(&reader), &[]).await, &[], 1);
    assert_list(&feed(&app, Some(&reader), &[]).await, &[], 0);
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn an_unfollowed_authors_entries_go_on_the_next_read_whatever_the_worker_did() {
    let app = harness::streamed_app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    let reader = register(&app, "reader").await;
    follow(&app, &reader, "jake").await;
    follow(&app, &reader, "ann").await;
    let j = create_article(&app, &jake, "Jake's", &[]).await;
    let a = create_article(&app, &ann, "Ann's", &[]).await;
    assert_list(&feed(&app, Some(&reader), &[]).await, &[&a, &j], 2);
    // An unfollow whose purge has not run.
    let (jake_id, reader_id) = (id_of(&app, &jake), id_of(&app, &reader));
    app.store
        .deferring_jobs()
        .follows()
        .unfollow(&reader_id, &jake_id)
        .await
        .unwrap();
    assert_list(&feed(&app, Some(&reader), &[]).await, &[&a], 2);
    assert_list(&feed(&app, Some(&reader), &[]).await, &[&a], 1);
    // The purge, when it runs, finds nothing left to do.
    let mut worker = harness::worker(&app).await;
    harness::run_worker(&app, &mut worker).await;
    assert_list(&feed(&app, Some(&reader), &[]).await, &[&a], 1);
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn a_job_goes_on_from_its_saved_state_a_page_a_step() {
    use shared::store::{
        jobs::{Cursor, Job, JobState, Phase, Status, Stepped},
        records::Published,
    };
    let app = app().await;
    let jake = register(&app, "jake").await;
    let mut readers = Vec::new();
    for i in 0..6 {
        let reader = register(&app, &format!("reader{i}")).await;
        follow(&app, &reader, "jake").await;
        readers.push(id_of(&app, &reader));
    }
    let jake_id = id_of(&app, &jake);
    // Written, with its publish job left to the worker.
    let made = app
        .store
        .deferring_jobs()
        .articles()
        .create(shared::store::articles::NewArticle {
            title: "Resumed".into(),
            description: "d".into(),
            body: "b".into(),
            tag_list: Vec::new(),
            author_id: jake_id.clone(),
        })
        .await
        .unwrap();
    // A state as a step leaves it: followers are read in descending order
    // of their keys, and the first three were done.
    let mut followers: Vec<String> = readers.clone();
    followers.sort();
    followers.reverse();
    let (done, rest) = followers.split_at(3);
    let below = shared::ground::keys::follower(&jake_id, done.last().unwrap()).sk;
    let job = Job::Publish(Published::from(&made));
    let jobs = app.store.jobs();
    jobs.start(&job, "seq-1").await.unwrap();
    let mut state = jobs.state(&job.key()).await.unwrap().expect("started");
    assert_eq!(state.status, Some(Status::Running));
    assert_eq!(
        state.cursor,
        Cursor {
            phase: Phase::Feed,
            below: None
        }
    );
    // The same record delivered again starts nothing anew.
    jobs.start(&job, "seq-1").await.unwrap();
    assert_eq!(jobs.state(&job.key()).await.unwrap(), Some(state.clone()));
    state.cursor.below = Some(below);
    state.version += 1;
    let saved: JobState = state.clone();
    app.store
        .table()
        .put("save job state", job.key().item(&saved).unwrap())
        .await
        .unwrap();

    let stepped = jobs.step(&saved).await.unwrap();
    let Stepped::Finished(progress) = stepped else {
        panic!("one page finishes the job: {stepped:?}");
    };
    assert_eq!(
        progress.changed,
        rest.len(),
        "only the followers after the saved state"
    );
    let has_entry = |reader: &String| {
        let entry = shared::ground::keys::feed(reader).entry(&made.position());
        let app = &app;
        async move {
            app.store
                .table()
                .client()
                .get_item()
                .table_name(app.store.table().name())
                .set_key(Some(entry.to_map()))
                .send()
                .await
                .unwrap()
                .item
                .is_some()
        }
    };
    for reader in done {
        assert!(!has_entry(reader).await, "{reader} was skipped as done");
    }
    for reader in rest {
        assert!(has_entry(reader).await, "{reader} got the article");
    }
    // The step saved the job as finished: it leaves the index, expires, and
    // its record (a step run again) changes nothing.
    let finished = jobs.state(&job.key()).await.unwrap().expect("kept a while");
    assert_eq!(finished.status, None);
    assert!(finished.expires_at.is_some());
    assert_eq!(jobs.step(&saved).await.unwrap(), Stepped::Stale);
    // Another record of the same job starts it from the top, and it
    // completes the rest.
    jobs.start(&job, "seq-2").await.unwrap();
    let restarted = jobs.state(&job.key()).await.unwrap().unwrap();
    assert_eq!(restarted.cursor.below, None);
    let Stepped::Finished(again) = jobs.step(&restarted).await.unwrap() else {
        panic!("one page");
    };
    assert_eq!(again.changed, done.len());
    for reader in &followers {
        assert!(has_entry(reader).await);
    }
    audit::assert_consistent(&app).await;
}

/// A publish to many followers goes a page a step, through records of its
/// own state: jobs that start while it runs finish before it does, rather
/// than wait behind it (`conduit_tools::lanes` models the same at 100,000
/// followers).
#[tokio::test]
async fn jobs_that_start_while_a_large_one_runs_finish_before_it() {
    use shared::store::{
        jobs::{Job, Status},
        records::Published,
        users::NewUser,
    };
    let app = harness::streamed_app().await;
    let star = register(&app, "star").await;
    let star_id = id_of(&app, &star);
    let quiet = register(&app, "quiet").await;
    let quiet_id = id_of(&app, &quiet);
    // 201 followers of the star (three pages of 100), made without the
    // API's hashing.
    let later = app.store.deferring_jobs();
    let fans = (0..201).map(|i| {
        let (later, star_id) = (later.clone(), star_id.clone());
        async move {
            let user = later
                .users()
                .create(NewUser {
                    username: format!("fan{i}"),
                    email: format!("fan{i}@example.com"),
                    password_hash: "not a hash".into(),
                    idempotency_key: None,
                })
                .await
                .unwrap();
            later
                .follows()
                .follow(&user.id, &star_id, 10)
                .await
                .unwrap();
        }
    });
    futures::stream::iter(fans)
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
    // The follows' own jobs have nothing to do: the star has no articles.
    let mut worker = harness::worker(&app).await;
    worker.skip().await.unwrap();

    // The star publishes; then, while its job runs, the quiet author does.
    let big = later
        .articles()
        .create(shared::store::articles::NewArticle {
            title: "To everyone".into(),
            description: "d".into(),
            body: "b".into(),
            tag_list: Vec::new(),
            author_id: star_id.clone(),
        })
        .await
        .unwrap();
    let big = Job::Publish(Published::from(&big));
    worker.round(&app.store).await.unwrap(); // started
    let small = later
        .articles()
        .create(shared::store::articles::NewArticle {
            title: "To no one".into(),
            description: "d".into(),
            body: "b".into(),
            tag_list: Vec::new(),
            author_id: quiet_id,
        })
        .await
        .unwrap();
    let small = Job::Publish(Published::from(&small));
    let jobs = app.store.jobs();
    let running = |job: &Job| {
        let key = job.key();
        async move {
            jobs.state(&key)
                .await
                .unwrap()
                .is_none_or(|s| s.status == Some(Status::Running))
        }
    };
    let mut rounds = 0;
    while running(&small).await {
        worker.round(&app.store).await.unwrap();
        rounds += 1;
        assert!(rounds < 10, "the small job finishes in a few rounds");
    }
    assert!(running(&big).await, "the large job still runs meanwhile");
    harness::run_worker(&app, &mut worker).await;
    assert!(!running(&big).await);
    let stored = jobs.state(&big.key()).await.unwrap().unwrap();
    assert!(stored.version >= 3, "a page a step: {}", stored.version);
    let r = feed(&app, Some(&star), &[]).await;
    assert_status(&r, 200);
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn a_publish_page_that_lands_after_the_deletion_writes_nothing() {
    use conduit_tools::faults::FaultProxy;
    use shared::store::{
        jobs::{Budget, Job},
        records::Published,
    };

    let proxy = FaultProxy::start(&harness::endpoint()).await;
    let mut apps = harness::apps_on(&[harness::endpoint(), proxy.endpoint.clone()]).await;
    let jake = register(&apps[0], "jake").await;
    let bob = register(&apps[0], "bob").await;
    follow(&apps[0], &bob, "jake").await;
    // The create's request ends with its write; its publish job runs later,
    // on a worker whose transactions land two seconds after they are sent.
    let direct = apps[0].store.clone();
    apps[0].store = direct.deferring_jobs();
    let slug = create_article(&apps[0], &jake, "Late", &[]).await;
    apps[0].store = direct;
    let article = Published::from(&apps[0].store.articles().by_slug(&slug).await.unwrap());
    proxy.slow_only(std::time::Duration::from_secs(2), &["TransactWriteItems"]);
    let late = apps[1].store.clone();
    let publish = tokio::spawn(async move {
        let far = std::time::Instant::now() + std::time::Duration::from_secs(30);
        late.jobs()
            .run(&Job::Publish(article), Budget::Until(far))
            .await
    });
    // The job has seen the article and sent its transaction; the article
    // is deleted, and its own job finds no entry to take out.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_status(&delete_article(&apps[0], Some(&jake), &slug).await, 204);
    let progress = publish.await.unwrap().unwrap();
    assert_eq!(
        progress.changed, 0,
        "the late entry was refused: {progress:?}"
    );
    assert_eq!(count(&feed(&apps[0], Some(&bob), &[]).await), 0);
    audit::assert_consistent(&apps[0]).await;
}

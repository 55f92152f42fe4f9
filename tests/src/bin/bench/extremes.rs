//! The extremes: requests a client can make as costly as it likes under a
//! naive design, each measured beside the ordinary request it is a variant
//! of. Target: each costs at most a small constant times the ordinary one.
//!
//! - a favorite of an article at the body limit (50,000 four-byte characters);
//! - a comment page 5,000 comments deep (by cursor);
//! - a feed page at 1, 100 and 5,000 follows;
//! - a 6 MB tag list;
//! - a new article by an author with 5,000 followers, and a follow of an
//!   author with 10,000 articles (each does one page of feed work at once);
//! - an article page 1,000 entries deep, by offset and by cursor.

use std::{path::Path, time::Duration};

use conduit_tests::harness::{Call, call};
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::json;
use shared::{
    ApiError, App, auth,
    db::{
        articles::NewArticle,
        feed::{Budget, Job, Published},
        keys::Position,
        users::NewUser,
    },
    validate::{ARTICLE_BODY_MAX, COMMENT_BODY_MAX},
};

use crate::{Error, Process, proxy::Proxy, report};

/// How big the extremes are: the full run's, or the quick run's.
pub struct Sizes {
    pub comments: usize,
    pub follows: [usize; 3],
    pub followers: usize,
    pub runs: usize,
}

pub const FULL: Sizes = Sizes {
    comments: 5_000,
    follows: [1, 100, 5_000],
    followers: 5_000,
    runs: 5,
};

pub const QUICK: Sizes = Sizes {
    comments: 100,
    follows: [1, 10, 50],
    followers: 50,
    runs: 2,
};

/// One measured request: medians of its runs.
pub struct Case {
    pub case: String,
    pub function: &'static str,
    pub status: u16,
    pub read_units: f64,
    pub write_units: f64,
    pub latency: Duration,
    /// The ordinary request this one is a variant of.
    pub baseline: Option<String>,
}

/// Seeds what the extremes need on `app`'s table, then measures each.
pub async fn run(
    app: &App,
    lambda_dir: &Path,
    env: &[(String, String)],
    proxy: &Proxy,
    sizes: &Sizes,
    prolific_author: &str,
) -> Result<Vec<Case>, Error> {
    let hash = auth::hash_password("extreme password".to_owned()).await?;
    let biggest = *sizes.follows.iter().max().unwrap_or(&1);
    let count = biggest.max(sizes.followers);
    eprintln!("extremes: seeding {count} users");
    let users = seed_users(app, "x", count, &hash).await?;
    let token = |i: usize| app.tokens().and_then(|t| t.issue(&users[i]));
    let mut cases = Vec::new();

    // A favorite: of a short article, and of one at the body limit.
    let author = &users[0];
    let short = article(app, author, "Short read", "A few words.".to_owned()).await?;
    let long = article(app, author, "Long read", "𝄞".repeat(ARTICLE_BODY_MAX)).await?;
    let mut fan = 1;
    for (case, slug) in [
        ("favorite, 12-byte body", &short),
        ("favorite, 200 KB body", &long),
    ] {
        let mut events = Vec::new();
        for _ in 0..=sizes.runs {
            let c = call("POST", "/api/articles/{slug}/favorite")
                .param("slug", slug)
                .token(&token(fan)?);
            events.push(c);
            fan += 1;
        }
        cases.push(
            measure(
                lambda_dir,
                env,
                proxy,
                "favorite-article",
                case,
                events,
                200,
            )
            .await?,
        );
    }
    baseline(
        &mut cases,
        "favorite, 200 KB body",
        "favorite, 12-byte body",
    );

    // A comment page: the first, and one `comments` deep.
    eprintln!("extremes: seeding {} comments", sizes.comments + 20);
    let thread = app.db.article_by_slug(&short).await?;
    let body = "c".repeat(COMMENT_BODY_MAX / 50);
    stream::iter(0..sizes.comments + 20)
        .map(|i| {
            let (thread, author) = (&thread, users[i % 10].clone());
            let body = format!("{i} {body}");
            async move { app.db.create_comment(thread, &author, body).await.map(drop) }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    let newest = (sizes.comments + 20) as u64;
    let deep = shared::cursor::comments(newest - sizes.comments as u64 + 1);
    for (case, cursor) in [
        ("comments, first page".to_owned(), None),
        (format!("comments, {} deep", sizes.comments), Some(deep)),
    ] {
        let events = (0..=sizes.runs)
            .map(|_| {
                let c = call("GET", "/api/articles/{slug}/comments").param("slug", &short);
                match &cursor {
                    Some(cursor) => c.query("cursor", cursor),
                    None => c,
                }
            })
            .collect();
        cases.push(measure(lambda_dir, env, proxy, "list-comments", &case, events, 200).await?);
    }
    let first = cases.last().map(|c| c.case.clone()).unwrap_or_default();
    baseline(&mut cases, &first, "comments, first page");

    // A feed page at each number of follows; every followed author has an
    // article in the reader's feed.
    eprintln!("extremes: seeding {biggest} articles and follows");
    let articles: Vec<String> =
        stream::iter(1..=biggest)
            .map(|i| {
                let author = users[i].clone();
                async move {
                    article(app, &author, &format!("By author {i}"), "Hello.".to_owned()).await
                }
            })
            .buffered(16)
            .try_collect()
            .await?;
    drop(articles);
    let mut feeds = Vec::new();
    for (r, follows) in sizes.follows.iter().enumerate() {
        let reader = seed_users(app, &format!("reader{r}-"), 1, &hash)
            .await?
            .remove(0);
        stream::iter(1..=*follows)
            .map(|i| {
                let (reader, author) = (reader.clone(), users[i].clone());
                async move {
                    app.db.follow(&reader, &author).await?;
                    let job = Job::Backfill { reader, author };
                    app.db.run(&job, Budget::First(usize::MAX)).await.map(drop)
                }
            })
            .buffer_unordered(16)
            .try_collect::<Vec<()>>()
            .await?;
        feeds.push((*follows, app.tokens()?.issue(&reader)?));
    }
    for (follows, reader) in &feeds {
        let events = (0..=sizes.runs)
            .map(|_| call("GET", "/api/articles/feed").token(reader))
            .collect();
        let case = format!("feed page, {follows} follows");
        cases.push(measure(lambda_dir, env, proxy, "feed-articles", &case, events, 200).await?);
    }
    let articles_page = "list page (20 articles)";
    let events = (0..=sizes.runs)
        .map(|_| call("GET", "/api/articles").token(&feeds[0].1))
        .collect();
    cases.push(
        measure(
            lambda_dir,
            env,
            proxy,
            "list-articles",
            articles_page,
            events,
            200,
        )
        .await?,
    );
    for follows in sizes.follows {
        baseline(
            &mut cases,
            &format!("feed page, {follows} follows"),
            articles_page,
        );
    }

    // Deep article pages: by offset (which reads what it skips) and by cursor.
    let deep_cursor = deep_position(app, 1_000).await?;
    for (case, query) in [
        (
            "list page, offset 1,000",
            vec![("offset", "1000".to_owned())],
        ),
        (
            "list page, cursor 1,000 deep",
            vec![("cursor", deep_cursor)],
        ),
    ] {
        let events = (0..=sizes.runs)
            .map(|_| {
                query
                    .iter()
                    .fold(call("GET", "/api/articles"), |c, (k, v)| c.query(k, v))
            })
            .collect();
        cases.push(measure(lambda_dir, env, proxy, "list-articles", case, events, 200).await?);
        baseline(&mut cases, case, articles_page);
    }

    // A 6 MB tag list: refused before it is parsed.
    let tags: Vec<String> = (0..550_000).map(|i| format!("t{i:07}")).collect();
    let draft = |tags: &[String]| json!({"article": {"title": "Tags", "description": "d", "body": "b", "tagList": tags}});
    let huge = draft(&tags).to_string();
    eprintln!("extremes: a {} MB body", huge.len() / 1_000_000);
    let writer = token(2)?;
    let events = (0..=sizes.runs)
        .map(|i| {
            call("POST", "/api/articles")
                .token(&writer)
                .json(draft(&[format!("tag{i}")]))
        })
        .collect();
    cases.push(
        measure(
            lambda_dir,
            env,
            proxy,
            "create-article",
            "create, 2-tag body",
            events,
            201,
        )
        .await?,
    );
    let events = (0..=sizes.runs)
        .map(|_| call("POST", "/api/articles").token(&writer).body(&huge))
        .collect();
    let huge_case = format!("create, {} MB tag list", huge.len() / 1_000_000);
    cases.push(
        measure(
            lambda_dir,
            env,
            proxy,
            "create-article",
            &huge_case,
            events,
            413,
        )
        .await?,
    );
    baseline(&mut cases, &huge_case, "create, 2-tag body");

    // Feed work a request does at once is one page, however many followers
    // or articles there are; the stream worker does the rest.
    eprintln!("extremes: {} followers of one author", sizes.followers);
    let star = &users[0];
    stream::iter(1..=sizes.followers)
        .map(|i| {
            let follower = users[i].clone();
            async move { app.db.follow(&follower, star).await.map(drop) }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    let star_token = token(0)?;
    let events = (0..=sizes.runs)
        .map(|i| {
            call("POST", "/api/articles")
                .token(&star_token)
                .json(json!({"article": {
                    "title": format!("To {} followers, {i}", sizes.followers),
                    "description": "d", "body": "b",
                }}))
        })
        .collect();
    let star_case = format!("create, {} followers", sizes.followers);
    cases.push(
        measure(
            lambda_dir,
            env,
            proxy,
            "create-article",
            &star_case,
            events,
            201,
        )
        .await?,
    );
    baseline(&mut cases, &star_case, "create, 2-tag body");
    let newcomers = seed_users(app, "newcomer", sizes.runs + 1, &hash).await?;
    for (case, author) in [
        ("follow, author of 1 article", users[1].clone()),
        (
            "follow, author of 10,000 articles",
            prolific_author.to_owned(),
        ),
    ] {
        let name = app
            .db
            .get_user(&author)
            .await?
            .ok_or("the author exists")?
            .username;
        let events = newcomers
            .iter()
            .map(|newcomer| {
                let token = app.tokens().and_then(|t| t.issue(newcomer));
                call("POST", "/api/profiles/{username}/follow")
                    .param("username", &name)
                    .token(&token.unwrap_or_default())
            })
            .collect();
        cases.push(measure(lambda_dir, env, proxy, "follow-user", case, events, 200).await?);
    }
    baseline(
        &mut cases,
        "follow, author of 10,000 articles",
        "follow, author of 1 article",
    );
    Ok(cases)
}

/// `count` users named `<prefix><i>`, all with one password hash; their ids.
async fn seed_users(
    app: &App,
    prefix: &str,
    count: usize,
    hash: &str,
) -> Result<Vec<String>, ApiError> {
    stream::iter(0..count)
        .map(|i| async move {
            let name = format!("{prefix}{i}");
            app.db
                .create_user(NewUser {
                    username: name.clone(),
                    email: format!("{name}@extremes.example"),
                    password_hash: hash.to_owned(),
                })
                .await
                .map(|user| user.id)
        })
        .buffered(16)
        .try_collect()
        .await
}

/// Publishes an article (and its feed entries); its slug.
async fn article(app: &App, author: &str, title: &str, body: String) -> Result<String, ApiError> {
    let made = app
        .db
        .create_article(NewArticle {
            title: title.to_owned(),
            description: "An extreme".to_owned(),
            body,
            tag_list: Vec::new(),
            author_id: author.to_owned(),
        })
        .await?;
    app.db
        .run(
            &Job::Publish(Published::from(&made)),
            Budget::First(usize::MAX),
        )
        .await?;
    Ok(made.slug)
}

/// The cursor of the all-articles list `depth` entries down.
async fn deep_position(app: &App, depth: usize) -> Result<String, ApiError> {
    let page = shared::db::Page {
        start: shared::db::Start::Offset(depth - 1),
        limit: 1,
    };
    let listed = app
        .db
        .list_articles(&shared::db::articles::ArticleFilter::All, &page)
        .await?;
    let last = listed
        .articles
        .last()
        .map(|a| Position::new(&a.created_at, &a.id))
        .ok_or_else(|| ApiError::internal("the list is shorter than the depth"))?;
    Ok(shared::cursor::articles(&last))
}

/// Runs `function` on each call after the first (which warms it up);
/// medians of what they cost.
async fn measure(
    lambda_dir: &Path,
    env: &[(String, String)],
    proxy: &Proxy,
    function: &'static str,
    case: &str,
    calls: Vec<Call>,
    status: u16,
) -> Result<Case, Error> {
    eprintln!("extremes: {case}");
    let binary = lambda_dir.join(function).join("bootstrap");
    let mut process = Process::start(&binary, function, env, None).await?;
    process.cold_start().await?;
    let (mut reads, mut writes, mut times) = (Vec::new(), Vec::new(), Vec::new());
    for (i, c) in calls.into_iter().enumerate() {
        proxy.take();
        let outcome = process.invoke_event(function, c.event(), status).await?;
        let usage = proxy.take();
        if i > 0 {
            reads.push(usage.read_units);
            writes.push(usage.write_units);
            times.push(outcome.latency);
        }
    }
    times.sort();
    Ok(Case {
        case: case.to_owned(),
        function,
        status,
        read_units: report::median_f(&reads),
        write_units: report::median_f(&writes),
        latency: times.get(times.len() / 2).copied().unwrap_or_default(),
        baseline: None,
    })
}

/// Marks `case` as a variant of `ordinary`.
fn baseline(cases: &mut [Case], case: &str, ordinary: &str) {
    if let Some(c) = cases.iter_mut().find(|c| c.case == case) {
        c.baseline = Some(ordinary.to_owned());
    }
}

/// The extremes as a table, appended to results.md, and as extremes.json.
pub fn write(out: &Path, cases: &[Case]) -> std::io::Result<()> {
    let units = |c: &Case| c.read_units + c.write_units;
    let mut md = String::from(
        "\n### Extremes\n\nEach request beside the ordinary one it is a variant of; units are read plus write capacity units per request (medians), times in ms. Target: at most a small constant (×4) times the ordinary request.\n\n| request | function | status | RCU | WCU | latency | × ordinary (units) |\n|---|---|---|---|---|---|---|\n",
    );
    let mut rows = Vec::new();
    for c in cases {
        let ordinary = c
            .baseline
            .as_ref()
            .and_then(|name| cases.iter().find(|o| &o.case == name));
        let times = ordinary.map(|o| {
            let base = units(o).max(1.0);
            (units(c) / base, o.case.clone())
        });
        md.push_str(&format!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.2} | {} |\n",
            c.case,
            c.function,
            c.status,
            c.read_units,
            c.write_units,
            c.latency.as_secs_f64() * 1000.0,
            times
                .as_ref()
                .map_or("–".to_owned(), |(t, o)| format!("{t:.2}× ({o})")),
        ));
        rows.push(json!({
            "case": c.case,
            "function": c.function,
            "status": c.status,
            "read_units": c.read_units,
            "write_units": c.write_units,
            "latency_ms": c.latency.as_secs_f64() * 1000.0,
            "ordinary": c.baseline,
            "times_ordinary": times.map(|t| t.0),
        }));
    }
    let over: Vec<String> = rows
        .iter()
        .filter(|r| r["times_ordinary"].as_f64().is_some_and(|t| t > 4.0))
        .map(|r| format!("- {}", r["case"].as_str().unwrap_or_default()))
        .collect();
    if over.is_empty() {
        md.push_str("\nEvery extreme within 4× its ordinary request.\n");
    } else {
        md.push_str("\nOver 4× the ordinary request:\n");
        md.push_str(&over.join("\n"));
        md.push('\n');
    }
    print!("{md}");
    let path = out.join("results.md");
    let mut all = std::fs::read_to_string(&path).unwrap_or_default();
    all.push_str(&md);
    std::fs::write(path, all)?;
    std::fs::write(
        out.join("extremes.json"),
        serde_json::to_string_pretty(&json!({ "cases": rows }))?,
    )?;
    Ok(())
}

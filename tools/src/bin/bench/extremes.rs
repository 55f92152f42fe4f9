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

use conduit_tools::event::{Call, call};
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::json;
use shared::{
    ApiError, App,
    app::{
        cursor, password,
        validate::{ARTICLE_BODY_MAX, COMMENT_BODY_MAX},
    },
    ground::keys::Position,
    store::{
        articles::NewArticle,
        jobs::{Budget, Job},
        lists::{ArticleFilter, Page, Start},
        records::Published,
        users::NewUser,
    },
};

use crate::{Error, Process, proxy::Proxy, report};

/// How big the extremes are: the full run's, or the quick run's.
pub struct Sizes {
    pub comments: usize,
    /// How deep the deep article pages start (the offset's bound at most).
    pub list_depth: usize,
    pub follows: [usize; 3],
    pub followers: usize,
    pub runs: usize,
}

pub const FULL: Sizes = Sizes {
    comments: 5_000,
    list_depth: 1_000,
    follows: [1, 100, 5_000],
    followers: 5_000,
    runs: 5,
};

pub const QUICK: Sizes = Sizes {
    comments: 100,
    list_depth: 100,
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
    /// DynamoDB calls the request made.
    pub calls: f64,
    pub latency: Duration,
    /// The ordinary request this one is a variant of.
    pub baseline: Option<String>,
}

/// Where the extremes are measured, and what has been measured so far.
struct Runner<'a> {
    lambda_dir: &'a Path,
    env: &'a [(String, String)],
    proxy: &'a Proxy,
    cases: Vec<Case>,
}

impl Runner<'_> {
    /// Measures `calls` of `function` (see [`measure`]) as `case`, a
    /// variant of the case `ordinary` if given.
    async fn case(
        &mut self,
        function: &'static str,
        case: &str,
        calls: Vec<Call>,
        status: u16,
        ordinary: Option<&str>,
    ) -> Result<(), Error> {
        let mut measured = measure(
            self.lambda_dir,
            self.env,
            self.proxy,
            function,
            case,
            calls,
            status,
        )
        .await?;
        measured.baseline = ordinary.map(str::to_owned);
        self.cases.push(measured);
        Ok(())
    }
}

/// Runs `work` for each of `items`, sixteen at a time.
async fn each<T, F, Fut>(items: impl IntoIterator<Item = T>, work: F) -> Result<(), ApiError>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    stream::iter(items)
        .map(work)
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await
        .map(drop)
}

/// Seeds what the extremes need on `app`'s table, then measures each.
pub async fn run(
    app: &App,
    lambda_dir: &Path,
    env: &[(String, String)],
    proxy: &Proxy,
    sizes: &Sizes,
    (prolific_author, its_articles): (&str, usize),
) -> Result<Vec<Case>, Error> {
    let mut runner = Runner {
        lambda_dir,
        env,
        proxy,
        cases: Vec::new(),
    };
    let hash = password::hash("extreme password".to_owned()).await?;
    let later = app.store.deferring_jobs();
    let later = &later;
    let biggest = *sizes.follows.iter().max().unwrap_or(&1);
    let count = biggest.max(sizes.followers) + 1;
    eprintln!("extremes: seeding {count} users");
    let users = seed_users(app, "x", count, &hash).await?;
    let token = |i: usize| app.tokens().and_then(|t| t.sign_in(&users[i]));
    let runs = 0..=sizes.runs;

    // A favorite: of a short article, and of one at the body limit. Each
    // run is a new fan's, so each writes.
    let author = &users[0];
    let short = article(app, author, "Short read", "A few words.".to_owned()).await?;
    let long = article(app, author, "Long read", "𝄞".repeat(ARTICLE_BODY_MAX)).await?;
    let short_favorite = "favorite, 12-byte body";
    let long_fans = sizes.runs + 2;
    for (case, slug, fans) in [
        (short_favorite, &short, 1),
        ("favorite, 200 KB body", &long, long_fans),
    ] {
        let calls = runs
            .clone()
            .map(|i| {
                let fan = token(fans + i)?;
                Ok(call("POST", "/api/articles/{slug}/favorite")
                    .param("slug", slug)
                    .token(&fan))
            })
            .collect::<Result<_, ApiError>>()?;
        let ordinary = (case != short_favorite).then_some(short_favorite);
        runner
            .case("favorite-article", case, calls, 200, ordinary)
            .await?;
    }

    // A comment page: the first, and one `comments` deep.
    eprintln!("extremes: seeding {} comments", sizes.comments + 20);
    let thread = app.store.articles().by_slug(&short).await?;
    let filler = "c".repeat(COMMENT_BODY_MAX / 50);
    each(0..sizes.comments + 20, |i| {
        let (thread, author, body) = (&thread, users[i % 10].clone(), format!("{i} {filler}"));
        async move {
            app.store
                .comments()
                .create(thread, &author, body, None)
                .await
                .map(drop)
        }
    })
    .await?;
    let newest = (sizes.comments + 20) as u64;
    let deep = cursor::comments(newest - sizes.comments as u64 + 1);
    let first_page = "comments, first page";
    for (case, cursor) in [
        (first_page.to_owned(), None),
        (format!("comments, {} deep", sizes.comments), Some(deep)),
    ] {
        let calls = runs
            .clone()
            .map(|_| {
                let c = call("GET", "/api/articles/{slug}/comments").param("slug", &short);
                match &cursor {
                    Some(cursor) => c.query("cursor", cursor),
                    None => c,
                }
            })
            .collect();
        let ordinary = cursor.is_some().then_some(first_page);
        runner
            .case("list-comments", &case, calls, 200, ordinary)
            .await?;
    }

    // A feed page at each number of follows; every followed author has an
    // article in the reader's feed.
    eprintln!("extremes: seeding {biggest} articles and follows");
    each(1..=biggest, |i| {
        let author = users[i].clone();
        async move {
            article(app, &author, &format!("By author {i}"), "Hello.".to_owned())
                .await
                .map(drop)
        }
    })
    .await?;
    let list_page = PAGE;
    let reader = token(count - 1)?;
    let calls = runs
        .clone()
        .map(|_| call("GET", "/api/articles").token(&reader))
        .collect();
    runner
        .case("list-articles", list_page, calls, 200, None)
        .await?;
    for (r, follows) in sizes.follows.iter().enumerate() {
        let reader = seed_users(app, &format!("reader{r}-"), 1, &hash)
            .await?
            .remove(0);
        each(1..=*follows, |i| {
            let (reader, author) = (reader.clone(), users[i].clone());
            async move {
                later
                    .follows()
                    .follow(&reader, &author, app.follows_max)
                    .await?;
                let job = Job::Backfill { reader, author };
                app.store
                    .jobs()
                    .run(&job, Budget::First(usize::MAX))
                    .await
                    .map(drop)
            }
        })
        .await?;
        let token = app.tokens()?.sign_in(&reader)?;
        let calls = runs
            .clone()
            .map(|_| call("GET", "/api/articles/feed").token(&token))
            .collect();
        let case = format!("feed page, {follows} follows");
        runner
            .case("feed-articles", &case, calls, 200, Some(list_page))
            .await?;
    }

    // Deep article pages: by offset (which reads what it skips) and by cursor.
    let depth = sizes.list_depth;
    let deep_cursor = deep_position(app, depth).await?;
    for (case, name, value) in [
        (
            format!("list page, offset {depth}"),
            "offset",
            depth.to_string(),
        ),
        (
            format!("list page, cursor {depth} deep"),
            "cursor",
            deep_cursor,
        ),
    ] {
        let calls = runs
            .clone()
            .map(|_| {
                call("GET", "/api/articles")
                    .token(&reader)
                    .query(name, &value)
            })
            .collect();
        runner
            .case("list-articles", &case, calls, 200, Some(list_page))
            .await?;
    }

    // A 6 MB tag list: refused before it is parsed.
    let draft = |tags: &[String]| json!({"article": {"title": "Tags", "description": "d", "body": "b", "tagList": tags}});
    let tags: Vec<String> = (0..550_000).map(|i| format!("t{i:07}")).collect();
    let huge = draft(&tags).to_string();
    let writer = token(2)?;
    let ordinary_create = "create, 1-tag body";
    let calls = runs
        .clone()
        .map(|i| {
            call("POST", "/api/articles")
                .token(&writer)
                .json(draft(&[format!("tag{i}")]))
        })
        .collect();
    runner
        .case("create-article", ordinary_create, calls, 201, None)
        .await?;
    let calls = runs
        .clone()
        .map(|_| call("POST", "/api/articles").token(&writer).body(&huge))
        .collect();
    let huge_case = format!("create, {} MB tag list", huge.len() / 1_000_000);
    runner
        .case(
            "create-article",
            &huge_case,
            calls,
            413,
            Some(ordinary_create),
        )
        .await?;

    // Feed work a request does at once is one page, however many followers
    // or articles there are; the stream worker does the rest.
    eprintln!("extremes: {} followers of one author", sizes.followers);
    let star = &users[0];
    each(1..=sizes.followers, |i| {
        let follower = users[i].clone();
        async move {
            later
                .follows()
                .follow(&follower, star, app.follows_max)
                .await
                .map(drop)
        }
    })
    .await?;
    let star_token = token(0)?;
    let calls = runs
        .clone()
        .map(|i| {
            call("POST", "/api/articles")
                .token(&star_token)
                .json(json!({"article": {
                    "title": format!("To {} followers, {i}", sizes.followers),
                    "description": "d", "body": "b", "tagList": [format!("star{i}")],
                }}))
        })
        .collect();
    let star_case = format!("create, {} followers", sizes.followers);
    runner
        .case(
            "create-article",
            &star_case,
            calls,
            201,
            Some(ordinary_create),
        )
        .await?;
    let newcomers = seed_users(app, "newcomer", sizes.runs + 1, &hash).await?;
    let ordinary_follow = "follow, author of 1 article";
    let prolific = format!("follow, author of {its_articles} articles");
    for (case, author) in [
        (ordinary_follow, users[1].clone()),
        (prolific.as_str(), prolific_author.to_owned()),
    ] {
        let name = app
            .store
            .users()
            .get(&author)
            .await?
            .ok_or("the author exists")?
            .username;
        let calls = newcomers
            .iter()
            .map(|newcomer| {
                let token = app.tokens()?.sign_in(newcomer)?;
                Ok(call("POST", "/api/profiles/{username}/follow")
                    .param("username", &name)
                    .token(&token))
            })
            .collect::<Result<_, ApiError>>()?;
        let ordinary = (case != ordinary_follow).then_some(ordinary_follow);
        runner
            .case("follow-user", case, calls, 200, ordinary)
            .await?;
    }
    Ok(runner.cases)
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
            app.store
                .users()
                .create(NewUser {
                    username: name.clone(),
                    email: format!("{name}@extremes.example"),
                    password_hash: hash.to_owned(),
                    idempotency_key: None,
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
        .store
        .deferring_jobs()
        .articles()
        .create(NewArticle {
            title: title.to_owned(),
            description: "An extreme".to_owned(),
            body,
            tag_list: Vec::new(),
            author_id: author.to_owned(),
        })
        .await?;
    app.store
        .jobs()
        .run(
            &Job::Publish(Published::from(&made)),
            Budget::First(usize::MAX),
        )
        .await?;
    Ok(made.slug)
}

/// The cursor of the all-articles list `depth` entries down.
async fn deep_position(app: &App, depth: usize) -> Result<String, ApiError> {
    let page = Page {
        start: Start::Offset(depth - 1),
        limit: 1,
    };
    let listed = app
        .store
        .lists()
        .articles(&ArticleFilter::All, &page, None)
        .await?;
    let last = listed
        .articles
        .last()
        .map(|a| Position::new(&a.created_at, &a.id))
        .ok_or_else(|| ApiError::internal("the list is shorter than the depth"))?;
    Ok(cursor::articles(&last))
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
    let (mut reads, mut writes, mut times, mut calls_made) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, c) in calls.into_iter().enumerate() {
        proxy.take();
        let outcome = process.invoke_event(function, c.event(), status).await?;
        let usage = proxy.take();
        if i > 0 {
            reads.push(usage.read_units);
            writes.push(usage.write_units);
            calls_made.push(f64::from(usage.calls));
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
        calls: report::median_f(&calls_made),
        latency: times.get(times.len() / 2).copied().unwrap_or_default(),
        baseline: None,
    })
}

/// The case every extreme is held to: a page of twenty articles, as a
/// signed-in reader sees it.
pub const PAGE: &str = "list page (20 articles)";

/// At most this many times a page's capacity units.
const TARGET: f64 = 4.0;

/// The extremes as a table, appended to results.md, and as extremes.json.
pub fn write(out: &Path, cases: &[Case]) -> std::io::Result<()> {
    let units = |c: &Case| c.read_units + c.write_units;
    let page = cases
        .iter()
        .find(|c| c.case == PAGE)
        .map_or(1.0, |c| units(c).max(1.0));
    let mut md = format!(
        "\n### Extremes\n\nCapacity units per request (medians; DynamoDB Local's count, which does not double transactional writes), times in ms. Target: at most {TARGET}× a page of twenty articles ({page:.0} units), whatever the client sends or the table holds. \"Ordinary\" is the everyday request each extreme is a variant of.\n\n| request | function | status | RCU | WCU | calls | latency | × a page | ordinary (units) |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut rows = Vec::new();
    for c in cases {
        let ordinary = c
            .baseline
            .as_ref()
            .and_then(|name| cases.iter().find(|o| &o.case == name));
        let times_page = units(c) / page;
        md.push_str(&format!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.0} | {:.2} | {:.2} | {} |\n",
            c.case,
            c.function,
            c.status,
            c.read_units,
            c.write_units,
            c.calls,
            c.latency.as_secs_f64() * 1000.0,
            times_page,
            ordinary.map_or("–".to_owned(), |o| format!(
                "{} ({:.1})",
                o.case,
                units(o)
            )),
        ));
        rows.push(json!({
            "case": c.case,
            "function": c.function,
            "status": c.status,
            "read_units": c.read_units,
            "write_units": c.write_units,
            "dynamodb_calls": c.calls,
            "latency_ms": c.latency.as_secs_f64() * 1000.0,
            "times_page": times_page,
            "ordinary": c.baseline,
        }));
    }
    let over: Vec<String> = rows
        .iter()
        .filter(|r| r["times_page"].as_f64().is_some_and(|t| t > TARGET))
        .map(|r| format!("- {}", r["case"].as_str().unwrap_or_default()))
        .collect();
    if over.is_empty() {
        md.push_str(&format!("\nEvery request within {TARGET}× a page.\n"));
    } else {
        md.push_str(&format!("\nOver {TARGET}× a page:\n"));
        md.push_str(&over.join("\n"));
        md.push('\n');
    }
    report::append(out, &md)?;
    std::fs::write(
        out.join("extremes.json"),
        serde_json::to_string_pretty(&json!({ "page_units": page, "cases": rows }))?,
    )?;
    Ok(())
}

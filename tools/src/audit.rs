//! Table-wide invariants, checked after a test (race tests above all): every
//! counter equals its entries, every entry, edge and claim names an item
//! that is there and says the same, every article has all its parts, every
//! feed holds exactly the articles of the authors its reader follows, and
//! no user lacks a profile or counts. Tests may scan; no request path does.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    time::Duration,
};

use aws_sdk_dynamodb::types::AttributeValue;
use shared::{
    App,
    ground::keys::{self, Position},
    store::records::UserRecord,
    table::{Table, retry::sdk_error},
};

pub type Item = HashMap<String, AttributeValue>;

fn s<'a>(item: &'a Item, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map_or("", String::as_str)
}

fn n(item: &Item, name: &str) -> i64 {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Every item of the table, `page` items at a time, each page retried
/// after a pause (doubling, up to `SCAN_PAUSE_MAX`) for as long as the
/// table throttles it or the service fails it, up to `SCAN_ATTEMPTS` times
/// in a row: the audit of a deployed table shares its throughput with the
/// API, and yields to it. Tests and `conduit-admin audit` only: no request
/// path scans.
pub async fn scan_table(table: &Table, page: i32) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let mut attempt = 0;
        let page = loop {
            let result = table
                .client()
                .scan()
                .table_name(table.name())
                .consistent_read(true)
                .limit(page)
                .set_exclusive_start_key(start.clone())
                .send()
                .await;
            match result {
                Ok(page) => break page,
                Err(err) => {
                    let err = sdk_error("audit scan", err);
                    attempt += 1;
                    if !matches!(err, shared::ApiError::Unavailable(_)) || attempt >= SCAN_ATTEMPTS
                    {
                        return Err(format!("the table cannot be scanned: {err}"));
                    }
                    let pause = SCAN_PAUSE.saturating_mul(1 << attempt.min(8));
                    tokio::time::sleep(pause.min(SCAN_PAUSE_MAX)).await;
                }
            }
        };
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return Ok(items);
        }
    }
}

/// Items per page of an audit's scan.
pub const SCAN_PAGE: i32 = 500;

/// An audit's scan waits this long after its first throttled page, and
/// twice as long each time after, up to `SCAN_PAUSE_MAX`.
const SCAN_PAUSE: Duration = Duration::from_millis(50);
const SCAN_PAUSE_MAX: Duration = Duration::from_secs(10);

/// Throttled or failed pages in a row before an audit gives up.
const SCAN_ATTEMPTS: u32 = 30;

/// Every item of `app`'s table.
pub async fn scan(app: &App) -> Vec<Item> {
    scan_table(app.store.table(), SCAN_PAGE)
        .await
        .expect("the table can be scanned")
}

/// An article head as the audit needs it.
struct Head {
    author: String,
    created: String,
    slug: String,
    tags: Vec<String>,
}

impl Head {
    fn position(&self, id: &str) -> Position {
        Position::new(&self.created, id)
    }
}

/// The position an entry's sort key holds after `prefix`.
fn position(sk: &str, prefix: &str) -> Option<Position> {
    Position::parse(sk.strip_prefix(prefix)?)
}

/// Every broken invariant, one line each; empty when the table is consistent.
/// Run the stream worker first: until it has run, feeds may lag a write, and
/// a deleted article's favorites and comments are (unreachable) leftovers.
pub async fn problems(app: &App) -> Vec<String> {
    problems_in(&scan(app).await)
}

/// Every broken invariant among `items`, all of one table.
pub fn problems_in(items: &[Item]) -> Vec<String> {
    let mut problems = Vec::new();
    let keys: BTreeSet<(String, String)> = items
        .iter()
        .map(|i| (s(i, "pk").to_owned(), s(i, "sk").to_owned()))
        .collect();
    let has = |pk: &str, sk: &str| keys.contains(&(pk.to_owned(), sk.to_owned()));

    // First pass: the things everything else points at.
    let mut users: BTreeMap<String, UserRecord> = BTreeMap::new();
    let mut counts: BTreeMap<String, &Item> = BTreeMap::new();
    let mut heads: BTreeMap<String, Head> = BTreeMap::new();
    for item in items {
        let (pk, sk) = (s(item, "pk"), s(item, "sk"));
        if let Some(id) = pk.strip_prefix("USER#") {
            if sk == "PROFILE" {
                match serde_dynamo::from_item::<_, UserRecord>(item.clone()) {
                    Ok(user) => {
                        users.insert(user.id.clone(), user);
                    }
                    Err(_) => problems.push(format!("user item without a profile: {pk}")),
                }
            } else if keys::is_user_counts(sk) {
                counts.insert(id.to_owned(), item);
            }
        } else if let (Some(id), keys::ARTICLE_SK) = (pk.strip_prefix("ARTICLE#"), sk) {
            let tags = item
                .get("tag_list")
                .and_then(|v| v.as_l().ok())
                .map(|l| l.iter().filter_map(|t| t.as_s().ok()).cloned().collect())
                .unwrap_or_default();
            heads.insert(
                id.to_owned(),
                Head {
                    author: s(item, "author_id").to_owned(),
                    created: s(item, "created_at").to_owned(),
                    slug: s(item, "slug").to_owned(),
                    tags,
                },
            );
        }
    }
    let mut follows: BTreeSet<(String, String)> = BTreeSet::new();
    let mut reverse: BTreeSet<(String, String)> = BTreeSet::new();
    for (pk, sk) in &keys {
        if let (Some(user), Some(followee)) =
            (pk.strip_prefix("USER#"), sk.strip_prefix("FOLLOWS#"))
        {
            follows.insert((user.to_owned(), followee.to_owned()));
        }
        if let (Some(user), Some(follower)) =
            (pk.strip_prefix("USER#"), sk.strip_prefix("FOLLOWER#"))
        {
            reverse.insert((follower.to_owned(), user.to_owned()));
        }
    }

    // Second pass: every entry, edge, part and counter.
    let mut authored: BTreeMap<String, i64> = BTreeMap::new();
    let mut favorited_by: BTreeMap<String, i64> = BTreeMap::new();
    let mut feed_entries: BTreeMap<String, i64> = BTreeMap::new();
    let mut favorites_of: BTreeMap<String, i64> = BTreeMap::new();
    let mut counted_favorites: BTreeMap<String, i64> = BTreeMap::new();
    let mut tag_entries: BTreeMap<String, i64> = BTreeMap::new();
    let mut tag_counters: BTreeMap<String, i64> = BTreeMap::new();
    let mut shard_entries: BTreeMap<String, i64> = BTreeMap::new();
    let mut shard_counters: BTreeMap<String, i64> = BTreeMap::new();
    let mut slug_holders: BTreeMap<String, String> = BTreeMap::new();
    for item in items {
        let (pk, sk) = (s(item, "pk"), s(item, "sk"));
        // An entry must name a live article at the position it claims.
        let entry_ok = |what: &str, at: &Option<Position>, problems: &mut Vec<String>| {
            let Some(at) = at else {
                problems.push(format!("{what} {pk} {sk} is not a position"));
                return None;
            };
            match heads.get(at.article_id()) {
                Some(head) if head.created != at.created_at() => {
                    problems.push(format!("{what} {pk} {sk} at the wrong time"));
                    None
                }
                // A page reads the author's profile by the entry's word.
                Some(head) if s(item, keys::ENTRY_AUTHOR) != head.author => {
                    problems.push(format!("{what} {pk} {sk} names another author"));
                    None
                }
                Some(head) => Some(head),
                None => {
                    problems.push(format!("{what} {pk} {sk} names a missing article"));
                    None
                }
            }
        };
        if let Some(user) = pk.strip_prefix("USER#") {
            if sk.starts_with("ARTICLE#") {
                *authored.entry(user.to_owned()).or_default() += 1;
                if let Some(head) =
                    entry_ok("author entry", &position(sk, "ARTICLE#"), &mut problems)
                    && head.author != user
                {
                    problems.push(format!(
                        "author entry {pk} {sk} for another author's article"
                    ));
                }
            } else if sk.starts_with("FAVORITE#") {
                *favorited_by.entry(user.to_owned()).or_default() += 1;
                let at = position(sk, "FAVORITE#");
                if entry_ok("by-favoriter entry", &at, &mut problems).is_some()
                    && let Some(at) = &at
                    && !has(
                        &format!("ARTICLE#{}", at.article_id()),
                        &format!("FAVORITED_BY#{user}"),
                    )
                {
                    problems.push(format!("by-favoriter entry {pk} {sk} without its favorite"));
                }
            } else if let Some(followee) = sk.strip_prefix("FOLLOWS#") {
                if !users.contains_key(user) || !users.contains_key(followee) {
                    problems.push(format!("follow {pk} {sk} of a missing user"));
                }
                if !reverse.contains(&(user.to_owned(), followee.to_owned())) {
                    problems.push(format!("follow {pk} {sk} without its reverse edge"));
                }
            } else if let Some(follower) = sk.strip_prefix("FOLLOWER#")
                && !follows.contains(&(follower.to_owned(), user.to_owned()))
            {
                problems.push(format!("reverse edge {pk} {sk} without its follow"));
            }
        } else if let Some(id) = pk.strip_prefix("ARTICLE#") {
            let head = heads.get(id);
            if let Some(user) = sk.strip_prefix("FAVORITED_BY#") {
                *favorites_of.entry(id.to_owned()).or_default() += 1;
                if !users.contains_key(user) {
                    problems.push(format!("favorite {pk} {sk} by a missing user"));
                }
                match head {
                    None => problems.push(format!("favorite {pk} {sk} of a missing article")),
                    Some(head) => {
                        let entry = format!("FAVORITE#{}", head.position(id).as_str());
                        if !has(&format!("USER#{user}"), &entry) {
                            problems
                                .push(format!("favorite {pk} {sk} without its by-favoriter entry"));
                        }
                    }
                }
            } else if sk.starts_with("COMMENT#") {
                if head.is_none() {
                    problems.push(format!("comment {pk} {sk} of a missing article"));
                }
            } else if sk != keys::ARTICLE_SK {
                if head.is_none() {
                    problems.push(format!("article part {pk} {sk} without its head"));
                }
            } else {
                // The head's own share of the count.
                *counted_favorites.entry(id.to_owned()).or_default() += n(item, keys::FAVORITES);
            }
        } else if let Some(slug) = pk.strip_prefix("SLUG#") {
            let target = s(item, "article_id");
            slug_holders.insert(slug.to_owned(), target.to_owned());
            match heads.get(target) {
                None => problems.push(format!("slug claim {slug} names a missing article")),
                Some(head) if head.author != s(item, "author_id") => {
                    problems.push(format!("slug claim {slug} names another author"));
                }
                Some(head) if head.created != s(item, "created_at") => {
                    problems.push(format!("slug claim {slug} names another creation time"));
                }
                Some(head) if head.slug != slug => problems.push(format!(
                    "slug claim {slug} for an article now at {}",
                    head.slug
                )),
                Some(_) => {}
            }
        } else if let Some(shard) = pk.strip_prefix("ARTICLES#") {
            if sk == "COUNT" {
                shard_counters.insert(shard.to_owned(), n(item, "count"));
            } else {
                *shard_entries.entry(shard.to_owned()).or_default() += 1;
                let at = position(sk, "ARTICLE#");
                if let Some(at) = &at {
                    // The entry's share of the article's favorites count.
                    *counted_favorites
                        .entry(at.article_id().to_owned())
                        .or_default() += n(item, keys::FAVORITES);
                }
                if entry_ok("all-articles entry", &at, &mut problems).is_some()
                    && let Some(at) = &at
                    && pk != keys::all_articles_of(at.article_id()).pk
                {
                    problems.push(format!("all-articles entry {pk} {sk} in the wrong shard"));
                }
            }
        } else if let Some(tag) = pk.strip_prefix("TAG#") {
            if sk == "COUNT" {
                tag_counters.insert(tag.to_owned(), n(item, "uses"));
                if s(item, "tags_pk") != keys::tags_index_partition_of(tag) {
                    problems.push(format!("tag counter {tag} in the wrong index partition"));
                }
            } else {
                *tag_entries.entry(tag.to_owned()).or_default() += 1;
                if let Some(head) = entry_ok("tag entry", &position(sk, "ARTICLE#"), &mut problems)
                    && !head.tags.iter().any(|t| t == tag)
                {
                    problems.push(format!("tag entry {tag} for an article without the tag"));
                }
            }
        } else if let Some(reader) = keys::feed_reader(pk) {
            *feed_entries.entry(reader.to_owned()).or_default() += 1;
            if let Some(head) = entry_ok("feed entry", &position(sk, "ARTICLE#"), &mut problems)
                && !follows.contains(&(reader.to_owned(), head.author.clone()))
            {
                problems.push(format!(
                    "feed entry {pk} {sk} of an author the reader does not follow"
                ));
            }
        } else if pk.starts_with("USERNAME#") || pk.starts_with("EMAIL#") {
            let holder = users.get(s(item, "user_id"));
            let held = |u: &UserRecord| {
                let name = if pk.starts_with("USERNAME#") {
                    &u.username
                } else {
                    &u.email
                };
                pk.split_once('#').map(|x| x.1) == Some(name.to_lowercase().as_str())
            };
            if !holder.is_some_and(held) {
                problems.push(format!("claim {pk} not held by a user of that name"));
            }
        }
    }

    for (id, head) in &heads {
        let pk = format!("ARTICLE#{id}");
        let at = head.position(id);
        if !users.contains_key(&head.author) {
            problems.push(format!("article {id} by a missing author"));
        }
        for part in ["BODY", "ARTICLE#COMMENTS"] {
            if !has(&pk, part) {
                problems.push(format!("article {id} without its {part}"));
            }
        }
        if slug_holders.get(&head.slug).map(String::as_str) != Some(id.as_str()) {
            problems.push(format!("article {id} does not hold its slug claim"));
        }
        let all = keys::all_articles_of(id).entry(&at);
        if !has(&all.pk, &all.sk) {
            problems.push(format!("article {id} missing from the all-articles list"));
        }
        let by_author = keys::articles_by_author(&head.author).entry(&at);
        if !has(&by_author.pk, &by_author.sk) {
            problems.push(format!("article {id} missing from its author's list"));
        }
        for tag in &head.tags {
            let entry = keys::articles_by_tag(tag).entry(&at);
            if !has(&entry.pk, &entry.sk) {
                problems.push(format!("article {id} missing from tag {tag}'s list"));
            }
        }
        let favorites = favorites_of.get(id).copied().unwrap_or(0);
        let counted = counted_favorites.get(id).copied().unwrap_or(0);
        if counted != favorites {
            problems.push(format!(
                "article {id} counts {counted} favorites, has {favorites}"
            ));
        }
        // Every reader following the author has the article in their feed.
        for (reader, author) in &follows {
            if *author == head.author {
                let entry = keys::feed(reader).entry(&at);
                if !has(&entry.pk, &entry.sk) {
                    problems.push(format!(
                        "article {id} missing from follower {reader}'s feed"
                    ));
                }
            }
        }
    }
    for (follower, followee) in &reverse {
        if !follows.contains(&(follower.clone(), followee.clone())) {
            problems.push(format!(
                "reverse edge of {follower} following {followee} without the follow"
            ));
        }
    }
    for id in users.keys() {
        if !counts.contains_key(id) {
            problems.push(format!("user {id} without counts"));
        }
    }
    let mut following: BTreeMap<String, i64> = BTreeMap::new();
    for (follower, _) in &follows {
        *following.entry(follower.clone()).or_default() += 1;
    }
    for (id, item) in &counts {
        if !users.contains_key(id) {
            problems.push(format!("counts of a missing user {id}"));
        }
        for (name, actual) in [
            ("articles_count", &authored),
            ("favorites_count", &favorited_by),
            ("feed_count", &feed_entries),
            ("follows_count", &following),
        ] {
            let counted = n(item, name);
            let real = actual.get(id).copied().unwrap_or(0);
            if counted != real {
                problems.push(format!("user {id} {name} is {counted}, has {real}"));
            }
        }
    }
    for user in users.values() {
        if !has(
            &format!("USERNAME#{}", user.username.to_lowercase()),
            "USERNAME",
        ) || !has(&format!("EMAIL#{}", user.email.to_lowercase()), "EMAIL")
        {
            problems.push(format!(
                "user {} without its username or email claim",
                user.id
            ));
        }
    }
    // A job that stopped after failing leaves its work undone until an
    // operator runs it again (`conduit-admin redrive`).
    for item in items {
        if s(item, keys::JOBS_INDEX_PK) == "failed" {
            problems.push(format!(
                "job {} failed: {}",
                s(item, "pk"),
                s(item, "error")
            ));
        }
    }
    let tags: BTreeSet<&String> = tag_counters.keys().chain(tag_entries.keys()).collect();
    for tag in tags {
        let count = tag_counters.get(tag).copied().unwrap_or(0);
        let entries = tag_entries.get(tag).copied().unwrap_or(0);
        if count != entries {
            problems.push(format!("tag {tag} counts {count}, has {entries} entries"));
        }
    }
    let shards: BTreeSet<&String> = shard_counters.keys().chain(shard_entries.keys()).collect();
    for shard in shards {
        let count = shard_counters.get(shard).copied().unwrap_or(0);
        let entries = shard_entries.get(shard).copied().unwrap_or(0);
        if count != entries {
            problems.push(format!(
                "all-articles shard {shard} counts {count}, has {entries}"
            ));
        }
    }
    problems
}

/// Panics with every broken invariant.
pub async fn assert_consistent(app: &App) {
    let problems = problems(app).await;
    assert!(
        problems.is_empty(),
        "table invariants broken:\n{}",
        problems.join("\n")
    );
}

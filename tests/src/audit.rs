//! Table-wide invariants, checked after a test (race tests above all): every
//! counter equals its entries, every entry and claim names an item that is
//! there and says the same, and no user item lacks a profile. Tests may scan;
//! no request path does.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use shared::{App, db::users::UserRecord};

type Item = HashMap<String, AttributeValue>;

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

async fn scan(app: &App) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = app
            .db
            .client()
            .scan()
            .table_name(app.db.table())
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("the table can be scanned");
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

/// Every broken invariant, one line each; empty when the table is consistent.
/// Run the stream worker first: until it has run, a deleted article's
/// favorites and comments are (unreachable) leftovers.
pub async fn problems(app: &App) -> Vec<String> {
    let items = scan(app).await;
    let mut problems = Vec::new();
    let mut users: BTreeMap<String, UserRecord> = BTreeMap::new();
    let mut articles: BTreeMap<String, Item> = BTreeMap::new();
    let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
    for item in &items {
        let (pk, sk) = (s(item, "pk"), s(item, "sk"));
        keys.insert((pk.to_owned(), sk.to_owned()));
        if pk.starts_with("USER#") && sk == "PROFILE" {
            match serde_dynamo::from_item::<_, UserRecord>(item.clone()) {
                Ok(user) => {
                    users.insert(user.id.clone(), user);
                }
                Err(_) => problems.push(format!("user item without a profile: {pk}")),
            }
        } else if pk.starts_with("ARTICLE#") && sk == "ARTICLE" {
            articles.insert(s(item, "id").to_owned(), item.clone());
        }
    }
    let has = |pk: String, sk: String| keys.contains(&(pk, sk));
    let slug_holders: BTreeMap<String, String> = items
        .iter()
        .filter_map(|item| {
            let slug = s(item, "pk").strip_prefix("SLUG#")?;
            Some((slug.to_owned(), s(item, "article_id").to_owned()))
        })
        .collect();

    let mut authored: BTreeMap<String, i64> = BTreeMap::new();
    let mut favorited_by_user: BTreeMap<String, i64> = BTreeMap::new();
    let mut favorites_of: BTreeMap<String, i64> = BTreeMap::new();
    let mut tag_entries: BTreeMap<String, i64> = BTreeMap::new();
    let mut counters: BTreeMap<String, i64> = BTreeMap::new();
    let mut article_total = None;
    for item in &items {
        let (pk, sk) = (s(item, "pk"), s(item, "sk"));
        let target = s(item, "article_id");
        let article = articles.get(target);
        let missing = |what: &str| format!("{what} {pk} {sk} names missing article {target}");
        if let Some(user) = pk.strip_prefix("USER#") {
            if sk.starts_with("ARTICLE#") {
                *authored.entry(user.to_owned()).or_default() += 1;
                match article {
                    None => problems.push(missing("author entry")),
                    Some(a) if s(a, "author_id") != user => problems.push(format!(
                        "author entry {pk} {sk} for another author's article"
                    )),
                    Some(_) => {}
                }
            } else if sk.starts_with("FAVORITE#") {
                *favorited_by_user.entry(user.to_owned()).or_default() += 1;
                if article.is_none() {
                    problems.push(missing("by-favoriter entry"));
                } else if !has(format!("ARTICLE#{target}"), format!("FAVORITED_BY#{user}")) {
                    problems.push(format!("by-favoriter entry {pk} {sk} without its favorite"));
                }
            } else if let Some(followee) = sk.strip_prefix("FOLLOWS#")
                && (!users.contains_key(user) || !users.contains_key(followee))
            {
                problems.push(format!("follow {pk} {sk} of a missing user"));
            }
        } else if let Some(id) = pk.strip_prefix("ARTICLE#") {
            if let Some(user) = sk.strip_prefix("FAVORITED_BY#") {
                *favorites_of.entry(id.to_owned()).or_default() += 1;
                if !articles.contains_key(id) {
                    problems.push(format!("favorite {pk} {sk} of a missing article"));
                }
                if !users.contains_key(user) {
                    problems.push(format!("favorite {pk} {sk} by a missing user"));
                }
                let entry = articles
                    .get(id)
                    .map(|a| format!("FAVORITE#{}#{id}", s(a, "created_at")));
                if entry.is_some_and(|e| !has(format!("USER#{user}"), e)) {
                    problems.push(format!("favorite {pk} {sk} without its by-favoriter entry"));
                }
            } else if sk.starts_with("COMMENT#") && !articles.contains_key(id) {
                problems.push(format!("comment {pk} {sk} of a missing article"));
            }
        } else if let Some(slug) = pk.strip_prefix("SLUG#") {
            match article {
                None => problems.push(missing("slug claim")),
                Some(a) if s(a, "slug") != slug => problems.push(format!(
                    "slug claim {slug} for an article now at {}",
                    s(a, "slug")
                )),
                Some(_) => {}
            }
        } else if pk == "ARTICLES" {
            if article.is_none() {
                problems.push(missing("all-articles entry"));
            }
        } else if let Some(tag) = pk.strip_prefix("TAG#") {
            if sk == "COUNT" {
                counters.insert(tag.to_owned(), n(item, "uses"));
            } else {
                *tag_entries.entry(tag.to_owned()).or_default() += 1;
                match article {
                    None => problems.push(missing("tag entry")),
                    Some(a) => {
                        let tags: Vec<&str> = a
                            .get("tag_list")
                            .and_then(|v| v.as_l().ok())
                            .map(|l| {
                                l.iter()
                                    .filter_map(|t| t.as_s().ok())
                                    .map(String::as_str)
                                    .collect()
                            })
                            .unwrap_or_default();
                        if !tags.contains(&tag) {
                            problems
                                .push(format!("tag entry {tag} for an article without the tag"));
                        }
                    }
                }
            }
        } else if pk == "STATS" {
            article_total = Some(n(item, "count"));
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

    for (id, article) in &articles {
        let author = s(article, "author_id");
        let created = s(article, "created_at");
        if !users.contains_key(author) {
            problems.push(format!("article {id} by a missing author"));
        }
        if slug_holders.get(s(article, "slug")).map(String::as_str) != Some(id.as_str()) {
            problems.push(format!("article {id} does not hold its slug claim"));
        }
        if !has("ARTICLES".into(), format!("{created}#{id}")) {
            problems.push(format!("article {id} missing from the all-articles list"));
        }
        if !has(format!("USER#{author}"), format!("ARTICLE#{created}#{id}")) {
            problems.push(format!("article {id} missing from its author's list"));
        }
        for tag in article
            .get("tag_list")
            .and_then(|v| v.as_l().ok())
            .into_iter()
            .flatten()
        {
            let tag = tag.as_s().map_or("", String::as_str);
            if !has(format!("TAG#{tag}"), format!("ARTICLE#{created}#{id}")) {
                problems.push(format!("article {id} missing from tag {tag}'s list"));
            }
        }
        let favorites = favorites_of.get(id).copied().unwrap_or(0);
        if n(article, "favorites_count") != favorites {
            problems.push(format!(
                "article {id} counts {} favorites, has {favorites}",
                n(article, "favorites_count")
            ));
        }
    }
    for (id, user) in &users {
        let authored = authored.get(id).copied().unwrap_or(0);
        if user.articles_count != authored {
            problems.push(format!(
                "user {id} counts {} articles, has {authored}",
                user.articles_count
            ));
        }
        let favorited = favorited_by_user.get(id).copied().unwrap_or(0);
        if user.favorites_count != favorited {
            problems.push(format!(
                "user {id} counts {} favorites, has {favorited}",
                user.favorites_count
            ));
        }
        if !has(
            format!("USERNAME#{}", user.username.to_lowercase()),
            "USERNAME".into(),
        ) || !has(
            format!("EMAIL#{}", user.email.to_lowercase()),
            "EMAIL".into(),
        ) {
            problems.push(format!("user {id} without its username or email claim"));
        }
    }
    let tags: BTreeSet<&String> = counters.keys().chain(tag_entries.keys()).collect();
    for tag in tags {
        let count = counters.get(tag).copied().unwrap_or(0);
        let entries = tag_entries.get(tag).copied().unwrap_or(0);
        if count != entries {
            problems.push(format!("tag {tag} counts {count}, has {entries} entries"));
        }
    }
    let total = article_total.unwrap_or(0);
    if total != articles.len() as i64 {
        problems.push(format!(
            "article counter says {total}, table has {}",
            articles.len()
        ));
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

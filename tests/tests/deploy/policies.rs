//! Least privilege, proven from everything the tests do: every DynamoDB call
//! made through a function's handler, in any test, is recorded with its
//! action and target (`conduit_tools::actions`), and the union over the
//! whole `make test` run must be exactly what the template grants each
//! function: nothing performed that is not granted, nothing granted that no
//! test performs. A scenario here takes every function down the paths that
//! the other suites may not, so the union never depends on one of them.

use std::collections::{BTreeMap, BTreeSet};

use conduit_tests::harness::{self, Reply, TestApp, call, send};
use conduit_tools::actions;
use serde_json::json;
use shared::{Function, app::Keys, ground::config::RateLimits};

use crate::{binary, functions, template};

/// An app with every rate limit on (and far from reached), so the writes
/// that count are made too.
async fn limited_app() -> TestApp {
    harness::streamed_apps_configured(1, |c| {
        c.rate_limits =
            RateLimits::from_lookup(|_| Some("1000/60".to_owned())).expect("valid rules");
    })
    .await
    .remove(0)
}

/// The functions a scenario ran.
#[derive(Default)]
struct Book {
    ran: BTreeSet<&'static str>,
}

impl Book {
    /// Notes that `function` answered this call, which must succeed.
    fn record(&mut self, function: &'static str, reply: Reply, status: u16) -> Reply {
        assert_eq!(reply.status, status, "{function}: {}", reply.body);
        self.ran.insert(function);
        reply
    }
}

#[tokio::test]
async fn every_function_runs_down_each_of_its_paths() {
    let app = limited_app().await;
    let app = &app;
    let mut worker = harness::worker(app).await;
    let mut s = Book::default();

    let register = |name: &str| {
        call("POST", "/api/users").json(json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": "password123"}}))
    };
    let r = s.record("register-user", send(app, register("author")).await, 201);
    let author = r.body["user"]["token"].as_str().unwrap().to_owned();
    let r = s.record("register-user", send(app, register("reader")).await, 201);
    let reader = r.body["user"]["token"].as_str().unwrap().to_owned();
    // A name taken by someone else: a 409, whatever the password.
    let taken = call("POST", "/api/users").json(json!({"user": {"username": "reader", "email": "reader@example.com", "password": "another password"}}));
    s.record("register-user", send(app, taken).await, 409);
    // A registration resent with its Idempotency-Key reads what the first made.
    let keyed = register("keyed").header("idempotency-key", "policies-registration");
    s.record("register-user", send(app, keyed.clone()).await, 201);
    s.record("register-user", send(app, keyed).await, 201);

    let login = call("POST", "/api/users/login")
        .json(json!({"user": {"email": "reader@example.com", "password": "password123"}}));
    s.record("login-user", send(app, login).await, 200);
    let me = call("GET", "/api/user").token(&reader);
    s.record("get-current-user", send(app, me).await, 200);
    let update = call("PUT", "/api/user")
        .token(&reader)
        .json(json!({"user": {"username": "reader2", "email": "reader2@example.com", "password": "password456", "bio": "hi"}}));
    s.record("update-user", send(app, update).await, 200);

    let profile = call("GET", "/api/profiles/{username}")
        .param("username", "author")
        .token(&reader);
    s.record("get-profile", send(app, profile).await, 200);
    // An article before the follow: following adds it to the reader's feed,
    // unfollowing takes it out, following again brings it back.
    let first = call("POST", "/api/articles")
        .token(&author)
        .json(json!({"article": {"title": "Before", "description": "d", "body": "b"}}));
    s.record("create-article", send(app, first).await, 201);
    let follow = call("POST", "/api/profiles/{username}/follow")
        .param("username", "author")
        .token(&reader);
    s.record("follow-user", send(app, follow.clone()).await, 200);
    let unfollow = call("DELETE", "/api/profiles/{username}/follow")
        .param("username", "author")
        .token(&reader);
    s.record("unfollow-user", send(app, unfollow).await, 200);
    s.record("follow-user", send(app, follow).await, 200);

    // Published to a follower's feed.
    let create = call("POST", "/api/articles")
        .token(&author)
        .json(json!({"article": {"title": "Policies", "description": "d", "body": "b", "tagList": ["iam", "aws"]}}));
    let r = s.record("create-article", send(app, create).await, 201);
    let slug = r.body["article"]["slug"].as_str().unwrap().to_owned();

    for query in [
        vec![],
        vec![("author", "author")],
        vec![("tag", "iam")],
        vec![("favorited", "reader2")],
    ] {
        let mut list = call("GET", "/api/articles").token(&reader);
        for (k, v) in query {
            list = list.query(k, v);
        }
        s.record("list-articles", send(app, list).await, 200);
    }
    let feed = call("GET", "/api/articles/feed").token(&reader);
    s.record("feed-articles", send(app, feed).await, 200);
    let get = call("GET", "/api/articles/{slug}")
        .param("slug", &slug)
        .token(&reader);
    s.record("get-article", send(app, get).await, 200);

    let favorite = call("POST", "/api/articles/{slug}/favorite")
        .param("slug", &slug)
        .token(&reader);
    s.record("favorite-article", send(app, favorite.clone()).await, 200);
    let unfavorite = call("DELETE", "/api/articles/{slug}/favorite")
        .param("slug", &slug)
        .token(&reader);
    s.record("unfavorite-article", send(app, unfavorite).await, 200);
    s.record("favorite-article", send(app, favorite).await, 200);

    let comment = call("POST", "/api/articles/{slug}/comments")
        .param("slug", &slug)
        .token(&reader)
        .json(json!({"comment": {"body": "first"}}));
    let keyed = comment.clone().header("idempotency-key", "first-comment");
    let r = s.record("create-comment", send(app, keyed.clone()).await, 201);
    let id = r.body["comment"]["id"].to_string();
    // The same comment again is a retry with its key, a duplicate without;
    // another one stays for the cleanup.
    s.record("create-comment", send(app, keyed).await, 201);
    s.record("create-comment", send(app, comment).await, 409);
    let another = call("POST", "/api/articles/{slug}/comments")
        .param("slug", &slug)
        .token(&reader)
        .json(json!({"comment": {"body": "second"}}));
    s.record("create-comment", send(app, another).await, 201);
    let comments = call("GET", "/api/articles/{slug}/comments")
        .param("slug", &slug)
        .token(&reader);
    s.record("list-comments", send(app, comments).await, 200);
    let delete_comment = call("DELETE", "/api/articles/{slug}/comments/{id}")
        .param("slug", &slug)
        .param("id", &id)
        .token(&reader);
    s.record("delete-comment", send(app, delete_comment).await, 204);

    let edit = call("PUT", "/api/articles/{slug}")
        .param("slug", &slug)
        .token(&author)
        .json(json!({"article": {"title": "Policies, revised", "tagList": ["iam", "lambda"]}}));
    let r = s.record("update-article", send(app, edit).await, 200);
    let slug = r.body["article"]["slug"].as_str().unwrap().to_owned();

    let tags = call("GET", "/api/tags");
    s.record("list-tags", send(app, tags).await, 200);
    let health = call("GET", "/api/health");
    s.record("health", send(app, health).await, 200);
    let description = call("GET", "/api/openapi.json");
    s.record("get-openapi", send(app, description).await, 200);
    let everywhere = call("DELETE", "/api/user/sessions").token(&reader);
    s.record("end-sessions", send(app, everywhere).await, 204);

    // A follow the request did nothing for: the stream worker's backfill
    // writes the feed entries itself.
    let late = s.record("register-user", send(app, register("late")).await, 201);
    let late = late.body["user"]["token"].as_str().unwrap().to_owned();
    let late_id = app.tokens().unwrap().verify(&late).unwrap().id;
    let author_id = app
        .store
        .users()
        .by_username("author")
        .await
        .unwrap()
        .unwrap()
        .id;
    app.store
        .deferring_jobs()
        .follows()
        .follow(&late_id, &author_id, app.follows_max)
        .await
        .unwrap();

    let delete = call("DELETE", "/api/articles/{slug}")
        .param("slug", &slug)
        .token(&author);
    s.record("delete-article", send(app, delete).await, 204);
    // The article had a favorite and a comment left: the stream worker
    // removes them, and does every feed job the records ask for.
    harness::run_worker(app, &mut worker).await;
    s.ran.insert("stream-worker");
    let all: BTreeSet<&str> = Function::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(s.ran, all, "the scenario runs every function");
}

/// The comparison, over everything a `make test` run recorded; `make test`
/// runs it once every other test has run (`CONDUIT_ACTIONS_DIR` names the
/// run's records).
#[test]
#[ignore = "needs a whole test run's records: make test runs it last"]
fn each_function_is_granted_exactly_what_the_whole_suite_performs() {
    let dir = std::env::var_os(actions::DIR)
        .unwrap_or_else(|| panic!("{} names no folder of records", actions::DIR));
    let used = actions::recorded(std::path::Path::new(&dir)).expect("the records are readable");
    let problems = compare(&granted_actions(), &used);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every way `used` and `granted` differ, one line each.
fn compare(
    granted: &BTreeMap<String, BTreeSet<String>>,
    used: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (function, actions) in granted {
        let performed = used.get(function).cloned().unwrap_or_default();
        let missing: Vec<_> = performed.difference(actions).collect();
        let unused: Vec<_> = actions.difference(&performed).collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{function} performs {missing:?} but is not granted it"
            ));
        }
        if !unused.is_empty() {
            problems.push(format!(
                "{function} is granted {unused:?} but no test performs it"
            ));
        }
    }
    for function in used.keys() {
        if !granted.contains_key(function) {
            problems.push(format!("{function} ran but has no policy in template.yaml"));
        }
    }
    problems
}

#[test]
fn removing_any_grant_is_found() {
    let granted = granted_actions();
    let used = granted.clone();
    assert!(compare(&granted, &used).is_empty());
    for (function, actions) in &granted {
        for action in actions {
            let mut fewer = granted.clone();
            fewer.get_mut(function).unwrap().remove(action);
            let problems = compare(&fewer, &used);
            assert!(
                problems
                    .iter()
                    .any(|p| p.contains(function) && p.contains(action)),
                "{function} {action}: {problems:?}"
            );
        }
    }
}

/// Function binary → DynamoDB actions its policies grant (`Query@index` for an index).
fn granted_actions() -> BTreeMap<String, BTreeSet<String>> {
    let template = template();
    let mut granted = BTreeMap::new();
    for (id, properties, metadata) in functions(&template) {
        let mut actions = BTreeSet::new();
        for policy in properties["Policies"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{id} has Policies"))
        {
            let Some(statements) = policy["Statement"].as_sequence() else {
                continue;
            };
            for statement in statements {
                let resource = serde_norway::to_string(&statement["Resource"]).unwrap();
                let index = resource
                    .split("/index/")
                    .nth(1)
                    .map(|rest| rest.trim().trim_matches('"').to_owned());
                for action in statement["Action"].as_sequence().unwrap() {
                    let action = action.as_str().unwrap();
                    let Some(action) = action.strip_prefix("dynamodb:") else {
                        continue;
                    };
                    actions.insert(match &index {
                        Some(index) => format!("{action}@{index}"),
                        None => action.to_owned(),
                    });
                }
            }
        }
        granted.insert(binary(&metadata), actions);
    }
    granted
}

#[test]
fn only_functions_that_handle_tokens_can_read_the_signing_key() {
    let template = template();
    for (id, properties, metadata) in functions(&template) {
        let name = binary(&metadata);
        let function = Function::named(&name)
            .unwrap_or_else(|| panic!("{id}: {name} is not in the route list"));
        let needs_key = function.keys() == Keys::Signing;
        let has_env = !properties["Environment"]["Variables"]["JWT_SECRET_ARN"].is_null();
        let policies = serde_norway::to_string(&properties["Policies"]).unwrap();
        let has_policy = policies.contains("AWSSecretsManagerGetSecretValuePolicy");
        assert_eq!(
            has_env, needs_key,
            "{id}: JWT_SECRET_ARN is set exactly when the function handles tokens"
        );
        assert_eq!(
            has_policy, needs_key,
            "{id}: the secret is readable exactly when the function handles tokens"
        );
    }
}

//! Least privilege, proven: every handler runs through a scenario that takes
//! each of its code paths while an SDK interceptor records the DynamoDB actions
//! it performs; the template must grant each function exactly those.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
};

use aws_sdk_dynamodb::{
    config::{ConfigBag, Intercept, interceptors::BeforeSerializationInterceptorContextRef},
    error::BoxError,
    operation::{
        batch_get_item::BatchGetItemInput, batch_write_item::BatchWriteItemInput,
        delete_item::DeleteItemInput, get_item::GetItemInput, put_item::PutItemInput,
        query::QueryInput, transact_write_items::TransactWriteItemsInput,
        update_item::UpdateItemInput,
    },
};
use conduit_tests::harness::{self, Reply, call, send};
use serde_json::json;
use shared::{App, Function, app::Keys, ground::config::RateLimits};

use crate::{binary, functions, template};

/// Actions as IAM names them; a query of an index is `Query@<index>`.
#[derive(Debug, Clone, Default)]
struct Recorder(Arc<Mutex<BTreeSet<String>>>);

impl Recorder {
    fn take(&self) -> BTreeSet<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "action recorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        let mut actions = self.0.lock().unwrap();
        let mut record = |action: &str| actions.insert(action.to_owned());
        if input.downcast_ref::<GetItemInput>().is_some() {
            record("GetItem");
        } else if input.downcast_ref::<BatchGetItemInput>().is_some() {
            record("BatchGetItem");
        } else if input.downcast_ref::<BatchWriteItemInput>().is_some() {
            record("BatchWriteItem");
        } else if input.downcast_ref::<PutItemInput>().is_some() {
            record("PutItem");
        } else if input.downcast_ref::<UpdateItemInput>().is_some() {
            record("UpdateItem");
        } else if input.downcast_ref::<DeleteItemInput>().is_some() {
            record("DeleteItem");
        } else if let Some(query) = input.downcast_ref::<QueryInput>() {
            match query.index_name() {
                Some(index) => record(&format!("Query@{index}")),
                None => record("Query"),
            };
        } else if let Some(transaction) = input.downcast_ref::<TransactWriteItemsInput>() {
            // IAM authorizes each item of a transaction by its own action.
            for item in transaction.transact_items() {
                if item.put().is_some() {
                    record("PutItem");
                }
                if item.update().is_some() {
                    record("UpdateItem");
                }
                if item.delete().is_some() {
                    record("DeleteItem");
                }
                if item.condition_check().is_some() {
                    record("ConditionCheckItem");
                }
            }
        } else {
            record("unknown operation");
        }
        Ok(())
    }
}

/// An app whose every DynamoDB call is seen by the returned recorder, with
/// every rate limit on (and far from reached), so their writes are seen too.
async fn recording_app() -> (App, Recorder) {
    let mut app = harness::apps_configured(1, |c| {
        c.rate_limits =
            RateLimits::from_lookup(|_| Some("1000/60".to_owned())).expect("valid rules");
    })
    .await
    .remove(0);
    let recorder = Recorder::default();
    let config = app
        .store
        .table()
        .client()
        .config()
        .to_builder()
        .interceptor(recorder.clone())
        .build();
    app.store = app
        .store
        .with_client(aws_sdk_dynamodb::Client::from_conf(config));
    (app, recorder)
}

/// Which actions each function performed.
struct Book {
    recorder: Recorder,
    used: BTreeMap<&'static str, BTreeSet<String>>,
}

impl Book {
    /// Records what `function` did for this call, which must succeed.
    fn record(&mut self, function: &'static str, reply: Reply, status: u16) -> Reply {
        assert_eq!(reply.status, status, "{function}: {}", reply.body);
        self.used
            .entry(function)
            .or_default()
            .extend(self.recorder.take());
        reply
    }
}

#[tokio::test]
async fn each_function_is_granted_exactly_the_dynamodb_actions_it_performs() {
    let (app, recorder) = recording_app().await;
    let app = &app;
    // The local stream reader looks the table up; that is not the worker's doing.
    let mut worker = harness::worker(app).await;
    recorder.take();
    let mut s = Book {
        recorder,
        used: BTreeMap::new(),
    };

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
    let r = s.record("create-comment", send(app, comment.clone()).await, 201);
    let id = r.body["comment"]["id"].to_string();
    // The same comment again is recognised as a retry; another one stays for the cleanup.
    s.record("create-comment", send(app, comment).await, 201);
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
    s.recorder.take();

    let delete = call("DELETE", "/api/articles/{slug}")
        .param("slug", &slug)
        .token(&author);
    s.record("delete-article", send(app, delete).await, 204);
    // The article had a favorite and a comment left: the stream worker
    // removes them, and does every feed job the records ask for.
    harness::run_worker(app, &mut worker).await;
    s.used
        .entry("stream-worker")
        .or_default()
        .extend(s.recorder.take());

    let granted = granted_actions();
    let mut problems = Vec::new();
    for (function, actions) in &granted {
        let used = s.used.get(function.as_str()).cloned().unwrap_or_default();
        let missing: Vec<_> = used.difference(actions).collect();
        let unused: Vec<_> = actions.difference(&used).collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{function} performs {missing:?} but is not granted it"
            ));
        }
        if !unused.is_empty() {
            problems.push(format!(
                "{function} is granted {unused:?} but never performs it"
            ));
        }
    }
    for function in s.used.keys() {
        if !granted.contains_key(*function) {
            problems.push(format!("{function} ran but has no policy in template.yaml"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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

//! What integration tests share: an `App` on a fresh table in DynamoDB Local,
//! and a client that sends real API Gateway HTTP API (v2) events to the
//! handlers and reads their answers as the runtime would send them.

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use conduit_tools::{
    actions,
    stream::{LocalWorker, StreamReader},
    table::{TableDefinition, template_path},
};
use lambda_http::{Body, Request, Response, http::HeaderMap};
use serde_json::{Value, json};
use shared::{App, Function, edge::serve::answer, ground::config::Config, response::Answer};

pub use conduit_tools::event::{Call, call};

pub use conduit_tools::table::{config, endpoint};

/// An `App` on its own new table, created from `template.yaml` but for
/// its stream: DynamoDB Local keeps every stream record it is given for the
/// whole run, and slows with them, so only tables of tests that run the
/// stream worker have one ([`streamed_app`] and the like).
pub async fn app() -> TestApp {
    apps(1).await.pop().expect("one app")
}

/// `n` apps on one new table, their configuration changed by `adjust`
/// (rate limits, say).
pub async fn apps_configured(n: usize, adjust: impl Fn(&mut Config)) -> Vec<TestApp> {
    apps_with(&vec![endpoint(); n], adjust, Stream::Off).await
}

/// Apps on one new table with one signing key, the i-th reaching DynamoDB at
/// `endpoints[i]` (DynamoDB Local, or a proxy in front of it), each with its
/// own SDK client and so its own connections: separate Lambda instances.
pub async fn apps_on(endpoints: &[String]) -> Vec<TestApp> {
    apps_with(endpoints, |_| {}, Stream::Off).await
}

/// An app on a new table with the template's stream, for the stream worker.
pub async fn streamed_app() -> TestApp {
    streamed_apps(1).await.pop().expect("one app")
}

/// `n` apps on a new table with the template's stream.
pub async fn streamed_apps(n: usize) -> Vec<TestApp> {
    streamed_apps_on(&vec![endpoint(); n]).await
}

/// [`apps_on`], on a table with the template's stream.
pub async fn streamed_apps_on(endpoints: &[String]) -> Vec<TestApp> {
    apps_with(endpoints, |_| {}, Stream::On).await
}

/// [`apps_configured`], on a table with the template's stream.
pub async fn streamed_apps_configured(n: usize, adjust: impl Fn(&mut Config)) -> Vec<TestApp> {
    apps_with(&vec![endpoint(); n], adjust, Stream::On).await
}

/// Whether a test's table has the template's stream.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    On,
    Off,
}

/// An app of a test, on a table of its own that is dropped when the last
/// app on it is: DynamoDB Local slows with every table it keeps, and a run
/// makes one per test.
pub struct TestApp {
    app: App,
    _table: Option<Arc<TableOfTest>>,
}

impl std::ops::Deref for TestApp {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

impl std::ops::DerefMut for TestApp {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.app
    }
}

struct TableOfTest {
    client: aws_sdk_dynamodb::Client,
    name: String,
}

impl Drop for TableOfTest {
    fn drop(&mut self) {
        let (client, name) = (self.client.clone(), std::mem::take(&mut self.name));
        // Out of the test's runtime, which may be shutting down.
        std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                let _ = runtime.block_on(client.delete_table().table_name(name).send());
            }
        });
    }
}

async fn apps_with(
    endpoints: &[String],
    adjust: impl Fn(&mut Config),
    stream: Stream,
) -> Vec<TestApp> {
    let table = format!("test-{}", uuid::Uuid::new_v4().simple());
    let mut base = config(&endpoint(), &table);
    adjust(&mut base);
    let mut apps = Vec::with_capacity(endpoints.len());
    for endpoint in endpoints {
        let mut config = base.clone();
        config.dynamodb_endpoint = Some(endpoint.clone());
        apps.push(recorded(App::new(&config).await.expect("app builds")));
    }
    let creator = App::new(&base).await.expect("app builds");
    let mut definition =
        TableDefinition::from_template(&template_path()).expect("template.yaml defines the table");
    if stream == Stream::Off {
        definition.stream = None;
    }
    definition
        .create(creator.store.table().client(), &table)
        .await
        .expect("table is created in DynamoDB Local");
    let guard = Arc::new(TableOfTest {
        client: creator.store.table().client().clone(),
        name: table,
    });
    apps.into_iter()
        .map(|app| TestApp {
            app,
            _table: Some(Arc::clone(&guard)),
        })
        .collect()
}

/// `n` apps on one new table in DynamoDB Local (see [`apps_on`]).
pub async fn apps(n: usize) -> Vec<TestApp> {
    apps_on(&vec![endpoint(); n]).await
}

/// The stream worker on `app`'s table, reading its stream from the start.
pub async fn worker(app: &App) -> LocalWorker {
    let table = app.store.table();
    let reader = StreamReader::new(table.client(), &endpoint(), table.name())
        .await
        .expect("the test's table has a stream: make it with harness::streamed_app or the like");
    LocalWorker::new(reader)
}

/// Runs the stream worker over everything `app`'s table stream holds that
/// `worker` has not yet handled, until nothing is left to do.
pub async fn run_worker(app: &App, worker: &mut LocalWorker) {
    let answers = worker
        .drain(&app.store, 1_000)
        .await
        .expect("the stream is readable");
    if let Some(last) = answers.last() {
        assert!(
            last.batch_item_failures.is_empty(),
            "the worker finished every record: {answers:?}"
        );
    }
}

/// An `App` whose database is at `endpoint` (for failure tests), with a short timeout.
pub async fn app_at(endpoint: &str, timeout: Duration) -> TestApp {
    let mut config = config(endpoint, "unreachable");
    config.db_timeout = timeout;
    TestApp {
        app: recorded(App::new(&config).await.expect("app builds")),
        _table: None,
    }
}

/// The app, its DynamoDB calls recorded as the actions of the function
/// whose handler makes them (see `conduit_tools::actions`).
fn recorded(mut app: App) -> App {
    app.store = app
        .store
        .with_client(actions::recording(app.store.table().client()));
    app
}

/// A handler's response, with the body parsed as JSON (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The first message of `errors.<field>`.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.body["errors"][field][0].as_str()
    }
}

/// Sends `call` to the function that serves its route, as API Gateway
/// would, and reads the answer as the runtime would send it.
pub async fn send(app: &App, call: Call) -> Reply {
    let function = Function::serving(call.method(), call.route())
        .unwrap_or_else(|| panic!("no function serves {} {}", call.method(), call.route()));
    reply(invoke(app, function, call.request()).await)
}

/// The handler of `function`, called as the runtime calls it. Each
/// handler's state is boxed, so a test that calls many keeps only one on
/// its stack at a time.
pub async fn invoke(app: &App, function: Function, req: Request) -> Response<Body> {
    let answered = answer(app, function, req, |req| handler_of(app, function, req));
    actions::as_function(function.name(), answered).await
}

type Pending<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// The handler of `function`, boxed.
fn handler_of(app: &App, function: Function, req: Request) -> Pending<'_> {
    match function {
        Function::RegisterUser => Box::pin(register_user::handler(app, req)),
        Function::LoginUser => Box::pin(login_user::handler(app, req)),
        Function::GetCurrentUser => Box::pin(get_current_user::handler(app, req)),
        Function::UpdateUser => Box::pin(update_user::handler(app, req)),
        Function::EndSessions => Box::pin(end_sessions::handler(app, req)),
        Function::GetProfile => Box::pin(get_profile::handler(app, req)),
        Function::FollowUser => Box::pin(follow_user::handler(app, req)),
        Function::UnfollowUser => Box::pin(unfollow_user::handler(app, req)),
        Function::ListArticles => Box::pin(list_articles::handler(app, req)),
        Function::FeedArticles => Box::pin(feed_articles::handler(app, req)),
        Function::CreateArticle => Box::pin(create_article::handler(app, req)),
        Function::GetArticle => Box::pin(get_article::handler(app, req)),
        Function::UpdateArticle => Box::pin(update_article::handler(app, req)),
        Function::DeleteArticle => Box::pin(delete_article::handler(app, req)),
        Function::FavoriteArticle => Box::pin(favorite_article::handler(app, req)),
        Function::UnfavoriteArticle => Box::pin(unfavorite_article::handler(app, req)),
        Function::ListComments => Box::pin(list_comments::handler(app, req)),
        Function::CreateComment => Box::pin(create_comment::handler(app, req)),
        Function::DeleteComment => Box::pin(delete_comment::handler(app, req)),
        Function::ListTags => Box::pin(list_tags::handler(app, req)),
        Function::Health => Box::pin(health::handler(app, req)),
        Function::GetOpenApi => Box::pin(get_openapi::handler(app, req)),
        Function::StreamWorker => panic!("the stream worker serves no route"),
    }
}

/// A response as a test reads it.
pub fn reply(response: Response<Body>) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = match response.body() {
        Body::Empty => Value::Null,
        Body::Text(text) => serde_json::from_str(text).expect("bodies are JSON"),
        Body::Binary(bytes) => serde_json::from_slice(bytes).expect("bodies are JSON"),
        _ => Value::Null,
    };
    if status != 204 && status != 304 && status < 500 {
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
        assert_eq!(
            content_type,
            Some("application/json; charset=utf-8"),
            "JSON content type on {status}"
        );
    }
    Reply {
        status,
        headers,
        body,
    }
}

/// `{"errors": errors}`, the RealWorld error document.
pub fn errors(errors: Value) -> Value {
    json!({ "errors": errors })
}

/// Asserts the exact status and body of a reply, showing both on failure.
#[track_caller]
pub fn assert_reply(reply: &Reply, status: u16, body: Value) {
    assert_eq!(
        (reply.status, &reply.body),
        (status, &body),
        "expected {status} {body}, got {} {}",
        reply.status,
        reply.body
    );
}

/// Asserts a reply is a rate limit's 429: `Retry-After` in seconds, and the
/// RealWorld error saying the same.
#[track_caller]
pub fn assert_rate_limited(reply: &Reply) {
    assert_eq!(reply.status, 429, "{}", reply.body);
    let retry: u64 = reply.headers["retry-after"]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("Retry-After is a number of seconds");
    assert!((1..=99_999).contains(&retry), "{retry}");
    assert_reply(
        reply,
        429,
        errors(json!({ "request": [format!("limit reached, retry in {retry} seconds")] })),
    );
}

/// Asserts the status of a reply, showing its body on failure.
#[track_caller]
pub fn assert_status(reply: &Reply, status: u16) {
    assert_eq!(
        reply.status, status,
        "expected {status}, got {} {}",
        reply.status, reply.body
    );
}

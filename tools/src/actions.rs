//! What each function does to DynamoDB, as IAM sees it: every call made
//! while a function's handler runs (inside [`as_function`]) is recorded with
//! its action and target (`Query@<index>` for an index), by an interceptor
//! on the client ([`recording`]). Each test process appends what it sees
//! for the first time to a file of its own under `CONDUIT_ACTIONS_DIR`, so
//! the union over a whole test run can be held against the template's
//! grants. Without the variable, nothing is written.

use std::{
    collections::{BTreeMap, BTreeSet},
    future::Future,
    io::Write,
    path::Path,
    sync::{Mutex, OnceLock},
};

use aws_sdk_dynamodb::{
    Client,
    config::{ConfigBag, Intercept, interceptors::BeforeSerializationInterceptorContextRef},
    error::BoxError,
    operation::{
        batch_get_item::BatchGetItemInput, batch_write_item::BatchWriteItemInput,
        delete_item::DeleteItemInput, get_item::GetItemInput, put_item::PutItemInput,
        query::QueryInput, scan::ScanInput, transact_write_items::TransactWriteItemsInput,
        update_item::UpdateItemInput,
    },
};

/// The variable naming the folder a test run records into.
pub const DIR: &str = "CONDUIT_ACTIONS_DIR";

tokio::task_local! {
    static FUNCTION: &'static str;
}

/// Runs `work` as function `name`: the calls it makes are that function's.
pub async fn as_function<F: Future>(name: &'static str, work: F) -> F::Output {
    FUNCTION.scope(name, work).await
}

/// Actions as IAM names them, for one call's input: a transaction is
/// authorized item by item, each by its own action.
pub fn actions_of(
    input: &aws_smithy_runtime_api::client::interceptors::context::Input,
) -> Vec<String> {
    let mut actions = Vec::new();
    if input.downcast_ref::<GetItemInput>().is_some() {
        actions.push("GetItem".to_owned());
    } else if input.downcast_ref::<BatchGetItemInput>().is_some() {
        actions.push("BatchGetItem".to_owned());
    } else if input.downcast_ref::<BatchWriteItemInput>().is_some() {
        actions.push("BatchWriteItem".to_owned());
    } else if input.downcast_ref::<PutItemInput>().is_some() {
        actions.push("PutItem".to_owned());
    } else if input.downcast_ref::<UpdateItemInput>().is_some() {
        actions.push("UpdateItem".to_owned());
    } else if input.downcast_ref::<DeleteItemInput>().is_some() {
        actions.push("DeleteItem".to_owned());
    } else if input.downcast_ref::<ScanInput>().is_some() {
        actions.push("Scan".to_owned());
    } else if let Some(query) = input.downcast_ref::<QueryInput>() {
        actions.push(match query.index_name() {
            Some(index) => format!("Query@{index}"),
            None => "Query".to_owned(),
        });
    } else if let Some(transaction) = input.downcast_ref::<TransactWriteItemsInput>() {
        for item in transaction.transact_items() {
            if item.put().is_some() {
                actions.push("PutItem".to_owned());
            }
            if item.update().is_some() {
                actions.push("UpdateItem".to_owned());
            }
            if item.delete().is_some() {
                actions.push("DeleteItem".to_owned());
            }
            if item.condition_check().is_some() {
                actions.push("ConditionCheckItem".to_owned());
            }
        }
    } else {
        actions.push("unknown operation".to_owned());
    }
    actions
}

/// Everything this process has recorded, and where it writes it.
struct Book {
    seen: BTreeSet<(String, String)>,
    file: Option<std::fs::File>,
}

fn book() -> &'static Mutex<Book> {
    static BOOK: OnceLock<Mutex<Book>> = OnceLock::new();
    BOOK.get_or_init(|| {
        let file = std::env::var_os(DIR).map(|dir| {
            std::fs::create_dir_all(&dir).expect("the actions folder can be made");
            let path = Path::new(&dir).join(format!("{}.txt", std::process::id()));
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("the actions file can be written")
        });
        Mutex::new(Book {
            seen: BTreeSet::new(),
            file,
        })
    })
}

fn record(function: &str, action: String) {
    let mut book = book()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if book.seen.insert((function.to_owned(), action.clone()))
        && let Some(file) = book.file.as_mut()
    {
        writeln!(file, "{function} {action}").expect("the actions file can be written");
    }
}

/// The interceptor that records the calls made inside [`as_function`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Recorder;

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "action recorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(function) = FUNCTION.try_with(|f| *f) {
            for action in actions_of(context.input()) {
                record(function, action);
            }
        }
        Ok(())
    }
}

/// The same client, with the recorder.
pub fn recording(client: &Client) -> Client {
    let config = client.config().to_builder().interceptor(Recorder).build();
    Client::from_conf(config)
}

/// What the files under `dir` say each function did: function -> actions.
pub fn recorded(dir: &Path) -> std::io::Result<BTreeMap<String, BTreeSet<String>>> {
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let text = std::fs::read_to_string(entry?.path())?;
        for line in text.lines() {
            if let Some((function, action)) = line.split_once(' ') {
                used.entry(function.to_owned())
                    .or_default()
                    .insert(action.to_owned());
            }
        }
    }
    Ok(used)
}

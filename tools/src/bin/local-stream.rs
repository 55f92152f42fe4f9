//! `make dev`'s stream worker: follows the local table's stream and runs the
//! real worker handler (`functions/stream-worker`) on its records, as
//! Lambda's event source mapping does for the deployed table.
//!
//! Usage: `local-stream` with `DYNAMODB_ENDPOINT`, `TABLE_NAME` and `AWS_REGION` set.

use std::time::Duration;

use conduit_tools::stream::{Error, LocalWorker, StreamReader};

/// How often the stream is read when it had nothing new.
const IDLE: Duration = Duration::from_millis(200);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::ground::telemetry::init_logs();
    let endpoint =
        std::env::var("DYNAMODB_ENDPOINT").map_err(|_| "DYNAMODB_ENDPOINT is not set")?;
    let app = shared::App::from_env(shared::app::Keys::None, &[]).await?;
    let table = app.store.table();
    let reader = StreamReader::new(table.client(), &endpoint, table.name()).await?;
    let mut worker = LocalWorker::new(reader);
    eprintln!("stream worker following table {}", table.name());
    loop {
        match worker.round(&app.store).await {
            Ok(Some(answer)) if answer.batch_item_failures.is_empty() => continue,
            Ok(_) => {}
            Err(err) => eprintln!("stream worker: {err}"),
        }
        tokio::time::sleep(IDLE).await;
    }
}

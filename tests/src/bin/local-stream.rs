//! `make dev`'s stream worker: follows the local table's stream and runs the
//! real worker handler (`functions/stream-worker`) on its records, as
//! Lambda's event source mapping does for the deployed table.
//!
//! Usage: `local-stream` with `DYNAMODB_ENDPOINT`, `TABLE_NAME` and `AWS_REGION` set.

use std::time::Duration;

use conduit_tests::stream::{Error, LocalWorker, StreamReader};

/// How often the stream is read when it had nothing new.
const IDLE: Duration = Duration::from_millis(200);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init_logs();
    let endpoint =
        std::env::var("DYNAMODB_ENDPOINT").map_err(|_| "DYNAMODB_ENDPOINT is not set")?;
    let app = shared::App::from_env_without_tokens().await?;
    let reader = StreamReader::new(app.db.client(), &endpoint, app.db.table()).await?;
    let mut worker = LocalWorker::new(reader);
    eprintln!("stream worker following table {}", app.db.table());
    loop {
        match worker.round(&app.db).await {
            Ok(Some(answer)) if answer.batch_item_failures.is_empty() => continue,
            Ok(_) => {}
            Err(err) => eprintln!("stream worker: {err}"),
        }
        tokio::time::sleep(IDLE).await;
    }
}

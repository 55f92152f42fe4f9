use lambda_runtime::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let metrics = shared::telemetry::init()?;
    let app = shared::App::from_env_without_tokens().await?;
    shared::telemetry::run_events(metrics, |event| stream_worker::handler(&app.db, event)).await
}

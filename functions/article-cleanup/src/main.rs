use lambda_runtime::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let app = shared::App::from_env_without_tokens().await?;
    lambda_runtime::run(service_fn(|event| article_cleanup::handler(&app.db, event))).await
}

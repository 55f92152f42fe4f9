use lambda_http::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let metrics = shared::telemetry::init()?;
    let app = shared::App::from_env_without_tokens().await?;
    shared::telemetry::serve(metrics, |req| health::handler(&app, req)).await
}

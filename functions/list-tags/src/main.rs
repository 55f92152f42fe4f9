use lambda_http::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    let app = shared::App::from_env_without_tokens().await?;
    lambda_http::run(service_fn(|req| list_tags::handler(&app, req))).await
}

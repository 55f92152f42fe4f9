use lambda_http::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let metrics = shared::telemetry::init()?;
    let app = shared::App::from_env().await?;
    shared::telemetry::serve(metrics, |req| get_current_user::handler(&app, req)).await
}

use crate::{auth::Tokens, config::Config, db::Db};

/// Everything a handler needs, built once per cold start and shared by every
/// invocation the execution environment serves.
pub struct App {
    pub db: Db,
    pub tokens: Tokens,
}

impl App {
    /// Reads the configuration from the environment and builds the clients.
    pub async fn from_env() -> Result<Self, lambda_http::Error> {
        let config = Config::from_env()?;
        Ok(Self::new(&config).await)
    }

    pub async fn new(config: &Config) -> Self {
        Self {
            db: Db::connect(config).await,
            tokens: Tokens::new(config.jwt_secret.expose(), config.token_ttl),
        }
    }
}

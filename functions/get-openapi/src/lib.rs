//! `GET /api/openapi.json`: the OpenAPI description of this API
//! (`docs/openapi.yaml`), built into the binary, so a deployed stack
//! describes itself. Public and cacheable like any anonymous read.

use lambda_http::Request;
use shared::{
    App,
    response::{self, Answer},
};

/// The description as JSON, made from `docs/openapi.yaml` at build time.
pub const DESCRIPTION: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

pub async fn handler(_app: &App, _req: Request) -> Answer {
    response::json_text(DESCRIPTION)
}

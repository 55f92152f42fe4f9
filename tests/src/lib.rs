//! Test and local-stack tooling.
//!
//! - [`table`] creates a DynamoDB table from the `Table` resource of
//!   `template.yaml`, so the deployed table and every local one share one definition.
//! - [`harness`] gives integration tests an [`shared::App`] on a fresh table in
//!   DynamoDB Local and builds the API Gateway HTTP API (v2) events the
//!   handlers receive in Lambda.

pub mod harness;
pub mod table;

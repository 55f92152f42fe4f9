//! Test and local-stack tooling.
//!
//! - [`table`] creates a DynamoDB table from the `Table` resource of
//!   `template.yaml`, so the deployed table and every local one share one definition.
//! - [`harness`] gives integration tests an [`shared::App`] on a fresh table in
//!   DynamoDB Local and builds the API Gateway HTTP API (v2) events the
//!   handlers receive in Lambda.
//! - [`stream`] reads the table's stream in DynamoDB Local and feeds the
//!   stream worker, as Lambda's event source mapping does in AWS.
//! - [`audit`] checks table-wide invariants after a test has run.
//! - [`meter`] measures what a request costs in DynamoDB capacity.
//! - [`runtime`] is a Lambda Runtime API for one function process, to run a
//!   built function binary as Lambda runs it (the benchmark and the telemetry tests).

pub mod audit;
pub mod harness;
pub mod meter;
pub mod runtime;
pub mod stream;
pub mod table;

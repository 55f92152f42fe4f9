//! The project's tools, and what tests and tools share.
//!
//! - [`table`] creates a DynamoDB table from the `Table` resource of
//!   `template.yaml`, so the deployed table and every local one share one
//!   definition (`create-table`).
//! - [`stream`] reads the table's stream in DynamoDB Local and feeds the
//!   stream worker, as Lambda's event source mapping does in AWS
//!   (`local-stream`, and the tests).
//! - [`admin`] is the operator's tool (`conduit-admin`): the audit of a
//!   deployed table, failed jobs listed and run again, a deleted article's
//!   cleanup finished, a reader's feed rebuilt.
//! - [`actions`] records what each function does to DynamoDB, as IAM sees it.
//! - [`audit`] checks table-wide invariants.
//! - [`event`] builds the API Gateway events a function receives.
//! - [`faults`] is a proxy that answers chosen DynamoDB operations with the
//!   faults DynamoDB returns under load and DynamoDB Local never does.
//! - [`lanes`] models the stream worker's lanes at a scale no local run reaches.
//! - [`meter`] measures what a request costs in DynamoDB capacity.
//! - [`runtime`] is a Lambda Runtime API for one function process, to run a
//!   built function binary as Lambda runs it (the benchmark and the telemetry tests).
//!
//! Binaries: `conduit-admin`, `create-table`, `local-stream`, `bench`
//! (`make bench`) and `floor` (the benchmark's hello-world baseline).

pub mod actions;
pub mod admin;
pub mod audit;
pub mod event;
pub mod faults;
pub mod lanes;
pub mod meter;
pub mod runtime;
pub mod stream;
pub mod table;

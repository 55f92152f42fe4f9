//! The ground floor: what every layer above stands on and nothing here
//! looks up from. The clock, the one error type, configuration (with the
//! AWS SDK's), the key design of the table, `If-Match` preconditions and
//! entity tags, and telemetry's names and setup.

pub mod aws;
pub mod clock;
pub mod config;
pub mod error;
pub mod keys;
pub mod precondition;
pub mod telemetry;

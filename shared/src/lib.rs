//! What every Conduit function has in common: configuration, the DynamoDB data
//! layer, authentication, request parsing and validation, and the one error type
//! that turns every failure into a RealWorld error response.
//!
//! A function crate only wires these together: parse, authorize, call `db`, render.

pub mod auth;
pub mod config;
pub mod cursor;
pub mod db;
pub mod error;
pub mod http;
pub mod model;
pub mod slug;
pub mod telemetry;
pub mod validate;

mod app;

pub use app::{App, sdk_config};
pub use error::{ApiError, FieldErrors};

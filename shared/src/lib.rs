//! What every Conduit function has in common, in layers. Read it top down;
//! each layer uses only the ones below it, never one above:
//!
//! 1. [`edge`], the HTTP edge: the entry point every function's `main`
//!    calls, the list of routes, reading requests and writing responses,
//!    caching headers and conditional requests, and the edge's origin check.
//! 2. [`app`], the application: who is calling (tokens), the sign-up and
//!    sign-in policy, input rules, and the JSON documents of the API.
//! 3. [`store`], the data, one surface per entity (users, articles,
//!    comments, favorites, follows, feed, lists, tags, limits, requests),
//!    each write doing what it implies, and the jobs it leaves.
//! 4. [`table`], the table engine: DynamoDB calls, transactions with named
//!    slots, partition walks, retries and what a failure means.
//! 5. [`ground`]: the clock, the one error type, configuration, the key
//!    design and telemetry.
//!
//! A function crate only wires these together: its `main` calls
//! [`serve`], its handler reads the request, calls the store, and answers.

pub mod app;
pub mod edge;
pub mod ground;
pub mod store;
pub mod table;

pub use app::App;
pub use edge::{
    request, response,
    routes::Function,
    serve::{Served, serve, serve_events},
};
pub use ground::error::{ApiError, FieldErrors};

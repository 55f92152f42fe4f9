//! The HTTP edge: where a Lambda invocation becomes a request and an answer
//! becomes a response. [`serve`] is every function's entry point,
//! [`routes`] the one list of functions and routes, [`request`] reads what
//! a client sent and [`response`] writes what it gets back, [`cache`] what
//! a cache may keep of it and [`origin`] which requests are let in.

pub mod cache;
pub mod origin;
pub mod request;
pub mod response;
pub mod routes;
pub mod serve;

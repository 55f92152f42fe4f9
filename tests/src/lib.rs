//! What the integration tests share: [`harness`], an `App` on a fresh table
//! in DynamoDB Local, and a client that calls every function's handler as
//! API Gateway would.
pub mod harness;

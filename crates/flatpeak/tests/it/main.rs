//! The client's integration tests, one module per concern, in one test binary: they link the
//! whole dependency graph once rather than once per file, and their tests share the cores
//! rather than running binary after binary (the retries' waits beside the webhooks' key
//! refetches). `webhook` uses the feature `test-util`, which the crate's dev-dependency on
//! itself turns on for every test. Binaries of their own: `secrets.rs` and `retry_refused.rs`
//! (they capture the client's log, which other tests' events could reach: tracing caches each
//! call site's interest for the whole process) and `package.rs` (it builds the packaged
//! crate).

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod client;
mod decode_props;
mod errors;
mod examples;
mod hostile;
mod operations;
mod pagination;
mod path_safety;
mod retry;
mod sensitive_debug;
mod webhook;
mod wire;

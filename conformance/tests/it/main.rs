//! The gate's integration tests, one module per concern, in one test binary: they link the
//! whole dependency graph once rather than once per file, and their tests share the cores
//! rather than running binary after binary. (`memory.rs` stays a binary of its own: it reads
//! its process's peak memory.)

#[path = "../common/mod.rs"]
mod common;

mod bundled;
mod cassette_shape;
mod command;
mod exports;
mod negative;
mod recording;
mod scrub_delivery;
mod scrub_har;
mod scrub_verdict;
mod synth;

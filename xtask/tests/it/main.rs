//! xtask's integration tests, one module per command, in one test binary: they link xtask's
//! dependencies once rather than once per file, and their tests share the cores rather than
//! running binary after binary (a long `generate --check` beside the diff's mutations).
//!
//! The ignored tests compile generated crates or need cargo-semver-checks; `.ci/run` runs
//! them by name: `cargo test -p xtask --test it -- --ignored corpus:: generate::` and
//! `cargo test -p xtask --test it -- --ignored diff::verify`.

mod common;
mod corpus;
mod diff;
mod generate;
mod replay_table;

//! The contract gate: replays recorded Flatpeak responses through the generated client and
//! validates them against the spec.
//!
//! Data flows one way, one module per stage:
//! [`cassette`] (read) -> [`route`] (operation) -> [`replay`] (wiremock + client) ->
//! [`checks`] (findings) -> [`waivers`] -> [`report`]. [`gate::run`] drives them;
//! `cargo xtask conformance` (or this crate's binary) is the command.
//!
//! ```no_run
//! # async fn run() -> Result<(), conformance::RunError> {
//! let config = conformance::Config::new(vec!["conformance/cassettes".into()], "openapi/flatpeak.yaml".into());
//! let report = conformance::run(&config).await?;
//! print!("{}", conformance::report::render(&report, conformance::report::Format::Text));
//! # Ok(())
//! # }
//! ```

pub mod cassette;
pub mod checks;
pub mod cli;
pub mod coverage;
pub mod gate;
pub mod model;
pub mod replay;
pub mod report;
pub mod route;
pub mod schema;
pub mod scrub;
pub mod secrets;
pub mod spec;
pub mod synth;
pub mod waivers;

pub use gate::{Config, Timings, run, run_timed};
pub use model::{
    Finding, Interaction, Kind, MAX_TEXT, Outcome, Replayed, Report, Severity, Summary,
};

/// Why the gate could not run at all (exit code 2): an unreadable spec, cassette directory or
/// waivers file, or a replay thread or server that did not start or stopped half-way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError(String);

impl RunError {
    /// An error with this message, which names the file or place at fault.
    pub fn new(message: impl Into<String>) -> Self {
        RunError(message.into())
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RunError {}

/// The repository README's Rust examples, compiled as doctests so they cannot rot (they use
/// the `flatpeak` client, a dependency of this crate; the client's own package holds only its
/// crate README).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

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

use std::path::PathBuf;

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
/// waivers file, a spec the schema validator cannot compile, or a replay thread or server that
/// did not start or stopped half-way. Each names the file or place at fault. (What is wrong
/// with a cassette is a [`Finding`], not an error: the run goes on.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The spec could not be read or is not one the gate can use.
    #[error(transparent)]
    Spec(#[from] spec_model::SpecError),
    /// A path given as a cassette directory is neither a directory nor a file.
    #[error("{}: not a directory of cassettes", .0.display())]
    NotADirectory(PathBuf),
    /// A directory of cassettes could not be walked.
    #[error("{}: {source}", path.display())]
    Walk {
        /// The directory given.
        path: PathBuf,
        /// Why.
        source: walkdir::Error,
    },
    /// A file could not be read or written.
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// `read` or `write`.
        action: &'static str,
        /// Why.
        source: std::io::Error,
    },
    /// The waivers file is not valid TOML of the expected shape.
    #[error("{}: {source}", path.display())]
    Waivers {
        /// The waivers file.
        path: PathBuf,
        /// What the TOML reader said, with the line.
        source: Box<toml::de::Error>,
    },
    /// A file to scrub is not a cassette that can be read and written back.
    #[error("{}: {source}", path.display())]
    Scrub {
        /// The file.
        path: PathBuf,
        /// Why.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A schema of the spec could not be compiled by the JSON Schema validator.
    #[error("schema at `#{pointer}` does not compile: {message}")]
    Schema {
        /// Where the schema is in the spec (empty: the spec as a whole).
        pointer: String,
        /// The validator's message.
        message: String,
    },
    /// The replay client could not be built (a bad base path in the spec's `servers`).
    #[error("cannot build the replay client: {0}")]
    ReplayClient(#[from] flatpeak::BuildError),
    /// A replay thread or runtime could not be started.
    #[error("cannot start the replay: {0}")]
    ReplayStart(std::io::Error),
    /// A replay thread stopped before it finished.
    #[error("a replay thread stopped before it finished (it panicked)")]
    ReplayStopped,
}

/// The repository README's Rust examples, compiled as doctests so they cannot rot (they use
/// the `flatpeak` client, a dependency of this crate; the client's own package holds only its
/// crate README).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

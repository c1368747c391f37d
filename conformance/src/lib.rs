//! The contract gate: replays recorded Flatpeak traffic through the generated client and
//! validates every request and response against the spec (status, content type, JSON Schema
//! with ID patterns, required fields, enums and types, undeclared fields, the client's own
//! reading, secrets left in the recording).
//!
//! The library is the gate as the `conformance` command runs it (usually as
//! `cargo xtask conformance`): [`run`] it with a [`Config`] (the cassette directories, the
//! spec, waivers, hosts, a coverage requirement), read the [`Report`] (its [`Finding`]s, each
//! of a [`Kind`] and a [`Severity`], a [`Summary`] and the spec's [`Coverage`]), and
//! [`report::render`] it as text, JSON, JUnit or SARIF. [`scrub`] replaces the secrets in
//! cassettes before they are shared. A [`RunError`] means the gate could not run at all;
//! what is wrong with a cassette is a finding.
//!
//! ```no_run
//! # async fn run() -> Result<(), conformance::RunError> {
//! use conformance::report::{Format, render};
//!
//! // Every release of the workspace (`openapi/releases.toml`), each recording checked against
//! // the release that served it.
//! let mut config = conformance::Config::for_workspace(
//!     vec!["conformance/cassettes".into()],
//!     std::path::Path::new("."),
//! )?;
//! config.require_coverage = Some(conformance::Requirement::Operations);
//! let report = conformance::run(&config).await?;
//! print!("{}", render(&report, Format::Text));
//! for finding in report.findings.iter().filter(|f| f.kind == conformance::Kind::Schema) {
//!     println!("{} at {}: {}", finding.file, finding.pointer, finding.message);
//! }
//! assert!(report.conforms());
//! # Ok(())
//! # }
//! ```
//!
//! Inside, data flows one way, one module per stage: `cassette` (read) -> `route`
//! (operation) -> `replay` (wiremock + the generated client) -> `checks` and `secrets`
//! (findings) -> `waivers` -> `report`; `gate` drives them. A recorded webhook delivery (a
//! signed POST to the receiver's URL) goes to `delivery` instead of `route` and `replay`.

use std::path::PathBuf;

mod cassette;
mod checks;
mod coverage;
mod delivery;
mod gate;
mod model;
mod personal;
mod releases;
mod replay;
pub mod report;
mod route;
mod schema;
mod scrub;
mod secrets;
mod spec;
/// Synthetic sets of recorded interactions, for the benchmarks and the gate's own tests (cargo
/// feature `synth`, off by default): not part of the gate's API, and changed as those need.
#[cfg(feature = "synth")]
pub mod synth;
mod waivers;

pub use coverage::{Coverage, EnumCoverage, OperationCoverage, Requirement};
pub use gate::{Config, Timings, run, run_timed};
pub use model::{
    ClientErrorKind, Finding, Kind, MAX_TEXT, Outcome, Replayed, Report, Severity, Summary,
};
pub use releases::Release;
pub use scrub::{Change, Note, Scrubbed, scrub};

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
    /// The list of releases (`openapi/releases.toml`) could not be read.
    #[error(transparent)]
    Releases(#[from] spec_model::releases::CatalogueError),
    /// A release was asked for that the run has no spec for.
    #[error("no release `{release}` (known: {})", known.join(", "))]
    UnknownRelease {
        /// The release asked for.
        release: String,
        /// The releases the run has.
        known: Vec<String>,
    },
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

//! A typed async client for the [Flatpeak](https://flatpeak.com) energy API, one module per
//! API release.
//!
//! Flatpeak's API comes in dated releases, chosen per request with the `Flatpeak-Version`
//! header, each with its own shapes. This crate has a module per release (`zero`, `yotta`,
//! ...), each behind the cargo feature of its name and each generated from that release's spec
//! (`openapi/<release>.yaml`) by `cargo xtask generate`. A release's client sends its
//! `Flatpeak-Version` on every request, so the shapes it decodes are the shapes the server
//! sends. Construction, authentication, retries, limits, recording and the one error type are
//! written once for all of them. See [Production use](crate#production-use).
//!
//! ```no_run
//! # #[cfg(feature = "zero")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use flatpeak::ReleaseClient as _;
//!
//! let client = flatpeak::zero::Client::builder()
//!     .bearer_token(std::env::var("FLATPEAK_TOKEN")?)
//!     .build()?;
//! let device = client
//!     .retrieve_device()
//!     .id("dev_63a6087272941ef077a8fd3e")
//!     .send()
//!     .await?;
//! println!("{} was created at {}", device.id.as_str(), device.time_created);
//! # Ok(())
//! # }
//! ```
//!
//! # Releases
#![doc = include_str!("generated/releases.md")]
//!
//! # What it accepts and what it sends
//! - **Liberal in what it accepts.** A value of a response enum that this version does not
//!   know arrives as `Unknown(String)`; unknown fields are ignored; an id off the documented
//!   pattern is kept as it came; every error body Flatpeak documents is read into
//!   [`ApiError`] (its [`ErrorEnvelope`]), and the raw body is kept. A response missing a
//!   *required* field fails with [`Error::Decode`], which holds the raw body and, when the
//!   answer came from another release than the client's, names it.
//! - **Strict in what it sends.** Ids in paths, queries and bodies are checked against
//!   `^[a-z]{2,4}_[A-Za-z0-9]+$` before any request is made, however they were made (an id
//!   read from a response included), and no path parameter can change which endpoint is called
//!   (`..`, `\`): a bad value fails with [`Error::InvalidRequest`] naming its place, and
//!   nothing reaches the network. The release's `Flatpeak-Version` is sent on every request
//!   ([`ClientBuilder::flatpeak_version`] and [`ClientBuilder::without_flatpeak_version`]
//!   change that).
//!
//! # Webhooks
//! With the `webhook` feature, the `flatpeak::webhook` module verifies Flatpeak's webhook
//! deliveries (signature, timestamp, headers) and reads their events; `test-util` adds a test
//! signer. See the module's documentation.
//!
#![doc = include_str!("../PRODUCTION.md")]
//!
//! # Generated code
//! `src/generated/` is generated and committed; never edit it. After a spec change, run
//! `cargo xtask generate`; CI runs `cargo xtask generate --check`.

mod auth;
mod body;
mod call;
mod config;
pub mod decode;
mod envelope;
mod error;
mod hooks;
mod pagination;
mod pattern;
mod place;
pub mod record;

mod release;
mod retry;
mod secret;
mod telemetry;
#[cfg(feature = "webhook")]
pub mod webhook;
mod wire;

// The release modules (`pub mod zero`, ...), each behind its feature: generated, and included
// rather than declared with `mod` so that rustfmt leaves the files as the generator wrote them
// (`cargo xtask generate --check` compares bytes).
include!("generated/releases.rs");

pub use config::{BuildError, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_BODY_BYTES, env};
pub use envelope::{ErrorEnvelope, ErrorType};
pub use error::{ApiError, Body, Error};
pub use pagination::Paginate;
#[doc(hidden)]
pub use pattern::Pattern;
#[doc(hidden)]
pub use place::{Place, Step};
pub use progenitor_client::{ByteStream, ClientInfo, ResponseValue};
#[doc(hidden)]
pub use record::Sensitive;
pub use release::ReleaseClient;
#[doc(hidden)]
pub use release::{OperationFacts, ReleaseFacts, SlowRetry};
pub use retry::RetryPolicy;
pub use secret::Secret;
#[doc(hidden)]
pub use wire::{Constraint, Rule};

/// What the generated `send()` methods of every release return on failure: progenitor's
/// error, typed with Flatpeak's [`ErrorEnvelope`]. `?` turns it into [`Error`], which is
/// easier to use. (Every error status arrives as `UnexpectedResponse`, whole: [`Error`] reads
/// the envelope from it and keeps the body.)
pub type SendError = progenitor_client::Error<ErrorEnvelope>;

/// What every request of a client works with besides its URL: its release, credentials and
/// token cache, retry policy, body limit, recording. Built by [`ClientBuilder`]; opaque to
/// callers.
#[derive(Debug, Clone)]
pub struct ClientState {
    release: &'static ReleaseFacts,
    auth: auth::Auth,
    retry: RetryPolicy,
    max_body_bytes: u64,
    /// Where the traffic is recorded, when it is ([`ClientBuilder::record_to`]).
    recorder: Option<std::sync::Arc<record::Recorder>>,
    /// The `Flatpeak-Version` the client sends, if any.
    flatpeak_version: Option<reqwest::header::HeaderValue>,
    /// Whether an answer from another release was logged already (shared by clones).
    other_release_noted: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl ClientState {
    /// How many exchanges could not be recorded (see [`ClientBuilder::record_to`]); `0` when
    /// recording is off. Every client has it as `recording_failures()`.
    pub fn recording_failures(&self) -> u64 {
        self.recorder.as_ref().map_or(0, |r| r.failures())
    }
}

/// The crate README's example, compiled as a doctest so it cannot rot. (The repository
/// README's examples are compiled by the `conformance` crate: that file is not in the package.)
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

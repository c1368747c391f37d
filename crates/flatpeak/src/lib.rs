//! A typed async client for the [Flatpeak](https://flatpeak.com) energy API.
//!
//! The operations and types are generated from `openapi/flatpeak.yaml` by
//! `cargo xtask generate` (see [`generated`](crate#generated-code)); this crate adds
//! construction, authentication, retries, limits, one error type and the request headers
//! Flatpeak expects. See [Production use](crate#production-use).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = flatpeak::Client::builder()
//!     .bearer_token(std::env::var("FLATPEAK_TOKEN")?)
//!     .build()?;
//! let device = client
//!     .retrieve_device()
//!     .device_id("dev_63a6087272941ef077a8fd3e")
//!     .send()
//!     .await?;
//! println!("{} is in {}", device.id.as_str(), device.timezone);
//! # Ok(())
//! # }
//! ```
//!
//! # What it accepts and what it sends
//! - **Liberal in what it accepts.** A value of a response enum that this version does not
//!   know arrives as `Unknown(String)`; unknown fields are ignored; an id off the documented
//!   pattern is kept as it came. A response missing a *required* field fails with
//!   [`Error::Decode`], which holds the raw body.
//! - **Strict in what it sends.** Ids in paths, queries and bodies are checked against
//!   `^[a-z]{2,4}_[A-Za-z0-9]+$` before any request is made, however they were made (an id
//!   read from a response included), and no path parameter can change which endpoint is called
//!   (`..`, `\`): a bad value fails with [`Error::InvalidRequest`] naming its place, and
//!   nothing reaches the network. No `Flatpeak-Version` header is sent unless you choose one
//!   with [`ClientBuilder::flatpeak_version`].
//!
//! # Webhooks
//! With the `webhook` feature, the `flatpeak::webhook` module verifies Flatpeak's webhook
//! deliveries (signature, timestamp, headers) and reads their events; `test-util` adds a test
//! signer. See the module's documentation.
//!
#![doc = include_str!("../PRODUCTION.md")]
//!
//! # Generated code
//! `src/generated.rs` is generated and committed; never edit it. After a spec change, run
//! `cargo xtask generate`; CI runs `cargo xtask generate --check`.

mod auth;
mod body;
mod call;
mod config;
pub mod decode;
mod error;
mod pagination;
pub mod record;
mod retry;
mod secret;
mod telemetry;
#[cfg(feature = "webhook")]
pub mod webhook;
mod wire;

/// The generated client. Included rather than declared with `mod generated;` so that rustfmt
/// leaves the file as the generator wrote it (`cargo xtask generate --check` compares bytes).
#[allow(
    clippy::all,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unused_imports
)]
mod generated {
    include!("generated.rs");
}

pub use config::{BuildError, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_BODY_BYTES};
pub use error::{ApiError, Body, Error};
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, types};
pub use pagination::Paginate;
pub use retry::RetryPolicy;
pub use secret::Secret;

/// What the generated `send()` methods return on failure: progenitor's error, typed with the
/// API's error envelope. `?` turns it into [`Error`], which is easier to use.
pub type SendError = progenitor_client::Error<types::Error>;

use progenitor_client::{ClientHooks, OperationInfo};

/// What every request of a [`Client`] works with besides its URL: credentials and token
/// cache, retry policy, body limit. Built by [`ClientBuilder`]; opaque to callers.
#[derive(Debug, Clone)]
pub struct ClientState {
    auth: auth::Auth,
    retry: RetryPolicy,
    max_body_bytes: u64,
    /// Where the traffic is recorded, when it is ([`ClientBuilder::record_to`]).
    recorder: Option<std::sync::Arc<record::Recorder>>,
}

impl Client {
    /// Starts building a client. See [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// How many exchanges could not be recorded (see [`ClientBuilder::record_to`]); `0` when
    /// recording is off.
    pub fn recording_failures(&self) -> u64 {
        self.inner().recorder.as_ref().map_or(0, |r| r.failures())
    }
}

impl ClientHooks<ClientState> for Client {
    /// Refuses a request whose ids (or other patterned strings) in path, query or body do not
    /// match the spec, or whose path is not its operation's, before anything is sent (see
    /// `wire.rs`).
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        match decode::Operation::from_id(info.operation_id) {
            Some(operation) => wire::check(operation, self.baseurl(), request)
                .map_err(|refused| progenitor_client::Error::InvalidRequest(refused.to_string())),
            None => Ok(()),
        }
    }

    /// Authenticates, sends with retries, reads the body under the limit, and refreshes the
    /// token once after a `401` (see `auth.rs` and `retry.rs`); a documented empty answer
    /// (a delete's `202`) is read as `{}`.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = auth::execute(&call::Call::new(self), request, info.operation_id).await?;
        Ok(match decode::Operation::from_id(info.operation_id) {
            Some(operation) => body::fill_optional(operation, response),
            None => response,
        })
    }

    /// Turns error bodies that are not the envelope, and responses the hooks gave up on, into
    /// `UnexpectedResponse`, which keeps the status (see `body.rs`).
    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        match result {
            Ok(response) => body::check(response)
                .map_err(|response| progenitor_client::Error::UnexpectedResponse(*response)),
            Err(_) => Ok(()),
        }
    }
}

/// The crate README's example, compiled as a doctest so it cannot rot. (The repository
/// README's examples are compiled by the `conformance` crate: that file is not in the package.)
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

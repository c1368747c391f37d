//! A typed async client for the [Flatpeak](https://flatpeak.com) energy API.
//!
//! The operations and types are generated from `openapi/flatpeak.yaml` by
//! `cargo xtask generate` (see [`generated`](crate#generated-code)); this crate adds
//! construction, authentication and the request headers Flatpeak expects.
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
//!   [`Error::InvalidResponsePayload`], which holds the raw body.
//! - **Strict in what it sends.** Ids passed as path parameters are checked against
//!   `^[a-z]{2,4}_[A-Za-z0-9]+$` before any request is made: a bad id fails with
//!   [`Error::InvalidRequest`] and nothing reaches the network. No `Flatpeak-Version` header is
//!   sent unless you choose one with [`ClientBuilder::flatpeak_version`].
//!
//! # Generated code
//! `src/generated.rs` is generated and committed; never edit it. After a spec change, run
//! `cargo xtask generate`; CI runs `cargo xtask generate --check`.

mod config;
mod secret;

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

pub use config::{BuildError, ClientBuilder, DEFAULT_BASE_URL};
pub use generated::{ByteStream, Client, ClientInfo, Error, ResponseValue, builder, types};
pub use secret::Secret;

use progenitor_client::{ClientHooks, OperationInfo};

/// What every request of a [`Client`] carries besides its URL: the credentials. Built by
/// [`ClientBuilder`]; opaque to callers.
#[derive(Debug, Clone)]
pub struct ClientState {
    bearer: reqwest::header::HeaderValue,
}

impl ClientState {
    fn new(token: &Secret) -> Result<Self, BuildError> {
        let mut bearer =
            reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .map_err(|_| BuildError::InvalidToken)?;
        // Marked sensitive so that reqwest and hyper never print it.
        bearer.set_sensitive(true);
        Ok(Self { bearer })
    }
}

impl Client {
    /// Starts building a client. See [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl ClientHooks<ClientState> for Client {
    /// Adds `Authorization: Bearer <token>` to every request.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let bearer = self.inner().bearer.clone();
        request
            .headers_mut()
            .insert(reqwest::header::AUTHORIZATION, bearer);
        Ok(())
    }
}

//! What each release's generated module hands the hand-written layer, and the one trait its
//! client implements.
//!
//! Why: Flatpeak's API comes in dated releases with their own shapes, so the crate has one
//! generated module per release (`flatpeak::zero`, ...), each with its own `Client`, types and
//! operations. Construction, authentication, retries, recording, errors and the wire checks are
//! written once for all of them: each module describes its release as data ([`ReleaseFacts`],
//! one [`OperationFacts`] per operation, generated from its spec) and the hand-written code
//! reads that data, never a module's types.

use std::time::Duration;

use crate::{ClientBuilder, ClientInfo, ClientState};

/// `Flatpeak-Version`: the header a request names its release in and a response echoes the
/// release that answered in. Spelled once, as a `HeaderName` made once (a `&str` name is
/// parsed again on every lookup, and this one is looked up on every response).
pub(crate) static VERSION_HEADER: reqwest::header::HeaderName =
    reqwest::header::HeaderName::from_static("flatpeak-version");

/// A release's client: `flatpeak::zero::Client`, `flatpeak::yotta::Client`, ... Sealed:
/// implemented by the generated code of each release module only.
///
/// ```
/// # #[cfg(feature = "zero")] {
/// use flatpeak::ReleaseClient;
///
/// assert_eq!(flatpeak::zero::Client::RELEASE, "zero");
/// assert_eq!(flatpeak::zero::Client::FLATPEAK_VERSION, Some("2024-08-24.zero"));
/// # }
/// ```
pub trait ReleaseClient: ClientInfo<ClientState> + Sized + sealed::Sealed {
    /// The release's name, as in `openapi/releases.toml` (`zero`, `anode`).
    const RELEASE: &'static str;
    /// The `Flatpeak-Version` the client sends on every request unless told otherwise; `None`
    /// for a release whose version string Flatpeak's pages do not give (it sends none).
    const FLATPEAK_VERSION: Option<&'static str>;

    /// Starts building a client of this release. See [`ClientBuilder`].
    fn builder() -> ClientBuilder<Self> {
        ClientBuilder::default()
    }

    /// What the spec says of the release, for the hand-written layer.
    #[doc(hidden)]
    fn facts() -> &'static ReleaseFacts;

    /// The client for `base_url`, with its HTTP client and state.
    #[doc(hidden)]
    fn from_parts(base_url: &str, http: reqwest::Client, state: ClientState) -> Self;
}

pub(crate) mod sealed {
    /// Only the crate's release modules implement [`ReleaseClient`](super::ReleaseClient).
    pub trait Sealed {}
}

/// What the spec of one release says that the hand-written layer needs, generated into its
/// module. Opaque outside the crate.
#[doc(hidden)]
pub struct ReleaseFacts {
    pub(crate) name: &'static str,
    pub(crate) flatpeak_version: Option<&'static str>,
    /// The operation that exchanges account credentials for a token (HTTP Basic security in
    /// the spec), when the release has one.
    pub(crate) login: Option<&'static OperationFacts>,
    /// The error codes that must not be retried sooner than a wait (`x-retry-not-before` on
    /// the spec's `Error` schema).
    pub(crate) slow_retry: SlowRetry,
}

/// Error codes Flatpeak asks clients not to retry sooner than `after`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct SlowRetry {
    pub(crate) after: Duration,
    pub(crate) codes: &'static [&'static str],
}

impl SlowRetry {
    /// How long to wait after an error with `code`, when it is one of these.
    pub(crate) fn wait(&self, code: &str) -> Option<Duration> {
        self.codes.contains(&code).then_some(self.after)
    }
}

/// What the spec says of one operation, generated for every operation of every release.
#[doc(hidden)]
pub struct OperationFacts {
    pub(crate) id: &'static str,
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) success: &'static [u16],
    /// Success ranges documented as such (`2XX` is `2`).
    pub(crate) success_ranges: &'static [u16],
    pub(crate) errors: &'static [u16],
    /// Statuses the API may send without a body (`x-optional-body`).
    pub(crate) optional_body: &'static [u16],
    /// Patterns the request must satisfy before it is sent.
    pub(crate) constraints: &'static [crate::wire::Constraint],
    /// Where its traffic holds values a recording must not keep.
    pub(crate) sensitive: &'static [crate::record::Sensitive],
    /// Whether a body decodes as its success type.
    pub(crate) decodes: fn(&[u8]) -> Result<(), serde_json::Error>,
}

/// A release by its name and version, so that a client's `Debug` (a log line) names its
/// release without printing every table behind it.
impl std::fmt::Debug for ReleaseFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReleaseFacts")
            .field("name", &self.name)
            .field("flatpeak_version", &self.flatpeak_version)
            .finish_non_exhaustive()
    }
}

/// An operation by its id, method and path (see [`ReleaseFacts`]'s `Debug`).
impl std::fmt::Debug for OperationFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationFacts")
            .field("id", &self.id)
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl OperationFacts {
    /// Its `operationId`.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// Its HTTP method.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// Its path template.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The documented success statuses (codes; see [`OperationFacts::is_success`] for ranges
    /// such as `2XX`).
    pub fn success_statuses(&self) -> &'static [u16] {
        self.success
    }

    /// Whether `status` is a documented success: one of the codes, or in a documented range
    /// (`2XX`).
    pub fn is_success(&self, status: u16) -> bool {
        self.success.contains(&status) || self.success_ranges.contains(&(status / 100))
    }

    /// Whether a response of `status` with `body` is this operation's answer: a documented
    /// success, or another `2xx` whose body decodes as the documented success type. The client
    /// is liberal in which success it accepts (a create answered `200` where the spec says
    /// `201`); the gate reports the undocumented status.
    pub(crate) fn answers(&self, status: u16, body: &[u8]) -> bool {
        self.is_success(status) || ((200..300).contains(&status) && (self.decodes)(body).is_ok())
    }

    /// The documented error statuses.
    pub fn error_statuses(&self) -> &'static [u16] {
        self.errors
    }

    /// The statuses the API may send without a body.
    pub fn optional_body_statuses(&self) -> &'static [u16] {
        self.optional_body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_codes_name_their_wait() {
        let slow = SlowRetry {
            after: Duration::from_secs(900),
            codes: &["no_price_data"],
        };
        assert_eq!(slow.wait("no_price_data"), Some(Duration::from_secs(900)));
        assert_eq!(slow.wait("other"), None);
    }
}

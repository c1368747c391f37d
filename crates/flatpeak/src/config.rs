//! Building a [`Client`]: base URL, credentials, API version, timeouts, user agent.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::{Client, ClientState, Secret};

/// Production API root.
pub const DEFAULT_BASE_URL: &str = "https://api.flatpeak.com";

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));

/// Configures and builds a [`Client`]. Start with [`Client::builder`].
///
/// ```
/// use std::time::Duration;
///
/// let client = flatpeak::Client::builder()
///     .bearer_token("a-token")
///     .base_url("http://127.0.0.1:8080")
///     .flatpeak_version("2025-09-14.anode")
///     .timeout(Duration::from_secs(10))
///     .build()
///     .expect("valid configuration");
/// # let _ = client;
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    token: Option<Secret>,
    flatpeak_version: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            token: None,
            flatpeak_version: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            user_agent: USER_AGENT.to_string(),
        }
    }
}

/// Why a [`ClientBuilder`] could not build a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No credentials were given.
    #[error("no credentials: call `bearer_token` on the builder")]
    MissingCredentials,
    /// The token cannot be sent in an HTTP header (control characters or non-ASCII). The token
    /// itself is not repeated here.
    #[error("the bearer token contains characters that cannot go in an HTTP header")]
    InvalidToken,
    /// The base URL is not an absolute `http` or `https` URL.
    #[error("base URL `{url}` is not an absolute http(s) URL: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A header value (API version, user agent) cannot go in an HTTP header.
    #[error("{header} value `{value}` cannot go in an HTTP header")]
    InvalidHeader {
        /// The header's name.
        header: &'static str,
        /// The rejected value.
        value: String,
    },
    /// reqwest could not build its HTTP client (for example, no TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

impl ClientBuilder {
    /// The API root, without a trailing slash. Default: [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Authenticate every call with this bearer token (from `GET /login`).
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Send `Flatpeak-Version: <version>` with every request, for example
    /// `"2025-09-14.anode"`. Without it no version header is sent and the account's default
    /// version applies.
    pub fn flatpeak_version(mut self, version: impl Into<String>) -> Self {
        self.flatpeak_version = Some(version.into());
        self
    }

    /// How long to wait for a TCP and TLS connection. Default: 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take from start to the end of its body. Default: 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Replace the `User-Agent` (default: `flatpeak-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let base_url = normalise_base_url(&self.base_url)?;
        let token = self.token.as_ref().ok_or(BuildError::MissingCredentials)?;
        let state = ClientState::new(token)?;
        let http = reqwest::Client::builder()
            .default_headers(self.default_headers()?)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .build()?;
        Ok(Client::new_with_client(&base_url, http, state))
    }

    fn default_headers(&self) -> Result<HeaderMap, BuildError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::USER_AGENT,
            header_value("User-Agent", &self.user_agent)?,
        );
        if let Some(version) = &self.flatpeak_version {
            headers.insert(
                HeaderName::from_static("flatpeak-version"),
                header_value("Flatpeak-Version", version)?,
            );
        }
        Ok(headers)
    }
}

fn header_value(header: &'static str, value: &str) -> Result<HeaderValue, BuildError> {
    HeaderValue::from_str(value).map_err(|_| BuildError::InvalidHeader {
        header,
        value: value.to_string(),
    })
}

/// Parses the base URL and drops a trailing `/`, since the generated client appends paths
/// that start with `/`.
fn normalise_base_url(raw: &str) -> Result<String, BuildError> {
    let invalid = |reason: String| BuildError::InvalidBaseUrl {
        url: raw.to_string(),
        reason,
    };
    let url = url::Url::parse(raw).map_err(|e| invalid(e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid(format!(
            "scheme `{}` is not http or https",
            url.scheme()
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment".to_string()));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_trailing_slash_is_dropped() {
        assert_eq!(
            normalise_base_url("http://127.0.0.1:1/").unwrap(),
            "http://127.0.0.1:1"
        );
        assert_eq!(normalise_base_url("https://h/v1/").unwrap(), "https://h/v1");
    }

    #[test]
    fn base_url_must_be_http() {
        let err = normalise_base_url("ftp://h").unwrap_err().to_string();
        assert!(err.contains("ftp://h") && err.contains("scheme"), "{err}");
        assert!(matches!(
            normalise_base_url("not a url"),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
    }

    #[test]
    fn build_without_credentials_is_an_error() {
        let err = Client::builder().build().unwrap_err();
        assert!(matches!(err, BuildError::MissingCredentials));
    }

    #[test]
    fn token_with_newline_is_refused_without_repeating_it() {
        let err = Client::builder()
            .bearer_token("abc\ndef")
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::InvalidToken));
        assert!(!err.to_string().contains("abc"));
    }

    #[test]
    fn debug_of_builder_hides_the_token() {
        let b = Client::builder().bearer_token("super-secret-token");
        assert!(!format!("{b:?}").contains("super-secret-token"));
    }

    #[test]
    fn user_agent_names_crate_and_version() {
        assert_eq!(
            USER_AGENT,
            format!("flatpeak-rust/{}", env!("CARGO_PKG_VERSION"))
        );
    }
}

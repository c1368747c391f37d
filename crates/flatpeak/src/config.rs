//! Building a release's client: base URL, credentials, API version, timeouts, user agent,
//! retry policy, body-size limit. One builder for every release, typed by the client it builds
//! (`flatpeak::zero::Client::builder()` is a `ClientBuilder<flatpeak::zero::Client>`).

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::auth::Auth;
use crate::{ClientState, ReleaseClient, RetryPolicy, Secret};

/// Production API root.
pub const DEFAULT_BASE_URL: &str = "https://api.flatpeak.com";

/// The default limit on a response body: 10 MiB, far above any Flatpeak response.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));

/// Configures and builds a client of release `C`. Start with `C::builder()`
/// ([`ReleaseClient::builder`]), for example `flatpeak::zero::Client::builder()`.
///
/// ```
/// # #[cfg(feature = "zero")] {
/// use std::time::Duration;
///
/// let client = flatpeak::zero::Client::builder()
///     .bearer_token("a-token")
///     .base_url("http://127.0.0.1:8080")
///     .timeout(Duration::from_secs(10))
///     .build()
///     .expect("valid configuration");
/// # let _ = client;
/// # }
/// ```
pub struct ClientBuilder<C> {
    base_url: String,
    credentials: Option<Credentials>,
    flatpeak_version: Version,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    max_body_bytes: u64,
    record_to: Option<std::path::PathBuf>,
    /// A variable [`ClientBuilder::from_env`] could not use (its name, what is wrong),
    /// reported by `build`.
    env_error: Option<(&'static str, &'static str)>,
    client: PhantomData<fn() -> C>,
}

/// Which `Flatpeak-Version` the client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Version {
    /// The release's own, when it has one.
    Pinned,
    /// This one.
    Chosen(String),
    /// None: the account's default release answers.
    Omitted,
}

impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("flatpeak_version", &self.flatpeak_version)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("record_to", &self.record_to)
            .field("env_error", &self.env_error)
            .finish()
    }
}

impl<C> Clone for ClientBuilder<C> {
    fn clone(&self) -> Self {
        Self {
            base_url: self.base_url.clone(),
            credentials: self.credentials.clone(),
            flatpeak_version: self.flatpeak_version.clone(),
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            user_agent: self.user_agent.clone(),
            retry: self.retry.clone(),
            max_body_bytes: self.max_body_bytes,
            record_to: self.record_to.clone(),
            env_error: self.env_error,
            client: PhantomData,
        }
    }
}

/// What the client authenticates with. `Debug` shows neither token nor key ([`Secret`]).
#[derive(Debug, Clone)]
enum Credentials {
    Bearer(Secret),
    Account { account_id: String, api_key: Secret },
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            credentials: None,
            flatpeak_version: Version::Pinned,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            user_agent: USER_AGENT.to_string(),
            retry: RetryPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            record_to: None,
            env_error: None,
            client: PhantomData,
        }
    }
}

/// Why a [`ClientBuilder`] could not build a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Account credentials were given for a release whose spec has no login operation (HTTP
    /// Basic); use a bearer token.
    #[error("release `{release}` documents no login with account credentials: use `bearer_token`")]
    NoLogin {
        /// The release.
        release: &'static str,
    },
    /// No credentials were given.
    #[error(
        "no credentials: call `bearer_token` or `credentials` on the builder, or set \
         FLATPEAK_TOKEN (or FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY) for `from_env`"
    )]
    MissingCredentials,
    /// An environment variable [`ClientBuilder::from_env`] reads is set but unusable. Its
    /// value is not repeated: it may be a secret.
    #[error("environment variable {variable}: {reason}")]
    Env {
        /// The variable.
        variable: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The account id cannot be an HTTP Basic user name (it holds a `:` or a control
    /// character).
    #[error("the account id cannot be an HTTP Basic user name (`:` or control characters)")]
    InvalidAccountId,
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
    /// A header value (API version, user agent) cannot go in an HTTP header: it holds a
    /// control character (a newline, a tab) or a character that is not ASCII. The message shows
    /// the value escaped (`"2024-08-24.zero\nX"`), never a raw control character.
    #[error(
        "{header} value {value:?} cannot go in an HTTP header (control characters or non-ASCII)"
    )]
    InvalidHeader {
        /// The header's name.
        header: &'static str,
        /// The rejected value, as given.
        value: String,
    },
    /// reqwest could not build its HTTP client (for example, no TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// The environment variables [`ClientBuilder::from_env`] reads, listed once: the examples and
/// the `flatpeak` command read the same ones through it.
///
/// Every value is read the same way ([`env::var`]): surrounding ASCII whitespace is dropped
/// (the newline of `$(cat file)` or of an `.env` line), and a value that is then empty counts
/// as unset. A credential ([`env::TOKEN`], [`env::ACCOUNT_ID`], [`env::API_KEY`]) that still
/// holds whitespace or a control character is refused, as is a value that is not UTF-8: the
/// error ([`BuildError::Env`]) names the variable, never its value.
pub mod env {
    use super::BuildError;

    /// A bearer token (from `GET /login`). Wins over account credentials.
    pub const TOKEN: &str = "FLATPEAK_TOKEN";
    /// The account id, with [`API_KEY`]: the client logs in itself.
    pub const ACCOUNT_ID: &str = "FLATPEAK_ACCOUNT_ID";
    /// The API key, with [`ACCOUNT_ID`].
    pub const API_KEY: &str = "FLATPEAK_API_KEY";
    /// The API root, for a test server or a proxy (default: production).
    pub const BASE_URL: &str = "FLATPEAK_BASE_URL";
    /// A `Flatpeak-Version` to send instead of the release's own, or `none` to send none.
    pub const VERSION: &str = "FLATPEAK_VERSION";

    /// The variables that hold credentials: no whitespace or control character inside.
    const CREDENTIALS: [&str; 3] = [TOKEN, ACCOUNT_ID, API_KEY];

    /// Variable `name` as [`ClientBuilder::from_env`](super::ClientBuilder::from_env) reads
    /// it: `Ok(None)` when unset or blank, else its value without surrounding ASCII
    /// whitespace. [`BuildError::Env`] names the variable (never its value) when it is not
    /// UTF-8, or when a credential holds whitespace or a control character inside.
    pub fn var(name: &'static str) -> Result<Option<String>, BuildError> {
        read(name, std::env::var_os(name))
    }

    /// [`var`] of a value from any source.
    pub(super) fn read(
        name: &'static str,
        value: Option<std::ffi::OsString>,
    ) -> Result<Option<String>, BuildError> {
        let refused = |reason| BuildError::Env {
            variable: name,
            reason,
        };
        let Some(value) = value else { return Ok(None) };
        let value = value
            .into_string()
            .map_err(|_| refused("is not valid UTF-8"))?;
        let value = value.trim_matches(|c: char| c.is_ascii_whitespace());
        let inner = |c: char| c.is_whitespace() || c.is_control();
        if CREDENTIALS.contains(&name) && value.contains(inner) {
            return Err(refused(
                "holds whitespace or a control character inside it (its value is not shown)",
            ));
        }
        Ok(Some(value.to_string()).filter(|v| !v.is_empty()))
    }
}

impl<C> ClientBuilder<C> {
    /// A builder configured from the environment ([`crate::env`] lists the variables):
    /// [`bearer_token`](Self::bearer_token) from `FLATPEAK_TOKEN`, else
    /// [`credentials`](Self::credentials) from `FLATPEAK_ACCOUNT_ID` and `FLATPEAK_API_KEY`;
    /// [`base_url`](Self::base_url) from `FLATPEAK_BASE_URL`;
    /// [`flatpeak_version`](Self::flatpeak_version) from `FLATPEAK_VERSION` (`none`:
    /// [`without_flatpeak_version`](Self::without_flatpeak_version)). Each value is read by
    /// [`env::var`]: surrounding ASCII whitespace (a trailing newline) is dropped. Unset or
    /// blank variables leave the defaults; calls after this one override it. A variable that
    /// is not UTF-8, a credential with whitespace or a control character inside, or an account
    /// id without its key (or the reverse), makes [`build`](ClientBuilder::build) fail with
    /// [`BuildError::Env`] naming it, never showing its value.
    ///
    /// ```no_run
    /// # #[cfg(feature = "zero")] {
    /// let client = flatpeak::zero::Client::from_env().build()?;
    /// # let _ = client;
    /// # }
    /// # Ok::<(), flatpeak::BuildError>(())
    /// ```
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// [`from_env`](Self::from_env) over any source of variables (tests).
    fn from_lookup(lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Self {
        let mut builder = Self::default();
        let mut var = |name: &'static str| match env::read(name, lookup(name)) {
            Ok(value) => value,
            Err(error) => {
                if let BuildError::Env { variable, reason } = error {
                    builder.env_error.get_or_insert((variable, reason));
                }
                None
            }
        };
        let token = var(env::TOKEN);
        let account = var(env::ACCOUNT_ID);
        let key = var(env::API_KEY);
        let base_url = var(env::BASE_URL);
        let version = var(env::VERSION);
        builder = match (token, account, key) {
            (Some(token), _, _) => builder.bearer_token(token),
            (None, Some(account), Some(key)) => builder.credentials(account, key),
            (None, Some(_), None) => {
                builder.env_problem(env::API_KEY, "is not set, but FLATPEAK_ACCOUNT_ID is")
            }
            (None, None, Some(_)) => {
                builder.env_problem(env::ACCOUNT_ID, "is not set, but FLATPEAK_API_KEY is")
            }
            (None, None, None) => builder,
        };
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
        builder = match version.as_deref() {
            None => builder,
            Some("none") => builder.without_flatpeak_version(),
            Some(version) => builder.flatpeak_version(version),
        };
        builder
    }

    fn env_problem(mut self, variable: &'static str, reason: &'static str) -> Self {
        self.env_error.get_or_insert((variable, reason));
        self
    }

    /// The API root, without a trailing slash. Default: [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Authenticate every call with this bearer token (from `GET /login`). The token is used
    /// as it is: when it expires, calls fail with a `401`. Replaces earlier credentials.
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::Bearer(token.into()));
        self
    }

    /// Authenticate with the account id and API key: the client calls `GET /login` (HTTP
    /// Basic) on first use, caches the token, gets a new one before `expires_in` runs out (and
    /// at least daily), and after a `401` gets a new one and retries once. Concurrent calls
    /// share one login. Replaces earlier credentials.
    pub fn credentials(
        mut self,
        account_id: impl Into<String>,
        api_key: impl Into<Secret>,
    ) -> Self {
        self.credentials = Some(Credentials::Account {
            account_id: account_id.into(),
            api_key: api_key.into(),
        });
        self
    }

    /// How calls are retried. Default: [`RetryPolicy::default`]; [`RetryPolicy::disabled`]
    /// turns retries off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body the client reads, in bytes. A longer body fails with
    /// [`Error::BodyTooLarge`](crate::Error::BodyTooLarge) as soon as that is known (from
    /// `Content-Length`, or while reading), so memory never holds more. Default:
    /// [`DEFAULT_MAX_BODY_BYTES`].
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Send `Flatpeak-Version: <version>` with every request instead of the release's own
    /// ([`ReleaseClient::FLATPEAK_VERSION`], sent by default). The client still decodes the
    /// shapes of its release, so this is for a later revision of the same release, not for
    /// another release: use that release's module instead.
    pub fn flatpeak_version(mut self, version: impl Into<String>) -> Self {
        self.flatpeak_version = Version::Chosen(version.into());
        self
    }

    /// Send no `Flatpeak-Version`: the account's default release (set in Flatpeak's Dashboard)
    /// answers, whatever shapes it has. A response from another release than the client's is
    /// logged once, and a body that does not decode says which release sent it.
    pub fn without_flatpeak_version(mut self) -> Self {
        self.flatpeak_version = Version::Omitted;
        self
    }

    /// How long to wait for a TCP and TLS connection. Default: 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take from start to the end of its body. Default: 30 s.
    /// Retries add attempts: see [`RetryPolicy::deadline`] for the bound on a whole call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Record every exchange the client makes (its own logins included) under `dir`, one VCR
    /// cassette per exchange that the contract gate reads as it is, with credentials and every
    /// value the spec marks `x-sensitive` replaced by placeholders before anything is written.
    /// Off by default, and free when off. A recording that fails never fails the call. See
    /// [`record`](crate::record) for the file layout and what is replaced.
    ///
    /// ```no_run
    /// # #[cfg(feature = "zero")] {
    /// let client = flatpeak::zero::Client::builder()
    ///     .credentials("acc_661677911f2197045e6cf1b1", std::env::var("FLATPEAK_API_KEY")?)
    ///     .record_to("recordings")
    ///     .build()?;
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_to(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.record_to = Some(dir.into());
        self
    }

    /// Replace the `User-Agent` (default: `flatpeak-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }
}

impl<C: ReleaseClient> ClientBuilder<C> {
    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<C, BuildError> {
        if let Some((variable, reason)) = self.env_error {
            return Err(BuildError::Env { variable, reason });
        }
        let release = C::facts();
        let base_url = normalise_base_url(&self.base_url)?;
        let auth = match self
            .credentials
            .as_ref()
            .ok_or(BuildError::MissingCredentials)?
        {
            Credentials::Bearer(token) => Auth::bearer(token)?,
            Credentials::Account {
                account_id,
                api_key,
            } => {
                let login = release.login.ok_or(BuildError::NoLogin {
                    release: release.name,
                })?;
                Auth::login(account_id, api_key, login)?
            }
        };
        let version = match &self.flatpeak_version {
            Version::Pinned => release.flatpeak_version.map(str::to_string),
            Version::Chosen(version) => Some(version.clone()),
            Version::Omitted => None,
        };
        let version = version
            .map(|v| header_value("Flatpeak-Version", &v))
            .transpose()?;
        let http = reqwest::Client::builder()
            .default_headers(self.default_headers(version.as_ref())?)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            // Flatpeak documents no redirects. Following one could carry the credentials
            // elsewhere; a 3xx becomes `Error::UnexpectedStatus` instead.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let state = ClientState {
            release,
            auth,
            retry: self.retry,
            max_body_bytes: self.max_body_bytes,
            recorder: self
                .record_to
                .map(|dir| Arc::new(crate::record::Recorder::new(dir))),
            flatpeak_version: version,
            other_release_noted: Arc::new(AtomicBool::new(false)),
        };
        Ok(C::from_parts(&base_url, http, state))
    }

    fn default_headers(&self, version: Option<&HeaderValue>) -> Result<HeaderMap, BuildError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::USER_AGENT,
            header_value("User-Agent", &self.user_agent)?,
        );
        if let Some(version) = version {
            headers.insert(crate::release::VERSION_HEADER.clone(), version.clone());
        }
        Ok(headers)
    }
}

/// `value` as a header value; `Err` when it holds a control character (HTTP allows a tab, but
/// no one means to send one) or a character that is not visible ASCII or a space.
fn header_value(header: &'static str, value: &str) -> Result<HeaderValue, BuildError> {
    let refused = || BuildError::InvalidHeader {
        header,
        value: value.to_string(),
    };
    if value.contains(|c: char| c.is_control()) {
        return Err(refused());
    }
    HeaderValue::from_str(value).map_err(|_| refused())
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
    // Credentials in the URL would be printed wherever the URL is (errors, logs).
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BuildError::InvalidBaseUrl {
            url: "<redacted: it holds credentials>".to_string(),
            reason: "a base URL has no user name or password: use `credentials`".to_string(),
        });
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(all(test, feature = "zero"))]
mod tests {
    use super::*;
    use crate::zero::Client;

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
    fn base_url_with_credentials_is_refused_without_repeating_them() {
        let err = normalise_base_url("https://acc:key_secret@h")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("user name") && !err.contains("key_secret"),
            "{err}"
        );
    }

    #[test]
    fn debug_of_builder_hides_the_api_key() {
        let b = Client::builder().credentials("acc_1", "key-very-secret");
        let shown = format!("{b:?}");
        assert!(
            shown.contains("acc_1") && !shown.contains("key-very-secret"),
            "{shown}"
        );
    }

    #[test]
    fn debug_of_builder_hides_the_token() {
        let b = Client::builder().bearer_token("super-secret-token");
        let shown = format!("{b:?}");
        assert!(
            shown.contains("Bearer(Secret(***))") && !shown.contains("super-secret-token"),
            "{shown}"
        );
    }

    /// `from_env` over a fixed set of variables.
    fn from(vars: &[(&str, &str)]) -> ClientBuilder<Client> {
        let vars: Vec<(String, std::ffi::OsString)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.into()))
            .collect();
        ClientBuilder::from_lookup(|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn from_env_reads_token_base_url_and_version() {
        let b = from(&[
            (env::TOKEN, "tok-from-env"),
            (env::ACCOUNT_ID, "acc_1"),
            (env::API_KEY, "key"),
            (env::BASE_URL, "http://127.0.0.1:9/"),
            (env::VERSION, "2024-08-24.zero"),
        ]);
        assert!(
            matches!(b.credentials, Some(Credentials::Bearer(ref t)) if t.expose() == "tok-from-env")
        );
        assert_eq!(b.base_url, "http://127.0.0.1:9/");
        assert_eq!(
            b.flatpeak_version,
            Version::Chosen("2024-08-24.zero".into())
        );
        assert!(b.build().is_ok());
    }

    #[test]
    fn from_env_logs_in_with_account_credentials_and_can_send_no_version() {
        let b = from(&[
            (env::ACCOUNT_ID, "acc_1"),
            (env::API_KEY, "key"),
            (env::VERSION, "none"),
        ]);
        assert!(
            matches!(b.credentials, Some(Credentials::Account { ref account_id, .. }) if account_id == "acc_1")
        );
        assert_eq!(b.flatpeak_version, Version::Omitted);
        assert_eq!(b.base_url, DEFAULT_BASE_URL);
    }

    #[test]
    fn from_env_treats_empty_as_unset_and_later_calls_override() {
        let b = from(&[(env::TOKEN, ""), (env::BASE_URL, "")]);
        assert!(b.credentials.is_none());
        assert_eq!(b.base_url, DEFAULT_BASE_URL);
        assert!(matches!(
            b.clone().build(),
            Err(BuildError::MissingCredentials)
        ));
        let b = b.bearer_token("t").base_url("http://127.0.0.1:1");
        assert_eq!(b.base_url, "http://127.0.0.1:1");
        assert!(b.build().is_ok());
    }

    #[test]
    fn from_env_names_a_half_given_credential_pair_without_its_value() {
        let err = from(&[(env::ACCOUNT_ID, "acc_1")]).build().unwrap_err();
        assert!(
            matches!(
                err,
                BuildError::Env {
                    variable: "FLATPEAK_API_KEY",
                    ..
                }
            ),
            "{err}"
        );
        let err = from(&[(env::API_KEY, "key-very-secret")])
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("FLATPEAK_ACCOUNT_ID") && !err.contains("key-very-secret"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn from_env_refuses_a_value_that_is_not_utf8() {
        use std::os::unix::ffi::OsStringExt;
        let bad = std::ffi::OsString::from_vec(vec![b't', 0xff]);
        let err =
            ClientBuilder::<Client>::from_lookup(|name| (name == env::TOKEN).then(|| bad.clone()))
                .build()
                .unwrap_err();
        assert!(
            matches!(
                err,
                BuildError::Env {
                    variable: "FLATPEAK_TOKEN",
                    reason: "is not valid UTF-8"
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn from_env_trims_surrounding_whitespace_from_every_variable() {
        let b = from(&[
            (env::TOKEN, " tok-from-file\n"),
            (env::BASE_URL, "http://127.0.0.1:9\r\n"),
            (env::VERSION, "\t2024-08-24.zero\n"),
        ]);
        assert!(
            matches!(b.credentials, Some(Credentials::Bearer(ref t)) if t.expose() == "tok-from-file")
        );
        assert_eq!(b.base_url, "http://127.0.0.1:9");
        assert_eq!(
            b.flatpeak_version,
            Version::Chosen("2024-08-24.zero".into())
        );
        assert!(b.build().is_ok());
        let b = from(&[(env::ACCOUNT_ID, "acc_1\n"), (env::API_KEY, "key_1\r\n")]);
        assert!(matches!(
            b.credentials,
            Some(Credentials::Account { ref account_id, ref api_key })
                if account_id == "acc_1" && api_key.expose() == "key_1"
        ));
        // Blank counts as unset.
        assert!(from(&[(env::TOKEN, " \n")]).credentials.is_none());
    }

    #[test]
    fn from_env_refuses_a_credential_with_inner_whitespace_without_showing_it() {
        for (name, value) in [
            (env::TOKEN, "tok_Secret1 tail"),
            (env::TOKEN, "tok_Secret1\ntail"),
            (env::API_KEY, "key_Secret1\u{7}"),
            (env::ACCOUNT_ID, "acc_Secret1\tx"),
        ] {
            // The first of a name is the one read: the others make a usable pair.
            let vars = [
                (name, value),
                (env::ACCOUNT_ID, "acc_1"),
                (env::API_KEY, "key_1"),
            ];
            let err = from(&vars).build().unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(
                matches!(err, BuildError::Env { variable, .. } if variable == name),
                "{name}: {shown}"
            );
            assert!(!shown.contains("Secret1"), "{shown}");
        }
    }

    #[test]
    fn a_version_with_a_control_character_is_refused_and_shown_escaped() {
        for version in ["2024-08-24.zero\nX-Evil: 1", "a\tb", "v\u{1b}[31m"] {
            let err = Client::builder()
                .bearer_token("t")
                .flatpeak_version(version)
                .build()
                .unwrap_err();
            assert!(matches!(err, BuildError::InvalidHeader { .. }), "{err:?}");
            let shown = err.to_string();
            assert!(!shown.contains(|c: char| c.is_control()), "{shown:?}");
            assert!(shown.contains(&format!("{version:?}")), "{shown}");
        }
    }

    #[test]
    fn user_agent_names_crate_and_version() {
        assert_eq!(
            USER_AGENT,
            format!("flatpeak-rust/{}", env!("CARGO_PKG_VERSION"))
        );
    }
}

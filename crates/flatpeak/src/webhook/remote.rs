//! Flatpeak's keys fetched from its JWKS URL and cached, so that a receiver follows Flatpeak's
//! key rotations without a restart and without a request to Flatpeak per delivery.
//!
//! The rules, chosen so that forged deliveries cannot make the receiver hammer Flatpeak:
//! - the set is fetched on first use (or by [`RemoteKeys::refresh`] at start-up, to fail
//!   early), then used from memory;
//! - a key id not in the set, or a set older than the maximum age (default one hour, so that a
//!   key Flatpeak withdraws stops being trusted), triggers a refetch, but at most one fetch
//!   starts per refetch interval (default five minutes), whether it succeeded or failed;
//! - one fetch at a time: deliveries that need keys while a fetch runs wait for it and then
//!   use its result, rather than starting fetches of their own;
//! - a failed refetch keeps the set already held (a withdrawn key is then trusted until a
//!   fetch succeeds: availability over freshness, logged as a warning).
//!
//! The fetch has its own timeout (default five seconds), well inside the ten seconds Flatpeak
//! waits for an answer to a delivery.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use reqwest::header::ACCEPT;

use super::error::{Error, JwksError};
use super::keys::{Key, KeySet};

/// Where Flatpeak publishes its webhook signing keys.
pub const FLATPEAK_JWKS_URL: &str = "https://api.flatpeak.com/jwks.json";
/// The least time between two fetches triggered by deliveries (unknown key id, old set).
pub const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// How long a fetched set is used before a delivery triggers a refetch.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(60 * 60);
/// How long one fetch may take, connection included.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest JWKS accepted, in bytes (a set of RSA keys is about 500 bytes per key).
pub const DEFAULT_MAX_JWKS_BYTES: usize = 64 * 1024;

/// Flatpeak's key set, fetched from a JWKS URL and cached (see the module documentation for
/// when it is fetched). Cloning is cheap and clones share the cache.
#[derive(Clone)]
pub struct RemoteKeys {
    inner: Arc<Inner>,
}

struct Inner {
    url: reqwest::Url,
    http: reqwest::Client,
    refetch_interval: Duration,
    max_age: Duration,
    max_bytes: usize,
    loaded: RwLock<Option<Loaded>>,
    /// Held while a fetch runs: fetches never overlap.
    fetching: tokio::sync::Mutex<FetchState>,
}

/// The set in use and when it was fetched.
#[derive(Clone)]
struct Loaded {
    keys: Arc<KeySet>,
    at: Instant,
}

/// When the last fetch started and why it failed, if it did.
#[derive(Default)]
struct FetchState {
    last_attempt: Option<Instant>,
    last_error: Option<String>,
}

impl RemoteKeys {
    /// Flatpeak's keys from [`FLATPEAK_JWKS_URL`] with the default settings.
    pub fn flatpeak() -> Result<RemoteKeys, JwksError> {
        RemoteKeys::builder().build()
    }

    /// Starts configuring where and how keys are fetched.
    pub fn builder() -> RemoteKeysBuilder {
        RemoteKeysBuilder::default()
    }

    /// Fetches the set now, whatever the refetch interval says, and uses it from now on. Call
    /// it at start-up to find a network or configuration problem before the first delivery.
    pub async fn refresh(&self) -> Result<Arc<KeySet>, JwksError> {
        let mut state = self.inner.fetching.lock().await;
        self.fetch(&mut state).await
    }

    /// The set in use, if one was fetched.
    pub fn cached(&self) -> Option<Arc<KeySet>> {
        self.loaded().map(|loaded| loaded.keys)
    }

    /// The URL keys are fetched from.
    pub fn url(&self) -> &str {
        self.inner.url.as_str()
    }

    /// The key with this id, fetching the set when the rules allow (module documentation).
    pub(crate) async fn key(&self, key_id: &str) -> Result<Arc<Key>, Error> {
        if let Some(key) = self.fresh_key(key_id) {
            return Ok(key);
        }
        let mut state = self.inner.fetching.lock().await;
        // Another delivery may have fetched while this one waited for the lock.
        if let Some(key) = self.fresh_key(key_id) {
            return Ok(key);
        }
        let may_fetch = state
            .last_attempt
            .is_none_or(|at| at.elapsed() >= self.inner.refetch_interval);
        if may_fetch {
            // A failure is recorded in `state` and the set held (if any) stays in use.
            let _ = self.fetch(&mut state).await;
        }
        match self.loaded() {
            // A later fetch may bring it (a rotation): retryable.
            Some(loaded) => loaded.keys.get(key_id).cloned().ok_or(Error::UnknownKey {
                key_id: key_id.to_string(),
                keys_can_change: true,
            }),
            None => Err(Error::KeysUnavailable {
                reason: state
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "no fetch has succeeded yet".to_string()),
            }),
        }
    }

    /// The key, when the set held has it and is younger than the maximum age.
    fn fresh_key(&self, key_id: &str) -> Option<Arc<Key>> {
        let loaded = self.loaded()?;
        if loaded.at.elapsed() >= self.inner.max_age {
            return None;
        }
        loaded.keys.get(key_id).cloned()
    }

    fn loaded(&self) -> Option<Loaded> {
        // A panic elsewhere while the lock was held cannot leave a half-written `Option`.
        let guard = self.inner.loaded.read().unwrap_or_else(|p| p.into_inner());
        guard.clone()
    }

    /// Fetches the set, records the attempt, and on success puts the set in use.
    async fn fetch(&self, state: &mut FetchState) -> Result<Arc<KeySet>, JwksError> {
        state.last_attempt = Some(Instant::now());
        match self.download().await {
            Ok(keys) => {
                let keys = Arc::new(keys);
                log_fetched(&keys);
                let loaded = Loaded {
                    keys: keys.clone(),
                    at: Instant::now(),
                };
                *self.inner.loaded.write().unwrap_or_else(|p| p.into_inner()) = Some(loaded);
                state.last_error = None;
                Ok(keys)
            }
            Err(error) => {
                log_failed(&error);
                state.last_error = Some(error.to_string());
                Err(error)
            }
        }
    }

    async fn download(&self) -> Result<KeySet, JwksError> {
        let inner = &self.inner;
        let url = inner.url.as_str().to_string();
        let fetch_failed = |source| JwksError::Fetch {
            url: url.clone(),
            source,
        };
        let request = inner
            .http
            .get(inner.url.clone())
            .header(ACCEPT, "application/json");
        let mut response = request.send().await.map_err(fetch_failed)?;
        if response.status() != reqwest::StatusCode::OK {
            let status = response.status().as_u16();
            return Err(JwksError::Status { url, status });
        }
        let too_large = || JwksError::TooLarge {
            url: url.clone(),
            limit: inner.max_bytes,
        };
        let declared = response.content_length().unwrap_or(0);
        if declared > inner.max_bytes as u64 {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fetch_failed)? {
            if body.len() + chunk.len() > inner.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        KeySet::from_jwks_json(&body)
    }
}

impl fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteKeys")
            .field("url", &self.inner.url.as_str())
            .field("refetch_interval", &self.inner.refetch_interval)
            .field("max_age", &self.inner.max_age)
            .field("cached", &self.cached())
            .finish()
    }
}

/// Configures [`RemoteKeys`]: the URL, the refetch interval, the maximum age, the fetch's
/// timeout and size limit, or an HTTP client of your own.
#[derive(Debug, Clone)]
#[must_use]
pub struct RemoteKeysBuilder {
    url: String,
    refetch_interval: Duration,
    max_age: Duration,
    timeout: Duration,
    max_bytes: usize,
    http: Option<reqwest::Client>,
}

impl Default for RemoteKeysBuilder {
    fn default() -> Self {
        RemoteKeysBuilder {
            url: FLATPEAK_JWKS_URL.to_string(),
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
            max_age: DEFAULT_MAX_AGE,
            timeout: DEFAULT_FETCH_TIMEOUT,
            max_bytes: DEFAULT_MAX_JWKS_BYTES,
            http: None,
        }
    }
}

impl RemoteKeysBuilder {
    /// The JWKS URL (default [`FLATPEAK_JWKS_URL`]). It must be `https`, or `http` to a
    /// loopback address (for tests): the keys decide what is trusted.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// The least time between two fetches triggered by deliveries (default
    /// [`DEFAULT_REFETCH_INTERVAL`]).
    pub fn refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// How long a fetched set is used before a delivery triggers a refetch (default
    /// [`DEFAULT_MAX_AGE`]).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// How long one fetch may take (default [`DEFAULT_FETCH_TIMEOUT`]); ignored with
    /// [`http_client`](Self::http_client), whose own timeouts apply.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest JWKS accepted, in bytes (default [`DEFAULT_MAX_JWKS_BYTES`]).
    pub fn max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// An HTTP client to fetch with (a proxy, your own TLS roots). It should not follow
    /// redirects, as the default one does not.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Checks the URL and builds the HTTP client. Nothing is fetched yet.
    pub fn build(self) -> Result<RemoteKeys, JwksError> {
        let url = checked_url(&self.url)?;
        let http = match self.http {
            Some(client) => client,
            None => default_client(self.timeout).map_err(|source| JwksError::Fetch {
                url: self.url.clone(),
                source,
            })?,
        };
        Ok(RemoteKeys {
            inner: Arc::new(Inner {
                url,
                http,
                refetch_interval: self.refetch_interval,
                max_age: self.max_age,
                max_bytes: self.max_bytes,
                loaded: RwLock::new(None),
                fetching: tokio::sync::Mutex::new(FetchState::default()),
            }),
        })
    }
}

/// `https`, or `http` to a loopback host.
fn checked_url(text: &str) -> Result<reqwest::Url, JwksError> {
    let invalid = |reason| JwksError::InvalidUrl {
        url: text.to_string(),
        reason,
    };
    let url = reqwest::Url::parse(text).map_err(|_| invalid("not a URL"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(invalid("plain http is allowed to a loopback address only")),
        _ => Err(invalid("not an https URL")),
    }
}

fn default_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "flatpeak-rust/",
            env!("CARGO_PKG_VERSION"),
            " (webhook keys)"
        ))
        .build()
}

fn log_fetched(keys: &KeySet) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        keys = keys.len(),
        skipped = keys.skipped().len(),
        "fetched Flatpeak's webhook signing keys"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = keys;
}

fn log_failed(error: &JwksError) {
    #[cfg(feature = "tracing")]
    tracing::warn!(%error, "could not fetch Flatpeak's webhook signing keys");
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_urls_are_accepted() {
        for good in [
            FLATPEAK_JWKS_URL,
            "http://127.0.0.1:8080/jwks.json",
            "http://[::1]/jwks.json",
            "http://localhost/jwks.json",
        ] {
            assert!(checked_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://api.flatpeak.com/jwks.json",
            "http://10.0.0.1/jwks.json",
            "file:///etc/jwks.json",
            "not a url",
        ] {
            assert!(
                matches!(checked_url(bad), Err(JwksError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }
}

//! The check a receiver runs on every delivery, in order of cost: body size, headers,
//! timestamp, key, signature, and only then the JSON of an authentic body.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::error::Error;
use super::event::{Authenticity, Event};
use super::headers::{Delivery, RawHeaders, Signed};
use super::keys::{Key, KeySet};
use super::remote::RemoteKeys;

/// How old a delivery's timestamp may be by default: five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);
/// How far ahead of this machine's clock a timestamp may be by default.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(60);
/// The largest body verified by default: 1 MiB (events are a few kilobytes).
pub const DEFAULT_MAX_DELIVERY_BYTES: usize = 1024 * 1024;

/// Where a verifier finds the keys: a set given once, or Flatpeak's, fetched and cached.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A fixed set (a JWKS file, a test signer's keys). It never changes, so an unknown key id
    /// is final ([`Error::is_retryable`] is `false`).
    Static(Arc<KeySet>),
    /// A set fetched from a JWKS URL and cached. A later fetch may bring a key the cached set
    /// lacks, so an unknown key id is retryable.
    Remote(RemoteKeys),
}

impl From<KeySet> for KeySource {
    fn from(keys: KeySet) -> Self {
        KeySource::Static(Arc::new(keys))
    }
}

impl From<Arc<KeySet>> for KeySource {
    fn from(keys: Arc<KeySet>) -> Self {
        KeySource::Static(keys)
    }
}

impl From<RemoteKeys> for KeySource {
    fn from(keys: RemoteKeys) -> Self {
        KeySource::Remote(keys)
    }
}

type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Verifies webhook deliveries: built once, shared by every request (cloning is cheap).
///
/// ```
/// # async fn handle(jwks: &[u8], headers: &http::HeaderMap, body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
/// use flatpeak::webhook::{KeySet, Verifier};
/// let verifier = Verifier::new(KeySet::from_jwks_json(jwks)?);
/// let event = verifier.verify(headers, body).await?;
/// println!("{} {}", event.event_type(), event.id());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Verifier {
    keys: KeySource,
    tolerance_secs: u64,
    skew_secs: u64,
    allow_unsigned: bool,
    max_body_bytes: usize,
    clock: Clock,
}

impl Verifier {
    /// A verifier with the default settings: five minutes' tolerance, a minute's clock
    /// skew, unsigned deliveries refused, bodies up to 1 MiB.
    pub fn new(keys: impl Into<KeySource>) -> Verifier {
        Verifier::builder(keys).build()
    }

    /// Starts configuring a verifier that checks signatures with `keys`.
    pub fn builder(keys: impl Into<KeySource>) -> VerifierBuilder {
        VerifierBuilder {
            verifier: Verifier {
                keys: keys.into(),
                tolerance_secs: DEFAULT_TOLERANCE.as_secs(),
                skew_secs: DEFAULT_CLOCK_SKEW.as_secs(),
                allow_unsigned: false,
                max_body_bytes: DEFAULT_MAX_DELIVERY_BYTES,
                clock: Arc::new(SystemTime::now),
            },
        }
    }

    /// Verifies a delivery from its headers and its body exactly as received (before any JSON
    /// parsing), and returns its event, or why it is refused.
    ///
    /// With [`KeySource::Static`] nothing is awaited; with [`KeySource::Remote`] the key set
    /// may be fetched first.
    pub async fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<Event, Error> {
        let headers = self
            .check_size(body)
            .and_then(|()| RawHeaders::from_map(headers));
        self.verify_read(headers, body).await
    }

    /// Like [`Verifier::verify`], with the headers as (name, value) pairs from any framework:
    /// names are compared without regard to case, other headers are ignored.
    pub fn verify_pairs<'a, I, K, V>(
        &'a self,
        headers: I,
        body: &'a [u8],
    ) -> impl Future<Output = Result<Event, Error>> + Send + 'a
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        // Read before the future is made, so that it holds no borrow of the pairs.
        let headers = self
            .check_size(body)
            .and_then(|()| RawHeaders::from_pairs(headers));
        self.verify_read(headers, body)
    }

    async fn verify_read(
        &self,
        headers: Result<RawHeaders, Error>,
        body: &[u8],
    ) -> Result<Event, Error> {
        match headers?.parse()? {
            Delivery::Unsigned { version } => self.accept_unsigned(version, body),
            Delivery::Signed(signed) => self.verify_signed(signed, body).await,
        }
    }

    fn check_size(&self, body: &[u8]) -> Result<(), Error> {
        if body.len() > self.max_body_bytes {
            return Err(Error::BodyTooLarge {
                len: body.len(),
                limit: self.max_body_bytes,
            });
        }
        Ok(())
    }

    async fn verify_signed(&self, signed: Signed, body: &[u8]) -> Result<Event, Error> {
        self.check_time(signed.timestamp.seconds)?;
        let key = self.key(&signed.key_id).await?;
        let message: [&[u8]; 3] = [signed.timestamp.text.as_bytes(), b".", body];
        if !key.verifies(&message, &signed.signature) {
            return Err(Error::BadSignature {
                key_id: signed.key_id,
            });
        }
        let authenticity = Authenticity::Signed {
            key_id: signed.key_id,
            timestamp: signed.timestamp.seconds,
        };
        Event::parse(body, signed.version, authenticity).map_err(Error::NotAnEvent)
    }

    fn accept_unsigned(&self, version: String, body: &[u8]) -> Result<Event, Error> {
        if !self.allow_unsigned {
            return Err(Error::Unsigned);
        }
        #[cfg(feature = "tracing")]
        tracing::warn!(
            flatpeak_version = %version,
            "accepting an unsigned webhook delivery (Flatpeak-Signature: none) because \
             allow_unsigned is on: nothing proves it came from Flatpeak"
        );
        Event::parse(body, version, Authenticity::Unsigned).map_err(Error::NotAnEvent)
    }

    /// Whether `timestamp` is within the tolerance before now and the skew after it.
    fn check_time(&self, timestamp: i64) -> Result<(), Error> {
        let now = (self.clock)()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let difference = i128::from(now) - i128::from(timestamp);
        let seconds = u64::try_from(difference.unsigned_abs()).unwrap_or(u64::MAX);
        if difference > 0 && seconds > self.tolerance_secs {
            return Err(Error::StaleTimestamp {
                age_secs: seconds,
                tolerance_secs: self.tolerance_secs,
            });
        }
        if difference < 0 && seconds > self.skew_secs {
            return Err(Error::FutureTimestamp {
                ahead_secs: seconds,
                skew_secs: self.skew_secs,
            });
        }
        Ok(())
    }

    async fn key(&self, key_id: &str) -> Result<Arc<Key>, Error> {
        match &self.keys {
            // A fixed set never gains a key: a retry cannot succeed.
            KeySource::Static(keys) => keys.get(key_id).cloned().ok_or(Error::UnknownKey {
                key_id: key_id.to_string(),
                keys_can_change: false,
            }),
            KeySource::Remote(remote) => remote.key(key_id).await,
        }
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys)
            .field("tolerance_secs", &self.tolerance_secs)
            .field("skew_secs", &self.skew_secs)
            .field("allow_unsigned", &self.allow_unsigned)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Verifier`]; every setting has a default.
#[must_use]
pub struct VerifierBuilder {
    verifier: Verifier,
}

impl VerifierBuilder {
    /// How old a timestamp may be, in whole seconds (default [`DEFAULT_TOLERANCE`]). Flatpeak
    /// leaves the choice to the receiver; longer lets a captured delivery be replayed for
    /// longer.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.verifier.tolerance_secs = tolerance.as_secs();
        self
    }

    /// How far ahead of this machine's clock a timestamp may be, in whole seconds (default
    /// [`DEFAULT_CLOCK_SKEW`]).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.verifier.skew_secs = skew.as_secs();
        self
    }

    /// Accepts `Flatpeak-Signature: none`, which Flatpeak sends when it cannot sign. Anyone
    /// can send such a delivery: never turn this on in production. Each accepted one is
    /// logged as a warning (with the `tracing` feature) and its event says
    /// [`Authenticity::Unsigned`].
    pub fn allow_unsigned(mut self) -> Self {
        self.verifier.allow_unsigned = true;
        self
    }

    /// The largest body verified, in bytes (default [`DEFAULT_MAX_DELIVERY_BYTES`]); a larger
    /// one is refused before anything else is done with it.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.verifier.max_body_bytes = limit;
        self
    }

    /// The clock timestamps are compared with (default `SystemTime::now`), for tests.
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.verifier.clock = Arc::new(clock);
        self
    }

    /// The verifier.
    pub fn build(self) -> Verifier {
        self.verifier
    }
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VerifierBuilder")
            .field(&self.verifier)
            .finish()
    }
}

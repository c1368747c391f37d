//! Receiving Flatpeak's webhooks (cargo feature `webhook`): proving that a delivery comes from
//! Flatpeak, unchanged and recent, before anything acts on it, and reading its event.
//!
//! Anyone can POST to a webhook endpoint. Flatpeak signs each delivery so that the receiver
//! can tell: the `Flatpeak-Signature` header holds a PS256 signature (RSA-PSS with SHA-256,
//! MGF1-SHA-256 and a 32-byte salt, by an RSA-2048 key) of `{Flatpeak-Timestamp}.{raw body}`,
//! made with the key whose id is in `Flatpeak-Key-ID`; the public keys are a JWKS that
//! Flatpeak publishes at [`FLATPEAK_JWKS_URL`]. (Flatpeak marks signing as a preview.)
//!
//! ```no_run
//! use flatpeak::webhook::{RemoteKeys, Verifier};
//!
//! # async fn run(headers: http::HeaderMap, body: bytes::Bytes) -> Result<(), Box<dyn std::error::Error>> {
//! // Once, at start-up: Flatpeak's keys, fetched when first needed and cached.
//! let verifier = Verifier::new(RemoteKeys::flatpeak()?);
//!
//! // For each delivery: the headers and the body exactly as received.
//! match verifier.verify(&headers, &body).await {
//!     Ok(event) => println!("{} {} ({})", event.id(), event.event_type(), event.flatpeak_version()),
//!     // Keys not fetched yet, or a key id not in the fetched set yet: a retry may succeed.
//!     Err(refused) if refused.is_retryable() => { /* answer 503: Flatpeak retries */ }
//!     Err(refused) => println!("refused: {refused}"), // answer 400
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # What is checked, in this order
//! 1. The body's size, against a limit (1 MiB by default) before anything else.
//! 2. The headers: each present once, in its documented form; scheme `v1` only; one signature
//!    (several in one header are malformed: the scheme defines one), in base64url *without*
//!    padding (padded or standard base64 is malformed). `Flatpeak-Signature: none` (Flatpeak
//!    could not sign) is refused unless [`VerifierBuilder::allow_unsigned`] was chosen, which
//!    is for development only, and always when `Flatpeak-Timestamp` or `Flatpeak-Key-ID` is
//!    present too ([`Error::UnsignedWithSigningHeader`]): Flatpeak's unsigned deliveries carry
//!    neither, so that is a signed delivery with its signature stripped.
//! 3. The timestamp: at most the tolerance old (five minutes by default; Flatpeak leaves it
//!    to the receiver) and at most the clock skew (a minute) ahead.
//! 4. The key: by `Flatpeak-Key-ID` in the key set ([`KeySet`] given once, or
//!    [`RemoteKeys`] fetched and cached, refetched on an unknown key id at most once per
//!    interval). An unknown key id is retryable with [`RemoteKeys`] (a later fetch may have
//!    it) and final with a [`KeySet`], which never changes.
//! 5. The signature, over the timestamp as sent, a `.`, and the body's bytes.
//! 6. Only then the body as JSON: an event envelope, or [`Error::NotAnEvent`].
//!
//! Every refusal is an [`Error`] saying which step and, for headers, which header. No error,
//! `Debug` output or log line holds the body.
//!
//! # The event
//! [`Event`] has the envelope's fields, the type as an open [`EventType`] (a type this version
//! does not know keeps its text), the delivery's `Flatpeak-Version`, and `data` as JSON.
//! `data` has the shape of the API release that generated the event, which may not be the
//! release this crate's `types` describe: decode it with [`Event::data_as`] and the types of
//! the release [`Event::flatpeak_version`] names, or let [`Event::release_data`] do it: it picks
//! the release module by that version and decodes `data` with its generated `EventData`
//! ([`ReleaseData`], one variant per release whose spec describes events, and `Unknown` with
//! the JSON for any other version). `Flatpeak-Version` is not covered by the signature (only
//! the timestamp and the body are): a delivery replayed within the tolerance could be
//! relabelled, and its data decoded with another release's types; the data is still the
//! signed bytes.
//!
//! # Delivery, retries and duplicates
//! Flatpeak waits ten seconds for an answer; without a `2xx` it tries again immediately, then
//! after 30 seconds, 1 hour, 6, 12 and 24 hours. So: verify, hand the event to a queue or a
//! task, answer `2xx` at once, and deduplicate on [`Event::id`], which every retry repeats.
//! `examples/webhook_receiver.rs` does all of this with axum.
//!
//! # Cryptography
//! The signature is checked with [aws-lc-rs](https://docs.rs/aws-lc-rs)
//! (`RSA_PSS_2048_8192_SHA256`, whose salt length is the digest's, 32 bytes, and is enforced).
//! The crate's TLS stack (rustls) already builds it, so checking signatures adds no second
//! cryptographic library to a build. Each key is parsed once when the set is read, and the
//! signed message is hashed in pieces, so the body is never copied. The implementation passes
//! every vector of Google's Wycheproof set for these exact parameters, and refuses every
//! signature valid under neighbouring ones (salt 0, SHA-1, MGF1-SHA-1, PKCS#1 v1.5).
//!
//! # Testing a handler
//! With the `test-util` feature, [`testing::TestSigner`] makes a key pair, its JWKS and
//! deliveries signed as Flatpeak signs them.

mod error;
mod event;
mod headers;
mod keys;
mod release_data;
mod remote;
#[cfg(feature = "test-util")]
pub mod testing;
mod verifier;

pub use error::{Error, Header, JwksError, NotAnEvent, SkippedKey};
pub use event::{Authenticity, Event, EventType, ObjectKind};
pub use keys::KeySet;
pub use release_data::{DataError, ReleaseData};
pub use remote::{
    DEFAULT_FETCH_TIMEOUT, DEFAULT_MAX_AGE, DEFAULT_MAX_JWKS_BYTES, DEFAULT_REFETCH_INTERVAL,
    FLATPEAK_JWKS_URL, RemoteKeys, RemoteKeysBuilder,
};
pub use verifier::{
    DEFAULT_CLOCK_SKEW, DEFAULT_MAX_DELIVERY_BYTES, DEFAULT_TOLERANCE, KeySource, Verifier,
    VerifierBuilder,
};

#[cfg(all(test, feature = "test-util"))]
mod tests;

//! Why a delivery was refused, and why a key set could not be had: one typed reason each, so
//! that a receiver can answer and log the right thing without parsing messages.
//!
//! No message quotes the body: it holds customer data. Header values appear only after they
//! passed a strict character check (see `headers.rs`), so a message is always one short line.

use std::fmt;

/// A header of a webhook delivery that the verifier reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Header {
    /// `Flatpeak-Signature`: `v1=<base64url>`, or `none` when Flatpeak could not sign.
    Signature,
    /// `Flatpeak-Signature-Scheme`: `v1`.
    SignatureScheme,
    /// `Flatpeak-Timestamp`: when the delivery was signed, in Unix seconds.
    Timestamp,
    /// `Flatpeak-Key-ID`: the `kid` of the signing key in Flatpeak's JWKS.
    KeyId,
    /// `Flatpeak-Version`: the API release whose shapes the event's `data` has.
    Version,
}

impl Header {
    /// Every header the verifier reads.
    pub const ALL: [Header; 5] = [
        Header::Signature,
        Header::SignatureScheme,
        Header::Timestamp,
        Header::KeyId,
        Header::Version,
    ];

    /// Its position in [`Header::ALL`].
    pub(crate) const fn index(self) -> usize {
        match self {
            Header::Signature => 0,
            Header::SignatureScheme => 1,
            Header::Timestamp => 2,
            Header::KeyId => 3,
            Header::Version => 4,
        }
    }

    /// The header's name as Flatpeak writes it, for example `Flatpeak-Signature`.
    pub const fn name(self) -> &'static str {
        match self {
            Header::Signature => "Flatpeak-Signature",
            Header::SignatureScheme => "Flatpeak-Signature-Scheme",
            Header::Timestamp => "Flatpeak-Timestamp",
            Header::KeyId => "Flatpeak-Key-ID",
            Header::Version => "Flatpeak-Version",
        }
    }
}

impl fmt::Display for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a webhook delivery was refused.
///
/// Every variant says where the problem is (which header, which key) and never quotes the
/// body. [`Error::is_retryable`] tells a receiver whether answering with a `5xx` (so that
/// Flatpeak retries) can help.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The body is larger than the verifier's limit; nothing else was looked at.
    #[error("the body is {len} bytes, more than the {limit}-byte limit")]
    BodyTooLarge {
        /// The body's length in bytes.
        len: usize,
        /// The limit in bytes ([`VerifierBuilder::max_body_bytes`](super::VerifierBuilder::max_body_bytes)).
        limit: usize,
    },
    /// A header the delivery must carry is absent.
    #[error("the `{0}` header is missing")]
    MissingHeader(Header),
    /// A header appears more than once: which one counts would be a guess, so neither does.
    #[error("the `{0}` header appears more than once")]
    DuplicateHeader(Header),
    /// A header is present but not in its documented form.
    #[error("the `{header}` header is malformed: {reason}")]
    MalformedHeader {
        /// The header.
        header: Header,
        /// What is wrong with it (never its value).
        reason: &'static str,
    },
    /// The delivery is signed with a scheme other than `v1`, by the scheme header or by the
    /// signature's prefix (`v0=...`).
    #[error("signature scheme `{scheme}` is not supported (only `v1` is)")]
    UnsupportedScheme {
        /// The scheme named (letters and digits only; anything else is `MalformedHeader`).
        scheme: String,
    },
    /// `Flatpeak-Signature: none`: Flatpeak could not sign the delivery, and this verifier does
    /// not accept unsigned deliveries (see
    /// [`VerifierBuilder::allow_unsigned`](super::VerifierBuilder::allow_unsigned)).
    #[error(
        "the delivery is unsigned (`Flatpeak-Signature: none`) and unsigned deliveries are refused"
    )]
    Unsigned,
    /// `Flatpeak-Signature: none` beside a header only signed deliveries carry
    /// (`Flatpeak-Timestamp` or `Flatpeak-Key-ID`; the timestamp when both). Flatpeak's
    /// unsigned deliveries carry neither, so this is likely a signed delivery whose signature
    /// was replaced by `none` to pass as unsigned: refused even with
    /// [`VerifierBuilder::allow_unsigned`](super::VerifierBuilder::allow_unsigned).
    #[error(
        "the delivery says it is unsigned (`Flatpeak-Signature: none`) but has a `{0}` header, \
         which Flatpeak sends only with a signature: the signature may have been stripped"
    )]
    UnsignedWithSigningHeader(Header),
    /// The timestamp is older than the tolerance allows: a replay, or a delivery that waited.
    #[error("signed {age_secs} s ago, more than the {tolerance_secs} s tolerance")]
    StaleTimestamp {
        /// How long ago it was signed, in seconds.
        age_secs: u64,
        /// The tolerance in seconds.
        tolerance_secs: u64,
    },
    /// The timestamp is further ahead of this machine's clock than the allowed skew.
    #[error("signed {ahead_secs} s in the future, more than the {skew_secs} s clock skew allowed")]
    FutureTimestamp {
        /// How far ahead, in seconds.
        ahead_secs: u64,
        /// The allowed skew in seconds.
        skew_secs: u64,
    },
    /// No key of the key set has the delivery's key id (after a refetch, when the keys are
    /// fetched and the refetch interval allowed one).
    #[error("no key `{key_id}` in the key set{}", unknown_key_note(*.keys_can_change))]
    UnknownKey {
        /// The `Flatpeak-Key-ID` of the delivery.
        key_id: String,
        /// Whether the verifier's keys can change, so that the key may be found later: `true`
        /// when they are fetched ([`KeySource::Remote`](super::KeySource::Remote): a key
        /// rotation the cached set predates), `false` for a fixed set
        /// ([`KeySource::Static`](super::KeySource::Static)), where no retry can help.
        /// [`Error::is_retryable`] follows it.
        keys_can_change: bool,
    },
    /// The signature is not a PS256 signature of `{timestamp}.{body}` by the named key: the body
    /// or the timestamp was changed, or it was signed by another key or another algorithm.
    #[error("the signature does not verify under key `{key_id}`")]
    BadSignature {
        /// The `Flatpeak-Key-ID` of the delivery.
        key_id: String,
    },
    /// The keys are fetched and no key set could be fetched yet.
    #[error("Flatpeak's keys are unavailable: {reason}")]
    KeysUnavailable {
        /// Why the last fetch failed.
        reason: String,
    },
    /// The body is authentic but is not a Flatpeak event envelope.
    #[error("the body is not a Flatpeak event: {0}")]
    NotAnEvent(NotAnEvent),
}

impl Error {
    /// Whether the same delivery may succeed later, so that the receiver should answer with a
    /// `5xx` and let Flatpeak retry: the keys could not be fetched, or the key id is not in
    /// the fetched set yet (a key rotation this receiver has not seen; see
    /// [`Error::UnknownKey`]'s `keys_can_change`). An unknown key id with a fixed
    /// [`KeySet`](super::KeySet) is not retryable: that set never gains a key, and a forged
    /// key id would otherwise earn every retry of Flatpeak's schedule.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::KeysUnavailable { .. } => true,
            Self::UnknownKey {
                keys_can_change, ..
            } => *keys_can_change,
            _ => false,
        }
    }
}

/// Why an authentic body is not an event envelope `{id, object: "event", type, data, ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotAnEvent {
    /// The body is not JSON (or is empty); the position of the first error, counted from 1.
    NotJson {
        /// The line.
        line: usize,
        /// The column.
        column: usize,
    },
    /// The body is JSON but not an object.
    NotAnObject,
    /// A required field is absent.
    MissingField(&'static str),
    /// A field has the wrong JSON type or an unreadable value.
    InvalidField(&'static str),
    /// `object` is not `"event"`.
    NotAnEventObject,
}

impl fmt::Display for NotAnEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson { line, column } => {
                write!(f, "not JSON (line {line}, column {column})")
            }
            Self::NotAnObject => f.write_str("not a JSON object"),
            Self::MissingField(field) => write!(f, "no `{field}` field"),
            Self::InvalidField(field) => write!(f, "the `{field}` field is not valid"),
            Self::NotAnEventObject => f.write_str("its `object` is not \"event\""),
        }
    }
}

/// Why a JSON Web Key Set could not be read or fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The document is not JSON.
    #[error("the JWKS is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    /// The document is JSON without a `keys` array.
    #[error("the JWKS has no `keys` array")]
    NoKeys,
    /// No key of the set can verify Flatpeak's signatures; why each was skipped.
    #[error("the JWKS has no usable RSA signing key ({})", describe_skipped(.0))]
    NoUsableKey(Vec<SkippedKey>),
    /// The key set URL is not one keys may be fetched from.
    #[error("cannot fetch keys from `{url}`: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// Why not.
        reason: &'static str,
    },
    /// The HTTP client could not be built, or the request failed (connection, TLS, timeout).
    #[error("fetching {url} failed: {source}")]
    Fetch {
        /// The URL fetched.
        url: String,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a status other than `200`.
    #[error("fetching {url} answered HTTP {status}")]
    Status {
        /// The URL fetched.
        url: String,
        /// The status.
        status: u16,
    },
    /// The answer was larger than the limit; reading stopped there.
    #[error("the JWKS at {url} is larger than {limit} bytes")]
    TooLarge {
        /// The URL fetched.
        url: String,
        /// The limit in bytes.
        limit: usize,
    },
}

/// A key of a JWKS that the verifier does not use, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// The key's `kid`, when it has one.
    pub kid: Option<String>,
    /// Why it was skipped, for example `not an RSA key` or `1024-bit modulus`.
    pub reason: String,
}

/// What [`Error::UnknownKey`]'s message adds when the keys are fetched.
fn unknown_key_note(keys_can_change: bool) -> &'static str {
    if keys_can_change {
        " (the keys are fetched: a later fetch may have it)"
    } else {
        ""
    }
}

fn describe_skipped(skipped: &[SkippedKey]) -> String {
    if skipped.is_empty() {
        return "it is empty".to_string();
    }
    let each: Vec<String> = skipped
        .iter()
        .map(|s| format!("{}: {}", s.kid.as_deref().unwrap_or("(no kid)"), s.reason))
        .collect();
    each.join("; ")
}

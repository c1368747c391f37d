//! A stand-in for Flatpeak's signing side (cargo feature `test-util`), so that a team can test
//! its webhook handler end to end, signature checks included, without Flatpeak: an RSA-2048
//! key pair, its JWKS, and deliveries signed exactly as Flatpeak signs them.
//!
//! ```
//! use flatpeak::webhook::testing::{TestSigner, event_body};
//! use flatpeak::webhook::{EventType, Verifier};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let signer = TestSigner::generate("wsk_test_1")?;
//! // What the handler under test is configured with, instead of Flatpeak's JWKS.
//! let verifier = Verifier::new(signer.key_set());
//!
//! let body = event_body("evt_1", "location.update", serde_json::json!({ "id": "loc_1" }));
//! let delivery = signer.sign_now(body)?;
//! let event = verifier.verify(&delivery.headers, &delivery.body).await?;
//! assert_eq!(event.event_type(), &EventType::LocationUpdate);
//!
//! // A changed body is refused.
//! let mut forged = delivery.body.clone();
//! forged.push(b' ');
//! assert!(verifier.verify(&delivery.headers, &forged).await.is_err());
//! # Ok(())
//! # }
//! ```
//!
//! Generating a key takes a noticeable time in debug builds (a second or more): make one per
//! test binary (a `std::sync::OnceLock`) when many tests need one.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PSS_SHA256, RsaEncoding};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

use super::error::Header;
use super::headers::is_key_id;
use super::keys::KeySet;

/// The `Flatpeak-Version` of the deliveries a [`TestSigner`] makes.
pub const TEST_FLATPEAK_VERSION: &str = "2025-09-14.anode";

/// Why a test signer could not do what it was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestSignerError {
    /// The key id is not one a `Flatpeak-Key-ID` header can carry.
    #[error("`{0}` is not 1 to 128 letters, digits and `-_.:+/=~`")]
    KeyId(String),
    /// A value cannot be carried by its header (a `Flatpeak-Version` with a line break).
    #[error("the value given for `{0}` cannot be a header value")]
    HeaderValue(&'static str),
    /// The cryptographic library refused (it should not).
    #[error("{0} failed")]
    Crypto(&'static str),
}

/// An RSA-2048 key pair with a key id, that signs deliveries as Flatpeak does.
pub struct TestSigner {
    key_id: String,
    key_pair: KeyPair,
    jwk: Value,
    key_set: KeySet,
}

impl TestSigner {
    /// Generates a key pair named `key_id` (for example `wsk_test_1`).
    pub fn generate(key_id: impl Into<String>) -> Result<TestSigner, TestSignerError> {
        let key_id = key_id.into();
        if !is_key_id(&key_id) {
            return Err(TestSignerError::KeyId(key_id));
        }
        let key_pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| TestSignerError::Crypto("generating an RSA key"))?;
        let (n, e) = public_components(key_pair.public_key().as_ref())
            .ok_or(TestSignerError::Crypto("reading the public key"))?;
        let jwk = json!({
            "kty": "RSA",
            "kid": key_id,
            "use": "sig",
            "alg": "PS256",
            "n": URL_SAFE_NO_PAD.encode(n),
            "e": URL_SAFE_NO_PAD.encode(e),
        });
        let key_set = KeySet::from_jwks_json(jwks_json([&jwk]))
            .map_err(|_| TestSignerError::Crypto("reading the public key"))?;
        Ok(TestSigner {
            key_id,
            key_pair,
            jwk,
            key_set,
        })
    }

    /// The key id, as `Flatpeak-Key-ID` carries it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key as a JWK (`kty`, `kid`, `use`, `alg`, `n`, `e`).
    pub fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// A JWKS holding this key alone, as JSON (see [`jwks_json`] for several keys).
    pub fn jwks_json(&self) -> String {
        jwks_json([&self.jwk])
    }

    /// This key as a verifier's key set.
    pub fn key_set(&self) -> KeySet {
        self.key_set.clone()
    }

    /// The `Flatpeak-Signature` value for `body` signed at `timestamp` (Unix seconds):
    /// `v1=` and the PS256 signature of `{timestamp}.{body}` in base64url without padding.
    pub fn signature(&self, timestamp: i64, body: &[u8]) -> Result<String, TestSignerError> {
        let signature = self.sign_message(&RSA_PSS_SHA256, &signed_message(timestamp, body))?;
        Ok(format!("v1={}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// A delivery of `body` signed at `timestamp` (Unix seconds), with every header Flatpeak
    /// sends (`Flatpeak-Version` is [`TEST_FLATPEAK_VERSION`]).
    pub fn sign(
        &self,
        timestamp: i64,
        body: impl Into<Vec<u8>>,
    ) -> Result<SignedDelivery, TestSignerError> {
        self.sign_as(TEST_FLATPEAK_VERSION, timestamp, body)
    }

    /// A delivery of `body` signed at `timestamp`, as the release `flatpeak_version` sends it
    /// (`Flatpeak-Version`, which the signature does not cover, for example
    /// `2024-08-24.zero`): to test a handler with events of several releases.
    pub fn sign_as(
        &self,
        flatpeak_version: &str,
        timestamp: i64,
        body: impl Into<Vec<u8>>,
    ) -> Result<SignedDelivery, TestSignerError> {
        let body = body.into();
        let values = [
            (Header::Signature, self.signature(timestamp, &body)?),
            (Header::SignatureScheme, "v1".to_string()),
            (Header::Timestamp, timestamp.to_string()),
            (Header::KeyId, self.key_id.clone()),
            (Header::Version, flatpeak_version.to_string()),
        ];
        let mut headers = HeaderMap::new();
        for (header, value) in values {
            let value = HeaderValue::try_from(value)
                .map_err(|_| TestSignerError::HeaderValue(header.name()))?;
            headers.insert(HeaderName::from_static(lowercase(header)), value);
        }
        Ok(SignedDelivery { headers, body })
    }

    /// A delivery of `body` signed now.
    pub fn sign_now(&self, body: impl Into<Vec<u8>>) -> Result<SignedDelivery, TestSignerError> {
        self.sign(unix_now(), body)
    }

    /// The signature of `message` with any RSA encoding (the crate's own tests use other salt
    /// lengths and PKCS#1 v1.5 to check that they are refused).
    pub(crate) fn sign_message(
        &self,
        encoding: &'static dyn RsaEncoding,
        message: &[u8],
    ) -> Result<Vec<u8>, TestSignerError> {
        let mut signature = vec![0; self.key_pair.public_modulus_len()];
        self.key_pair
            .sign(encoding, &SystemRandom::new(), message, &mut signature)
            .map_err(|_| TestSignerError::Crypto("signing"))?;
        Ok(signature)
    }
}

impl std::fmt::Debug for TestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A signed delivery: the headers Flatpeak sends and the body exactly as signed.
#[derive(Debug, Clone)]
pub struct SignedDelivery {
    /// `Flatpeak-Signature`, `-Signature-Scheme`, `-Timestamp`, `-Key-ID` and `-Version`.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl SignedDelivery {
    /// The headers as `Name: value` lines, as a log shows them (the `flatpeak webhook verify`
    /// command reads this form).
    pub fn header_lines(&self) -> String {
        Header::ALL
            .iter()
            .filter_map(|header| {
                let value = self.headers.get(lowercase(*header))?.to_str().ok()?;
                Some(format!("{}: {value}\n", header.name()))
            })
            .collect()
    }
}

/// A JWKS holding these JWKs (for example [`TestSigner::jwk`] of several signers), as JSON.
pub fn jwks_json<'a>(jwks: impl IntoIterator<Item = &'a Value>) -> String {
    let keys: Vec<&Value> = jwks.into_iter().collect();
    json!({ "keys": keys }).to_string()
}

/// An event envelope `{id, object: "event", type, data, time_created}` as JSON bytes, created
/// now.
pub fn event_body(id: &str, event_type: &str, data: Value) -> Vec<u8> {
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let envelope = json!({
        "id": id,
        "object": "event",
        "type": event_type,
        "data": data,
        "time_created": created,
    });
    envelope.to_string().into_bytes()
}

/// The bytes Flatpeak signs: `{timestamp}.{body}`.
pub(crate) fn signed_message(timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    message
}

fn unix_now() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH);
    since.map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A header's name in lower case, as `HeaderName::from_static` wants it.
fn lowercase(header: Header) -> &'static str {
    match header {
        Header::Signature => "flatpeak-signature",
        Header::SignatureScheme => "flatpeak-signature-scheme",
        Header::Timestamp => "flatpeak-timestamp",
        Header::KeyId => "flatpeak-key-id",
        Header::Version => "flatpeak-version",
    }
}

/// The modulus and exponent of a DER `RSAPublicKey` (RFC 8017: a SEQUENCE of two INTEGERs),
/// without the leading zero octet DER gives a positive integer whose top bit is set (a JWK's
/// integers have none, RFC 7518 section 6.3.1).
fn public_components(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (sequence, _) = der_element(der, 0x30)?;
    let (n, rest) = der_element(sequence, 0x02)?;
    let (e, _) = der_element(rest, 0x02)?;
    Some((without_leading_zeros(n), without_leading_zeros(e)))
}

fn without_leading_zeros(integer: &[u8]) -> &[u8] {
    let start = integer
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(integer.len());
    &integer[start..]
}

/// One DER element with tag `tag`: its contents and what follows it.
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    if found != tag {
        return None;
    }
    let (length, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81..=0x84 => {
            let (bytes, rest) = rest.split_at_checked(usize::from(first & 0x7f))?;
            let length = bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
            (length, rest)
        }
        _ => return None,
    };
    rest.split_at_checked(length)
}

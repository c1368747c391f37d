//! Reading the five `Flatpeak-*` headers of a delivery into checked values, from an
//! `http::HeaderMap` or from any framework's (name, value) pairs, before any cryptography.
//!
//! Strict on purpose: a header that appears twice, a value with characters its form does not
//! allow, padded or standard base64 in the signature, several signatures in one header (the
//! scheme defines one), `none` beside a timestamp or key id (Flatpeak's unsigned deliveries
//! carry neither), or a timestamp that is not plain digits is refused here, with the header
//! named. The checks also make every value that reaches an error message short, printable
//! ASCII; no message quotes a signature.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::{Error, Header};

/// The longest signature accepted, in base64url characters: an RSA-8192 signature (1024
/// bytes) is 1366; the bound stops a huge header before it is decoded.
const MAX_SIGNATURE_CHARS: usize = 1400;
/// The longest key id accepted.
pub(crate) const MAX_KEY_ID_CHARS: usize = 128;
/// The longest version accepted (`2025-09-14.anode` is 16).
const MAX_VERSION_CHARS: usize = 64;
/// The most digits a timestamp may have: 18 fit an `i64` and go far beyond any real date.
const MAX_TIMESTAMP_DIGITS: usize = 18;
/// The longest scheme name echoed in an error.
const MAX_SCHEME_CHARS: usize = 16;

/// The raw values of the headers the verifier reads, at most one each.
#[derive(Default)]
pub(crate) struct RawHeaders {
    values: [Option<Vec<u8>>; 5],
}

impl RawHeaders {
    /// Collects the `Flatpeak-*` headers from (name, value) pairs; names are compared without
    /// regard to case, other headers are ignored, and a second occurrence is an error.
    pub(crate) fn from_pairs<I, K, V>(pairs: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let mut headers = RawHeaders::default();
        for (name, value) in pairs {
            let Some(index) = index_of(name.as_ref()) else {
                continue;
            };
            let slot = &mut headers.values[index];
            if slot.is_some() {
                return Err(Error::DuplicateHeader(Header::ALL[index]));
            }
            *slot = Some(value.as_ref().to_vec());
        }
        Ok(headers)
    }

    /// Collects the `Flatpeak-*` headers from an `http::HeaderMap`.
    pub(crate) fn from_map(map: &http::HeaderMap) -> Result<Self, Error> {
        Self::from_pairs(
            map.iter()
                .map(|(name, value)| (name.as_str(), value.as_bytes())),
        )
    }

    /// The value of `header` as text without surrounding spaces or tabs (which HTTP does not
    /// count as part of a value), or why there is none.
    fn text(&self, header: Header) -> Result<&str, Error> {
        let raw = self.values[header.index()]
            .as_deref()
            .ok_or(Error::MissingHeader(header))?;
        let text = std::str::from_utf8(raw).map_err(|_| malformed(header, "not ASCII"))?;
        let text = text.trim_matches([' ', '\t']);
        if !text.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err(malformed(header, "not printable ASCII"));
        }
        Ok(text)
    }

    /// Reads and checks every header a delivery must carry.
    pub(crate) fn parse(&self) -> Result<Delivery, Error> {
        let signature = self.text(Header::Signature)?;
        let version = self.version()?;
        if signature == "none" {
            // Flatpeak sends `none` without a timestamp or key id; with either, a signed
            // delivery had its signature replaced to pass as unsigned (a downgrade).
            for header in [Header::Timestamp, Header::KeyId] {
                if self.values[header.index()].is_some() {
                    return Err(Error::UnsignedWithSigningHeader(header));
                }
            }
            return Ok(Delivery::Unsigned { version });
        }
        let scheme = self.text(Header::SignatureScheme)?;
        check_scheme(Header::SignatureScheme, scheme)?;
        let signature = parse_signature(signature)?;
        let timestamp = self.timestamp()?;
        let key_id = self.key_id()?;
        Ok(Delivery::Signed(Signed {
            signature,
            timestamp,
            key_id,
            version,
        }))
    }

    fn version(&self) -> Result<String, Error> {
        let version = self.text(Header::Version)?;
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-_.".contains(&b);
        if version.is_empty() || version.len() > MAX_VERSION_CHARS {
            return Err(malformed(
                Header::Version,
                "empty or longer than 64 characters",
            ));
        }
        if !version.bytes().all(allowed) {
            return Err(malformed(
                Header::Version,
                "not letters, digits, `-`, `_` and `.`",
            ));
        }
        Ok(version.to_string())
    }

    fn timestamp(&self) -> Result<Timestamp, Error> {
        let text = self.text(Header::Timestamp)?;
        if text.is_empty() || text.len() > MAX_TIMESTAMP_DIGITS {
            return Err(malformed(Header::Timestamp, "not 1 to 18 digits"));
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed(Header::Timestamp, "not Unix seconds in digits"));
        }
        let seconds = text
            .parse::<i64>()
            .map_err(|_| malformed(Header::Timestamp, "not Unix seconds in digits"))?;
        Ok(Timestamp {
            text: text.to_string(),
            seconds,
        })
    }

    fn key_id(&self) -> Result<String, Error> {
        let key_id = self.text(Header::KeyId)?;
        if !is_key_id(key_id) {
            return Err(malformed(
                Header::KeyId,
                "not 1 to 128 letters, digits and `-_.:+/=~`",
            ));
        }
        Ok(key_id.to_string())
    }
}

/// Whether `text` can be a key id: 1 to 128 characters, letters, digits and `-_.:+/=~`.
pub(crate) fn is_key_id(text: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-_.:+/=~".contains(&b);
    !text.is_empty() && text.len() <= MAX_KEY_ID_CHARS && text.bytes().all(allowed)
}

/// A delivery's headers, checked.
pub(crate) enum Delivery {
    /// `Flatpeak-Signature: none`.
    Unsigned {
        /// `Flatpeak-Version`.
        version: String,
    },
    /// A `v1` signature with its timestamp and key.
    Signed(Signed),
}

/// The signature material of a signed delivery.
pub(crate) struct Signed {
    /// The decoded signature.
    pub(crate) signature: Vec<u8>,
    /// `Flatpeak-Timestamp`.
    pub(crate) timestamp: Timestamp,
    /// `Flatpeak-Key-ID`.
    pub(crate) key_id: String,
    /// `Flatpeak-Version`.
    pub(crate) version: String,
}

/// `Flatpeak-Timestamp`: the text as sent (it is what was signed) and its value.
pub(crate) struct Timestamp {
    /// The digits as sent.
    pub(crate) text: String,
    /// Unix seconds.
    pub(crate) seconds: i64,
}

/// The position in [`Header::ALL`] of a header name, compared without regard to case.
fn index_of(name: &[u8]) -> Option<usize> {
    Header::ALL
        .iter()
        .position(|h| h.name().as_bytes().eq_ignore_ascii_case(name))
}

fn malformed(header: Header, reason: &'static str) -> Error {
    Error::MalformedHeader { header, reason }
}

/// `v1` is the one scheme; another of the form `v<digits>` is unsupported, anything else
/// malformed.
fn check_scheme(header: Header, scheme: &str) -> Result<(), Error> {
    if scheme == "v1" {
        return Ok(());
    }
    let looks_like_scheme = scheme.len() <= MAX_SCHEME_CHARS
        && scheme.starts_with('v')
        && scheme.len() > 1
        && scheme.bytes().skip(1).all(|b| b.is_ascii_digit());
    if looks_like_scheme {
        return Err(Error::UnsupportedScheme {
            scheme: scheme.to_string(),
        });
    }
    Err(malformed(header, "not a scheme of the form `v1`"))
}

/// `v1=<base64url without padding>` to the signature's bytes.
fn parse_signature(value: &str) -> Result<Vec<u8>, Error> {
    if holds_several_signatures(value) {
        return Err(malformed(
            Header::Signature,
            "it holds more than one signature, which the scheme does not define",
        ));
    }
    let Some((scheme, encoded)) = value.split_once('=') else {
        return Err(malformed(
            Header::Signature,
            "not of the form `v1=<signature>`",
        ));
    };
    check_scheme(Header::Signature, scheme)?;
    if encoded.is_empty() || encoded.len() > MAX_SIGNATURE_CHARS {
        return Err(malformed(Header::Signature, "empty or too long"));
    }
    URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| malformed(Header::Signature, "not base64url without padding"))
}

/// Whether a `Flatpeak-Signature` value holds several `<scheme>=<signature>` items separated
/// by `,`, `;` or spaces (as other providers send during a key rotation). Flatpeak documents
/// one signature per header, so which one to check would be a guess.
fn holds_several_signatures(value: &str) -> bool {
    let is_item = |item: &str| {
        item.split_once('=')
            .is_some_and(|(scheme, _)| !scheme.is_empty())
    };
    value
        .split([',', ';', ' '])
        .filter(|item| is_item(item))
        .nth(1)
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Delivery, Error> {
        RawHeaders::from_pairs(pairs.iter().copied())?.parse()
    }

    const SIGNED: [(&str, &str); 5] = [
        ("Flatpeak-Signature", "v1=AQID"),
        ("Flatpeak-Signature-Scheme", "v1"),
        ("Flatpeak-Timestamp", "1776847880"),
        ("Flatpeak-Key-ID", "wsk_live_1"),
        ("Flatpeak-Version", "2025-09-14.anode"),
    ];

    fn with(name: &str, value: &'static str) -> Vec<(&'static str, &'static str)> {
        SIGNED
            .iter()
            .map(|(n, v)| {
                (
                    *n,
                    if n.eq_ignore_ascii_case(name) {
                        value
                    } else {
                        *v
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_signed_delivery_parses() {
        let Ok(Delivery::Signed(signed)) = parse(&SIGNED) else {
            panic!("not parsed as signed");
        };
        assert_eq!(signed.signature, [1, 2, 3]);
        assert_eq!(signed.timestamp.text, "1776847880");
        assert_eq!(signed.timestamp.seconds, 1_776_847_880);
        assert_eq!(signed.key_id, "wsk_live_1");
        assert_eq!(signed.version, "2025-09-14.anode");
    }

    #[test]
    fn values_lose_surrounding_whitespace_only() {
        let Ok(Delivery::Signed(signed)) = parse(&with("Flatpeak-Key-ID", " \twsk_1 ")) else {
            panic!("not parsed");
        };
        assert_eq!(signed.key_id, "wsk_1");
        assert!(matches!(
            parse(&with("Flatpeak-Key-ID", "wsk 1")),
            Err(Error::MalformedHeader {
                header: Header::KeyId,
                ..
            })
        ));
    }

    #[test]
    fn timestamps_are_plain_digits() {
        for bad in [
            "",
            "+1776847880",
            "-5",
            "1776847880.5",
            "0x10",
            "1e9",
            "1234567890123456789",
        ] {
            assert!(
                matches!(
                    parse(&with("Flatpeak-Timestamp", bad)),
                    Err(Error::MalformedHeader {
                        header: Header::Timestamp,
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn schemes_other_than_v1_are_unsupported_or_malformed() {
        let unsupported = |r: Result<Delivery, Error>| match r {
            Err(Error::UnsupportedScheme { scheme }) => scheme,
            _ => String::from("(not unsupported)"),
        };
        assert_eq!(
            unsupported(parse(&with("Flatpeak-Signature", "v0=AQID"))),
            "v0"
        );
        assert_eq!(
            unsupported(parse(&with("Flatpeak-Signature", "v2=AQID"))),
            "v2"
        );
        assert_eq!(
            unsupported(parse(&with("Flatpeak-Signature-Scheme", "v2"))),
            "v2"
        );
        for bad in ["V1", "v", "v1.0", "ps256"] {
            assert!(matches!(
                parse(&with("Flatpeak-Signature-Scheme", bad)),
                Err(Error::MalformedHeader {
                    header: Header::SignatureScheme,
                    ..
                })
            ));
        }
    }

    #[test]
    fn several_signatures_are_refused_as_such_and_one_is_not() {
        for several in [
            "v1=AQID,v1=BAUG",
            "v1=AQID, v1=BAUG",
            "v1=AQID;v1=BAUG",
            "v1=AQID v1=BAUG",
            "v0=AQID,v1=BAUG",
            "v1=AQID,v1=BAUG,v1=BwgJ",
        ] {
            let refused = parse(&with("Flatpeak-Signature", several));
            let Err(Error::MalformedHeader {
                header: Header::Signature,
                reason,
            }) = refused
            else {
                panic!("{several}: not refused as malformed");
            };
            assert!(
                reason.contains("more than one signature"),
                "{several}: {reason}"
            );
        }
        assert!(!holds_several_signatures("v1=AQID"));
        assert!(!holds_several_signatures("v1=AQ=="));
        assert!(!holds_several_signatures("v1=AQID,"));
        assert!(!holds_several_signatures("v1=AQID,="));
        assert!(!holds_several_signatures("none"));
    }

    #[test]
    fn none_beside_a_timestamp_or_key_id_is_refused() {
        let unsigned = [
            ("Flatpeak-Signature", "none"),
            ("Flatpeak-Version", "2025-09-14.anode"),
        ];
        assert!(matches!(parse(&unsigned), Ok(Delivery::Unsigned { .. })));
        for (extra, header) in [
            (("Flatpeak-Timestamp", "1776847880"), Header::Timestamp),
            (("flatpeak-key-id", "wsk_live_1"), Header::KeyId),
            (("Flatpeak-Timestamp", ""), Header::Timestamp),
        ] {
            let pairs = [unsigned[0], unsigned[1], extra];
            assert!(
                matches!(parse(&pairs), Err(Error::UnsignedWithSigningHeader(h)) if h == header),
                "{extra:?}"
            );
        }
        // Every header of a signed delivery with its signature replaced: the timestamp is named.
        assert!(matches!(
            parse(&with("Flatpeak-Signature", "none")),
            Err(Error::UnsignedWithSigningHeader(Header::Timestamp))
        ));
        // The scheme header alone is not a sign of a stripped signature.
        let with_scheme = [
            unsigned[0],
            unsigned[1],
            ("Flatpeak-Signature-Scheme", "v1"),
        ];
        assert!(matches!(parse(&with_scheme), Ok(Delivery::Unsigned { .. })));
    }

    #[test]
    fn a_non_utf8_value_is_malformed() {
        let pairs = [("flatpeak-signature", &b"v1=\xff"[..])];
        let headers = RawHeaders::from_pairs(pairs).map(|h| h.parse());
        assert!(matches!(
            headers,
            Ok(Err(Error::MalformedHeader {
                header: Header::Signature,
                ..
            }))
        ));
    }
}

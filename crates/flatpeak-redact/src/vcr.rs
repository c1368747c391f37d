//! The VCR cassette format (Ruby VCR, rvcr), as types: the one statement of its layout, which
//! the client's recorder and the gate's `synth` write through and the gate and `scrub` read
//! through, so that what one writes the other reads. A cassette is JSON or YAML; the types are
//! the same tree either way.
//!
//! Reading is as liberal as the recorders in the wild are: a request may have no body (read as
//! empty), a body may be a bare string or Ruby VCR's `base64_string` (decoded), and a method
//! any token. It is strict where a looser reading would lose something: a header written twice
//! (its first list of values would be lost), a body with both `string` and `base64_string`, a
//! `recorded_at` that is not an RFC 2822 date, a `uri` that is not a URL, an `http_version`
//! HTTP never had. Writing is one form: headers in the order given, a body as `{encoding,
//! string}` when it is UTF-8 text and as `{encoding, base64_string}` when it is not.
//!
//! ```
//! use flatpeak_redact::vcr::{Body, Cassette, Headers, Interaction, Request, Response, Status};
//!
//! let interaction = Interaction {
//!     request: Request {
//!         uri: "https://api.flatpeak.com/devices/dev_1".parse()?,
//!         method: "get".into(),
//!         headers: Headers::from_pairs([("Accept", "application/json")]),
//!         body: Body::default(),
//!     },
//!     response: Response {
//!         status: Status { code: 200, message: "OK".into() },
//!         headers: Headers::from_pairs([("Content-Type", "application/json")]),
//!         body: Body::from(r#"{"id":"dev_1"}"#),
//!         http_version: Some("1.1".into()),
//!     },
//!     recorded_at: "Mon, 02 Mar 2026 10:15:00 GMT".into(),
//! };
//! let cassette = Cassette { http_interactions: vec![interaction], recorded_with: "doc".into() };
//! let text = serde_json::to_string(&cassette)?;
//! let read: Cassette = serde_json::from_str(&text)?;
//! assert_eq!(read.http_interactions[0].response.body.as_bytes(), br#"{"id":"dev_1"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;

use base64::Engine as _;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A cassette: recorded interactions and what recorded them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cassette {
    /// The interactions, in the order recorded.
    pub http_interactions: Vec<Interaction>,
    /// The recorder that wrote the file (`VCR 6.2.0`, `flatpeak-rust/0.2.0 record_to`).
    /// Required: every VCR recorder writes it, so a file without it was not written by one.
    pub recorded_with: String,
}

/// One recorded request and its response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Interaction {
    /// What was sent.
    pub request: Request,
    /// What came back.
    pub response: Response,
    /// When, as an RFC 2822 date (`Mon, 02 Mar 2026 10:15:00 GMT`); checked when read.
    #[serde(deserialize_with = "rfc2822")]
    pub recorded_at: String,
}

/// A recorded request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// The URL, query included.
    pub uri: url::Url,
    /// The method as recorded (Ruby VCR writes it in lower case).
    pub method: String,
    /// The headers.
    pub headers: Headers,
    /// The body; a request recorded without one has none to check, and reads as empty.
    #[serde(default)]
    pub body: Body,
}

/// A recorded response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    /// The status code and its reason phrase.
    pub status: Status,
    /// The headers.
    pub headers: Headers,
    /// The body.
    pub body: Body,
    /// The HTTP version (`1.1`), when recorded: one of `0.9`, `1.0`, `1.1`, `2`, `3`.
    #[serde(
        default,
        deserialize_with = "http_version",
        skip_serializing_if = "Option::is_none"
    )]
    pub http_version: Option<String>,
}

/// A response's status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    /// The code (`200`).
    pub code: u16,
    /// The reason phrase (`OK`; may be empty).
    pub message: String,
}

/// Headers as VCR writes them: a map from each name to the list of its values, in the order
/// recorded. A name written twice is refused when read: a map would keep the second list and
/// lose the first. Its `Debug` shows the names alone: a value may be a credential.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(String, Vec<String>)>);

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Headers {
    /// Headers from name and value pairs, in their order; the values of a name given several
    /// times are listed under it, in order.
    pub fn from_pairs<N: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Headers {
        let mut headers: Vec<(String, Vec<String>)> = Vec::new();
        for (name, value) in pairs {
            let name = name.into();
            match headers.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) => values.push(value.into()),
                None => headers.push((name, vec![value.into()])),
            }
        }
        Headers(headers)
    }

    /// Name and value pairs, one per value, in the order recorded.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .flat_map(|(name, values)| values.iter().map(move |v| (name.as_str(), v.as_str())))
    }
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, values) in &self.0 {
            map.serialize_entry(name, values)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(HeadersVisitor)
    }
}

/// Reads [`Headers`], refusing a name written twice.
struct HeadersVisitor;

impl<'de> Visitor<'de> for HeadersVisitor {
    type Value = Headers;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of header names to lists of values")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Headers, M::Error> {
        let mut headers: Vec<(String, Vec<String>)> =
            Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if !seen.insert(name.clone()) {
                return Err(de::Error::custom(format!(
                    "duplicate header `{name}` (one of its lists would be lost)"
                )));
            }
            let values = map.next_value::<Vec<String>>()?;
            headers.push((name, values));
        }
        Ok(Headers(headers))
    }
}

/// A recorded body's bytes. Written as `{encoding: UTF-8, string}` when they are UTF-8 text,
/// else as Ruby VCR writes a binary body, `{encoding: ASCII-8BIT, base64_string}`. Read from
/// either, or from the bare string some recorders write; one with both `string` and
/// `base64_string`, or with base64 that does not decode, is refused, saying which. Its `Debug`
/// shows the length alone: the bytes may hold secrets.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Body(pub Vec<u8>);

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Body({} bytes)", self.0.len())
    }
}

impl Body {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for Body {
    fn from(text: &str) -> Body {
        Body(text.as_bytes().to_vec())
    }
}

impl From<String> for Body {
    fn from(text: String) -> Body {
        Body(text.into_bytes())
    }
}

/// A body written as a map.
#[derive(Serialize, Deserialize)]
struct BodyMap {
    /// The charset the recorder read the body in; not used when read.
    #[serde(default)]
    encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base64_string: Option<String>,
}

impl Serialize for Body {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let map = match std::str::from_utf8(&self.0) {
            Ok(text) => BodyMap {
                encoding: Some("UTF-8".into()),
                string: Some(text.into()),
                base64_string: None,
            },
            Err(_) => BodyMap {
                encoding: Some("ASCII-8BIT".into()),
                string: None,
                base64_string: Some(base64::engine::general_purpose::STANDARD.encode(&self.0)),
            },
        };
        map.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BodyVisitor)
    }
}

/// Reads a [`Body`] from a string or a map.
struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = Body;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("string or map")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Body, E> {
        Ok(Body::from(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Body, E> {
        Ok(Body::from(v))
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Body, M::Error> {
        let body = BodyMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
        match (body.string, body.base64_string) {
            (Some(text), None) => Ok(Body::from(text)),
            (None, Some(base64)) => decode_base64(&base64).map(Body).map_err(|e| {
                de::Error::custom(format!("`base64_string` is not valid base64: {}", why(&e)))
            }),
            (Some(_), Some(_)) => Err(de::Error::custom(
                "a body with both `string` and `base64_string`: one of them would be lost",
            )),
            (None, None) => Err(de::Error::missing_field("string")),
        }
    }
}

/// The bytes of a VCR `base64_string`: RFC 4648 base64, padded, which Ruby's `Base64.encode64`
/// breaks into lines (white space is skipped).
pub fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let joined: String = text.split_ascii_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(joined)
}

/// What is wrong with base64, without the byte that is (it may be part of a secret).
fn why(e: &base64::DecodeError) -> String {
    match e {
        base64::DecodeError::InvalidByte(offset, _) => {
            format!("a character that is not base64 at offset {offset}")
        }
        base64::DecodeError::InvalidLastSymbol(offset, _) => {
            format!("a last character that ends no byte, at offset {offset}")
        }
        base64::DecodeError::InvalidLength(length) => {
            format!("a length ({length}) base64 never has")
        }
        base64::DecodeError::InvalidPadding => "padding in the wrong place".to_string(),
    }
}

/// An RFC 2822 date (`Mon, 02 Mar 2026 10:15:00 GMT`), checked and kept as written.
fn rfc2822<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    chrono::DateTime::parse_from_rfc2822(&text).map_err(de::Error::custom)?;
    Ok(text)
}

/// The HTTP versions a recording may name.
const HTTP_VERSIONS: [&str; 5] = ["0.9", "1.0", "1.1", "2", "3"];

/// An `http_version` (`null` as absent), one of [`HTTP_VERSIONS`].
fn http_version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let Some(version) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    match HTTP_VERSIONS.contains(&version.as_str()) {
        true => Ok(Some(version)),
        false => Err(de::Error::unknown_variant(&version, &HTTP_VERSIONS)),
    }
}

/// Where, in one interaction written as JSON, each part of it lives: for the tools that edit a
/// cassette's JSON in place (`scrub`) and must keep everything else in the file as it was.
/// They are the fields of the types above (a test reads each from a written interaction).
pub mod at {
    /// The request's method.
    pub const METHOD: &str = "/request/method";
    /// The request's URL.
    pub const URI: &str = "/request/uri";
    /// The request's headers.
    pub const REQUEST_HEADERS: &str = "/request/headers";
    /// The request's body (a map, or a bare string).
    pub const REQUEST_BODY: &str = "/request/body";
    /// The request's body's text, in a body written as a map.
    pub const REQUEST_TEXT: &str = "/request/body/string";
    /// The request's body's base64, in a body written as a map.
    pub const REQUEST_BASE64: &str = "/request/body/base64_string";
    /// The response's status code.
    pub const STATUS: &str = "/response/status/code";
    /// The response's headers.
    pub const RESPONSE_HEADERS: &str = "/response/headers";
    /// The response's body (a map, or a bare string).
    pub const RESPONSE_BODY: &str = "/response/body";
    /// The response's body's text, in a body written as a map.
    pub const RESPONSE_TEXT: &str = "/response/body/string";
    /// The response's body's base64, in a body written as a map.
    pub const RESPONSE_BASE64: &str = "/response/body/base64_string";
    /// Where a cassette lists its interactions.
    pub const INTERACTIONS: &str = "/http_interactions";
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a panic is a failure

    use super::*;
    use serde_json::{Value, json};

    fn interaction(request_body: &[u8], response_body: &[u8]) -> Interaction {
        Interaction {
            request: Request {
                uri: "https://a.example/x?q=1".parse().unwrap(),
                method: "post".into(),
                headers: Headers::from_pairs([("B", "1"), ("A", "2"), ("B", "3")]),
                body: Body(request_body.to_vec()),
            },
            response: Response {
                status: Status {
                    code: 201,
                    message: "Created".into(),
                },
                headers: Headers::from_pairs([("Content-Type", "application/json")]),
                body: Body(response_body.to_vec()),
                http_version: Some("1.1".into()),
            },
            recorded_at: "Mon, 02 Mar 2026 10:15:00 GMT".into(),
        }
    }

    #[test]
    fn every_pointer_finds_its_part_in_a_written_interaction() {
        let text = serde_json::to_value(interaction(b"{}", b"[1]")).unwrap();
        assert_eq!(text.pointer(at::METHOD), Some(&json!("post")));
        assert_eq!(
            text.pointer(at::URI),
            Some(&json!("https://a.example/x?q=1"))
        );
        assert_eq!(
            text.pointer(at::REQUEST_HEADERS),
            Some(&json!({"B": ["1", "3"], "A": ["2"]}))
        );
        assert_eq!(text.pointer(at::REQUEST_TEXT), Some(&json!("{}")));
        assert_eq!(text.pointer(at::STATUS), Some(&json!(201)));
        assert!(text.pointer(at::RESPONSE_HEADERS).is_some());
        assert_eq!(text.pointer(at::RESPONSE_TEXT), Some(&json!("[1]")));
        assert!(text.pointer(at::REQUEST_BODY).is_some_and(Value::is_object));
        assert!(
            text.pointer(at::RESPONSE_BODY)
                .is_some_and(Value::is_object)
        );

        let binary = serde_json::to_value(interaction(&[0xff], &[0xfe, 0])).unwrap();
        assert_eq!(binary.pointer(at::REQUEST_BASE64), Some(&json!("/w==")));
        assert_eq!(binary.pointer(at::RESPONSE_BASE64), Some(&json!("/gA=")));
        let cassette = Cassette {
            http_interactions: vec![],
            recorded_with: "t".into(),
        };
        let cassette = serde_json::to_value(cassette).unwrap();
        assert!(cassette.pointer(at::INTERACTIONS).is_some());
    }

    #[test]
    fn what_is_written_reads_back_the_same_text_or_bytes() {
        for (request, response) in [(&b"a=1"[..], &b"{}"[..]), (&[0, 0xff][..], &[0x80][..])] {
            let written = serde_json::to_string(&interaction(request, response)).unwrap();
            let read: Interaction = serde_json::from_str(&written).unwrap();
            assert_eq!(read.request.body.as_bytes(), request);
            assert_eq!(read.response.body.as_bytes(), response);
            let pairs: Vec<_> = read.request.headers.pairs().collect();
            assert_eq!(pairs, [("B", "1"), ("B", "3"), ("A", "2")]);
        }
    }

    #[test]
    fn a_lenient_reading_of_bodies_and_a_strict_one_of_what_would_be_lost() {
        let read = |request: Value| {
            let mut recorded = serde_json::to_value(interaction(b"", b"")).unwrap();
            recorded["request"] = request;
            serde_json::from_value::<Interaction>(recorded).map_err(|e| e.to_string())
        };
        let base = json!({"uri": "https://a/", "method": "get", "headers": {}});
        let with = |body: Value| {
            let mut request = base.clone();
            request["body"] = body;
            request
        };
        assert_eq!(read(base.clone()).unwrap().request.body.as_bytes(), b"");
        assert_eq!(
            read(with(json!("bare"))).unwrap().request.body.as_bytes(),
            b"bare"
        );
        let lines = with(json!({"encoding": "ASCII-8BIT", "base64_string": "aGVs\nbG8=\n"}));
        assert_eq!(read(lines).unwrap().request.body.as_bytes(), b"hello");

        let both = read(with(json!({"string": "a", "base64_string": "YQ=="}))).unwrap_err();
        assert!(both.contains("both `string` and `base64_string`"), "{both}");
        let bad = read(with(json!({"base64_string": "a$b="}))).unwrap_err();
        assert!(
            bad.contains("not base64 at offset 1") && !bad.contains('$'),
            "{bad}"
        );
        let twice = serde_json::from_str::<Headers>(r#"{"X": ["1"], "x": ["2"], "X": ["3"]}"#);
        let refused = twice.unwrap_err().to_string();
        assert!(refused.contains("duplicate header `X`"), "{refused}");
    }

    #[test]
    fn a_date_or_version_that_is_not_one_is_refused() {
        let mut recorded = serde_json::to_value(interaction(b"", b"")).unwrap();
        recorded["recorded_at"] = json!("yesterday");
        assert!(serde_json::from_value::<Interaction>(recorded.clone()).is_err());
        recorded["recorded_at"] = json!("Mon, 02 Mar 2026 10:15:00 GMT");
        recorded["response"]["http_version"] = json!("1.7");
        let refused = serde_json::from_value::<Interaction>(recorded.clone()).unwrap_err();
        assert!(refused.to_string().contains("1.7"), "{refused}");
        recorded["response"]["http_version"] = Value::Null;
        assert!(serde_json::from_value::<Interaction>(recorded).is_ok());
    }

    #[test]
    fn debug_shows_no_header_value_and_no_body() {
        let shown = format!(
            "{:?}",
            interaction(b"password=hunter2", b"{\"token\":\"tok_9\"}")
        );
        assert!(
            shown.contains("\"B\"") && shown.contains("Body(16 bytes)"),
            "{shown}"
        );
        for secret in ["hunter2", "tok_9", "\"1\"", "application/json"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    #[test]
    fn many_headers_with_one_repeated_far_apart_are_refused() {
        let names: Vec<String> = (0..40).map(|i| format!("\"H{i}\":[\"v\"]")).collect();
        let text = format!("{{{},\"H3\":[\"w\"]}}", names.join(","));
        let refused = serde_json::from_str::<Headers>(&text).unwrap_err();
        assert!(
            refused.to_string().contains("duplicate header `H3`"),
            "{refused}"
        );
        let fine = format!("{{{}}}", names.join(","));
        assert_eq!(serde_json::from_str::<Headers>(&fine).unwrap().0.len(), 40);
    }
}

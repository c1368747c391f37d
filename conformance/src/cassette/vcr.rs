//! The VCR cassette format (Ruby VCR, rvcr), JSON or YAML. The types are `vcr-cassette`'s
//! but for two places where it is stricter than the recorders: a request without a body, and a
//! body Ruby VCR recorded in base64 (`base64_string`). The gate and `scrub` both read a cassette
//! through here (`cassette::check` for `scrub`), so what one refuses the other refuses too.

use base64::Engine;
use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use vcr_cassette::{Method, RecorderId, Status, Version};

use super::{NotACassette, Syntax};
use crate::model::{Interaction, RecordedRequest, RecordedResponse};

/// A cassette, and whether the file has a top-level `log` too.
#[derive(Deserialize)]
struct Direct {
    http_interactions: Vec<HttpInteraction>,
    /// Required, as by `vcr-cassette`, and not used: every VCR recorder writes it (Ruby VCR,
    /// rvcr, this workspace's recorder and `synth`), so a file without it was not written by
    /// one, and the gate would rather say so than guess at what wrote it.
    #[allow(dead_code)]
    recorded_with: RecorderId,
    #[serde(default)]
    log: Present,
}

/// A cassette, as the general path reads it.
#[derive(Deserialize)]
struct Cassette {
    http_interactions: Vec<HttpInteraction>,
    /// Required: see [`Direct::recorded_with`].
    #[allow(dead_code)]
    recorded_with: RecorderId,
}

/// One recorded request and response.
#[derive(Deserialize)]
struct HttpInteraction {
    request: Request,
    response: Response,
    /// Required and read as RFC 2822, as by `vcr-cassette`; not used.
    #[allow(dead_code)]
    #[serde(deserialize_with = "rfc2822")]
    recorded_at: (),
}

#[derive(Deserialize)]
struct Request {
    uri: vcr_cassette::url::Url,
    method: Method,
    headers: Headers,
    /// Optional, unlike in `vcr-cassette`: some recorders write no body for a request that had
    /// none (a GET), and the request had none to check; read as empty.
    #[serde(default)]
    body: Body,
}

#[derive(Deserialize)]
struct Response {
    status: Status,
    headers: Headers,
    body: Body,
    /// Checked as by `vcr-cassette` when present; not used.
    #[allow(dead_code)]
    http_version: Option<Version>,
}

/// A recorded body's bytes. VCR writes a body as `{encoding, string}` (or, in some recorders,
/// as the bare string); Ruby VCR writes one that is not valid text in its encoding as
/// `{encoding, base64_string}`, which is decoded here, so that the gate checks its bytes as it
/// checks any body. One with both `string` and `base64_string`, or with base64 that does not
/// decode, is refused with the place named.
#[derive(Default)]
struct Body(Vec<u8>);

/// A body written as a map.
#[derive(Deserialize)]
struct BodyMap {
    /// The charset the recorder read the body in; not used.
    #[allow(dead_code)]
    encoding: Option<String>,
    string: Option<String>,
    base64_string: Option<String>,
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BodyVisitor)
    }
}

struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = Body;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("string or map")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Body, E> {
        Ok(Body(v.as_bytes().to_vec()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Body, E> {
        Ok(Body(v.into_bytes()))
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Body, M::Error> {
        let body = BodyMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
        match (body.string, body.base64_string) {
            (Some(text), None) => Ok(Body(text.into_bytes())),
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
/// breaks into lines (white space is skipped). `scrub` reads and writes it through here too.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
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

/// An RFC 2822 date (`Mon, 02 Mar 2026 10:15:00 GMT`), checked and not kept.
fn rfc2822<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
    let text = String::deserialize(deserializer)?;
    chrono::DateTime::parse_from_rfc2822(&text)
        .map(drop)
        .map_err(de::Error::custom)
}

/// Whether a field is there, whatever its value (`null` included).
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| Present(true))
    }
}

/// The interactions of a file that reads straight into a cassette, in one pass: `None` when it
/// does not, or when it has a top-level `log` too (a HAR file first, as the general path in
/// `read_file` decides). The text is only a hint of which files to try. YAML that may hold a
/// tag goes the general way too: a tag such as Ruby VCR's `!binary` is refused there (the body
/// is not the text written), where a typed read would take the tagged text as the body.
pub(super) fn read_direct(text: &str, syntax: Syntax, name: &str) -> Option<Vec<Interaction>> {
    if !text.contains("http_interactions") || (syntax == Syntax::Yaml && may_hold_a_tag(text)) {
        return None;
    }
    let direct: Direct = syntax.try_parse(text)?;
    if direct.log.0 {
        return None;
    }
    Some(interactions(name, direct.http_interactions))
}

/// Reads a cassette's interactions from `parsed`, the file's `text` already parsed. `name` is
/// how the run names the file.
pub(super) fn read(
    text: &str,
    parsed: serde_json::Value,
    syntax: Syntax,
    name: &str,
) -> Result<Vec<Interaction>, NotACassette> {
    let cassette: Cassette = syntax.convert(parsed, text)?;
    Ok(interactions(name, cassette.http_interactions))
}

/// Whether a `!` starts a YAML node somewhere in `text` (after white space, `[`, `{` or `,`, or
/// at the start): a tag, or text the general path may as well decide on. `<!DOCTYPE` or
/// `"!x"` in a quoted body is not one.
fn may_hold_a_tag(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'!'
            && (i == 0
                || matches!(
                    bytes[i - 1],
                    b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b','
                ))
    })
}

fn interactions(file: &str, recorded: Vec<HttpInteraction>) -> Vec<Interaction> {
    recorded
        .into_iter()
        .enumerate()
        .map(|(index, recorded)| interaction(file, index, recorded))
        .collect()
}

fn interaction(file: &str, index: usize, recorded: HttpInteraction) -> Interaction {
    let HttpInteraction {
        request, response, ..
    } = recorded;
    Interaction {
        file: file.to_string(),
        index,
        line: None,
        request: RecordedRequest {
            method: request.method.as_str().to_ascii_uppercase(),
            url: request.uri.to_string(),
            headers: flatten(request.headers),
            body: request.body.0,
        },
        response: RecordedResponse {
            status: i64::from(response.status.code),
            headers: flatten(response.headers),
            body: response.body.0,
            unrecorded_body: None,
        },
        extras: Vec::new(),
    }
}

/// VCR's headers, a map of lists, in the order written. A name written twice is an error: a
/// map would keep the second list and lose the first. (Every other mapping of the direct read
/// is a struct, whose derived reader refuses a field written twice, so a file this path reads
/// needs no pass of [`super::unique`] first.)
#[derive(Default)]
struct Headers(Vec<(String, Vec<String>)>);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(HeadersVisitor)
    }
}

struct HeadersVisitor;

impl<'de> Visitor<'de> for HeadersVisitor {
    type Value = Headers;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of header names to lists of values")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Headers, M::Error> {
        let mut headers = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        let mut seen = super::unique::Seen::default();
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

/// VCR headers as name and value pairs, sorted by name (stable: the values of one name keep
/// their order) so that a run reads the same whatever order a recorder wrote them in.
fn flatten(headers: Headers) -> Vec<(String, String)> {
    let mut flat: Vec<(String, String)> = headers
        .0
        .into_iter()
        .flat_map(|(name, values)| values.into_iter().map(move |v| (name.clone(), v)))
        .collect();
    flat.sort_by_key(|(name, _)| name.to_ascii_lowercase());
    flat
}

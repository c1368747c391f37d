//! Reading VCR cassettes (Ruby VCR, rvcr), JSON or YAML, into the gate's interactions. The
//! format itself, lenient where recorders differ and strict where a reading would lose
//! something, is `flatpeak_redact::vcr`'s, which the client's recorder and `synth` write
//! through: what they write is what is read here. The gate and `scrub` both read a cassette
//! through this module (`cassette::check` for `scrub`), so what one refuses the other refuses
//! too.

use flatpeak_redact::vcr::{self, Headers};
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{NotACassette, Syntax, encoding};
use crate::model::{Interaction, RecordedRequest, RecordedResponse};

/// A cassette, and whether the file has a top-level `log` too (then it is read as HAR).
#[derive(Deserialize)]
struct Direct {
    http_interactions: Vec<vcr::Interaction>,
    /// Required, as [`vcr::Cassette::recorded_with`] is, and not used.
    #[allow(dead_code)]
    recorded_with: String,
    #[serde(default)]
    log: Present,
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
    let cassette: vcr::Cassette = syntax.convert(parsed, text)?;
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

fn interactions(file: &str, recorded: Vec<vcr::Interaction>) -> Vec<Interaction> {
    recorded
        .into_iter()
        .enumerate()
        .map(|(index, recorded)| interaction(file, index, recorded))
        .collect()
}

fn interaction(file: &str, index: usize, recorded: vcr::Interaction) -> Interaction {
    let vcr::Interaction {
        request, response, ..
    } = recorded;
    // A body recorded compressed is read decoded (`encoding`), and its `Content-Encoding`,
    // which no longer describes it, is left out.
    let read = |mut headers: Vec<(String, String)>, body: Vec<u8>| match encoding::decoded(
        &headers, &body,
    ) {
        Some(decoded) => {
            encoding::without_encoding(&mut headers);
            (headers, decoded)
        }
        None => (headers, body),
    };
    let (request_headers, request_body) = read(flatten(request.headers), request.body.0);
    let (response_headers, response_body) = read(flatten(response.headers), response.body.0);
    Interaction {
        file: file.to_string(),
        index,
        line: None,
        request: RecordedRequest {
            method: request.method.to_ascii_uppercase(),
            url: request.uri.to_string(),
            body: request_body,
            headers: request_headers,
        },
        response: RecordedResponse {
            status: i64::from(response.status.code),
            body: response_body,
            headers: response_headers,
            unrecorded_body: None,
        },
        extras: Vec::new(),
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

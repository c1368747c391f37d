//! HAR 1.2 files from browser devtools, mitmproxy or Postman, read with `har`.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use super::{Cassette, NotACassette, Syntax, har_extra};
use crate::model::{Extra, Interaction, RecordedRequest, RecordedResponse};

/// `har` chooses the version by `log.version`; this wrapper lets `serde_path_to_error` name
/// the place of a shape error, which `har::from_slice` does not. HAR 1.3 only adds optional
/// fields that a replay does not use, so 1.3 files are read with the 1.2 types too.
#[derive(Deserialize)]
struct HarFile {
    log: har::v1_2::Log,
}

/// Reads a HAR file's entries from `parsed`, the file's `text` already parsed, with the values
/// it keeps beside them ([`har_extra`]). `name` is how the run names the file. HAR is JSON: a
/// file read as YAML is parsed as JSON again, and fails with the JSON parser's message.
pub(super) fn read(
    text: &str,
    parsed: Value,
    syntax: Syntax,
    name: &str,
) -> Result<Cassette, NotACassette> {
    let shape: Value = match syntax {
        Syntax::Json => parsed,
        Syntax::Yaml => Syntax::Json.parse(text)?,
    };
    match shape.pointer("/log/version").and_then(Value::as_str) {
        Some("1.2" | "1.3") => {}
        Some(other) => return Err(NotACassette::HarVersion(other.to_string())),
        None => return Err(NotACassette::HarNoVersion),
    }
    let extras = har_extra::of_log(&shape);
    let mut entry_extras = entries_extras(&shape).into_iter();
    let file: HarFile = Syntax::Json.convert(shape, text)?;
    let interactions = file
        .log
        .entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let mut it = interaction(name, index, entry)?;
            it.extras = entry_extras.next().unwrap_or_default();
            Ok(it)
        })
        .collect::<Result<_, NotACassette>>()?;
    Ok(Cassette {
        interactions,
        extras,
    })
}

/// The extras of each entry of the parsed file, in order.
fn entries_extras(shape: &Value) -> Vec<Vec<Extra>> {
    let entries = shape.pointer("/log/entries").and_then(Value::as_array);
    let each = entries.into_iter().flatten().enumerate();
    each.map(|(index, entry)| har_extra::of_entry(entry, index))
        .collect()
}

fn interaction(
    file: &str,
    index: usize,
    entry: har::v1_2::Entries,
) -> Result<Interaction, NotACassette> {
    let har::v1_2::Entries {
        request, response, ..
    } = entry;
    let content = response.content;
    // A browser leaves out some bodies it saw: `size` says there was one, `text` is absent.
    let unrecorded_body = match (&content.text, u64::try_from(content.size)) {
        (None, Ok(size)) if size > 0 => Some(size),
        _ => None,
    };
    let body = decode(index, content.text, content.encoding.as_deref())?;
    Ok(Interaction {
        file: file.to_string(),
        index,
        line: None,
        request: RecordedRequest {
            method: request.method.to_ascii_uppercase(),
            url: request.url,
            headers: pairs(request.headers),
            body: request
                .post_data
                .and_then(|p| p.text)
                .map(String::into_bytes)
                .unwrap_or_default(),
        },
        response: RecordedResponse {
            status: response.status,
            headers: pairs(response.headers),
            body,
            unrecorded_body,
        },
        extras: Vec::new(),
    })
}

/// A HAR entry's headers, without `Content-Encoding`: HAR keeps bodies decoded (its
/// `content.text` is the body as the page read it), so the header does not describe them.
fn pairs(headers: Vec<har::v1_2::Headers>) -> Vec<(String, String)> {
    let kept = headers
        .into_iter()
        .filter(|h| !h.name.eq_ignore_ascii_case("content-encoding"));
    kept.map(|h| (h.name, h.value)).collect()
}

/// Entry `index`'s body: text, or base64 when `encoding` says so (binary bodies).
fn decode(
    index: usize,
    text: Option<String>,
    encoding: Option<&str>,
) -> Result<Vec<u8>, NotACassette> {
    let text = text.unwrap_or_default();
    match encoding {
        None | Some("") => Ok(text.into_bytes()),
        Some(e) if e.eq_ignore_ascii_case("base64") => base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|source| NotACassette::HarBase64 { index, source }),
        Some(other) => Err(NotACassette::HarEncoding {
            index,
            encoding: other.to_string(),
        }),
    }
}

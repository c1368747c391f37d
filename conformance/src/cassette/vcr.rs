//! The VCR cassette format (Ruby VCR, rvcr), JSON or YAML, read with `vcr-cassette`.

use vcr_cassette::{Cassette, Headers, HttpInteraction};

use super::Syntax;
use crate::model::{Interaction, RecordedRequest, RecordedResponse};

/// Reads a cassette's interactions from `parsed`, the file's `text` already parsed. `name` is
/// how the run names the file.
pub(super) fn read(
    text: &str,
    parsed: serde_json::Value,
    syntax: Syntax,
    name: &str,
) -> Result<Vec<Interaction>, String> {
    let cassette: Cassette = syntax.convert(parsed, text)?;
    Ok(cassette
        .http_interactions
        .into_iter()
        .enumerate()
        .map(|(index, recorded)| interaction(name, index, recorded))
        .collect())
}

fn interaction(file: &str, index: usize, recorded: HttpInteraction) -> Interaction {
    let HttpInteraction {
        request, response, ..
    } = recorded;
    Interaction {
        file: file.to_string(),
        index,
        request: RecordedRequest {
            method: request.method.as_str().to_ascii_uppercase(),
            url: request.uri.to_string(),
            headers: flatten(request.headers),
            body: request.body.string.into_bytes(),
        },
        response: RecordedResponse {
            status: i64::from(response.status.code),
            headers: flatten(response.headers),
            // VCR keeps the body as text; its `encoding` is the charset it was decoded with.
            body: response.body.string.into_bytes(),
        },
    }
}

/// VCR headers are a map of lists; `vcr-cassette` reads them into a `HashMap`, so they are
/// sorted by name to keep runs reproducible.
fn flatten(headers: Headers) -> Vec<(String, String)> {
    let mut flat: Vec<(String, String)> = headers
        .into_iter()
        .flat_map(|(name, values)| values.into_iter().map(move |v| (name.clone(), v)))
        .collect();
    flat.sort_by_key(|(name, _)| name.to_ascii_lowercase());
    flat
}

//! Where each part of a recorded interaction lives in a cassette file, for each format, for the
//! tools that edit a cassette in place (`scrub`) and must keep everything else in the file as
//! it was, and so work on the file's JSON. The VCR layout is `flatpeak_redact::vcr`'s (its
//! types, which the gate reads through and the recorder and `synth` write through, and their
//! field pointers, used here); HAR's is the `har` crate's types and the pointers here.

use base64::Engine;
use flatpeak_redact::vcr::{self, at};
use serde_json::Value;

/// A cassette format, as laid out in JSON (a YAML cassette is the same tree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Ruby VCR and rvcr: `http_interactions`, headers as a map of lists.
    Vcr,
    /// HAR 1.2: `log.entries`, headers as a list of `{name, value}`.
    Har,
}

/// One part of a recorded interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The request's method.
    Method,
    /// The request's URL, query included.
    Url,
    /// The request's headers.
    RequestHeaders,
    /// The request's body, as text.
    RequestBody,
    /// The response's status code.
    Status,
    /// The response's headers.
    ResponseHeaders,
    /// The response's body, as text.
    ResponseBody,
}

/// How a recorded body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// As the text it is.
    Text,
    /// In base64 (RFC 4648, padded).
    Base64,
    /// In an encoding neither format defines: not text to look into.
    Other,
}

/// How HAR says `entry`'s response body is encoded (`content.encoding`, in any case).
fn har_encoding(entry: &Value) -> Encoding {
    match entry.pointer(HAR_CONTENT_ENCODING).and_then(Value::as_str) {
        None | Some("") => Encoding::Text,
        Some(e) if e.eq_ignore_ascii_case("base64") => Encoding::Base64,
        Some(_) => Encoding::Other,
    }
}

/// Where HAR says how a response body is encoded (`base64` for a binary one).
pub(crate) const HAR_CONTENT_ENCODING: &str = "/response/content/encoding";

/// The base64 HAR writes a binary body in (RFC 4648, padded), as the gate decodes it.
const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Where HAR repeats a request's query as `{name, value}` pairs.
pub(crate) const HAR_QUERY_STRING: &str = "/request/queryString";

/// Where HAR repeats a form body's fields as `{name, value}` pairs (`postData.params`).
pub(crate) const HAR_POST_PARAMS: &str = "/request/postData/params";

/// Where HAR 1.2 says how many bytes a response's encoding saved (`content.compression`,
/// present only when known): `content.size` less `bodySize`.
pub(crate) const HAR_CONTENT_COMPRESSION: &str = "/response/content/compression";

impl Layout {
    /// The layout of a parsed cassette file: `None` when it is neither (a HAR file is
    /// recognised first, as the reader recognises it).
    pub(crate) fn of(doc: &Value) -> Option<Layout> {
        if doc.pointer(Layout::Har.list()).is_some() {
            Some(Layout::Har)
        } else if doc.pointer(Layout::Vcr.list()).is_some() {
            Some(Layout::Vcr)
        } else {
            None
        }
    }

    /// Where the file lists its interactions.
    fn list(self) -> &'static str {
        match self {
            Layout::Vcr => at::INTERACTIONS,
            Layout::Har => "/log/entries",
        }
    }

    /// The file's interactions, to edit in place; `None` when they are not a list.
    pub(crate) fn interactions(self, doc: &mut Value) -> Option<&mut Vec<Value>> {
        doc.pointer_mut(self.list()).and_then(Value::as_array_mut)
    }

    /// Where `part` lives inside one interaction.
    pub(crate) fn at(self, part: Part) -> &'static str {
        match (self, part) {
            (Layout::Vcr, Part::Method) => at::METHOD,
            (Layout::Vcr, Part::Url) => at::URI,
            (Layout::Vcr, Part::RequestHeaders) => at::REQUEST_HEADERS,
            (Layout::Vcr, Part::RequestBody) => at::REQUEST_TEXT,
            (Layout::Vcr, Part::Status) => at::STATUS,
            (Layout::Vcr, Part::ResponseHeaders) => at::RESPONSE_HEADERS,
            (Layout::Vcr, Part::ResponseBody) => at::RESPONSE_TEXT,
            (Layout::Har, Part::Method) => "/request/method",
            (Layout::Har, Part::Url) => "/request/url",
            (Layout::Har, Part::RequestHeaders) => "/request/headers",
            (Layout::Har, Part::RequestBody) => "/request/postData/text",
            (Layout::Har, Part::Status) => "/response/status",
            (Layout::Har, Part::ResponseHeaders) => "/response/headers",
            (Layout::Har, Part::ResponseBody) => "/response/content/text",
        }
    }

    /// Where `body` (`RequestBody` or `ResponseBody`) records its length in bytes besides a
    /// `Content-Length` header: HAR 1.2's `bodySize` (as received, -1 when unknown, 0 for a
    /// response served from the cache) and, for a response, `content.size` (decoded). HAR's
    /// `postData` records no length; VCR records none.
    pub(crate) fn lengths(self, body: Part) -> &'static [&'static str] {
        match (self, body) {
            (Layout::Har, Part::RequestBody) => &["/request/bodySize"],
            (Layout::Har, Part::ResponseBody) => &["/response/bodySize", "/response/content/size"],
            _ => &[],
        }
    }

    /// Where HAR 1.2 records how many bytes the request line and headers (`RequestHeaders`) or
    /// the status line and headers (`ResponseHeaders`) took on the wire (`headersSize`); VCR
    /// records none.
    pub(crate) fn headers_size(self, head: Part) -> Option<&'static str> {
        match (self, head) {
            (Layout::Har, Part::RequestHeaders) => Some("/request/headersSize"),
            (Layout::Har, Part::ResponseHeaders) => Some("/response/headersSize"),
            _ => None,
        }
    }

    /// The text of `part` in `interaction` (empty when absent). A body recorded base64 (a HAR
    /// response's `content.encoding`, in any case, or a VCR `base64_string`) reads as the text
    /// it decodes to, as the gate reads it; one that does not decode, or decodes to bytes that
    /// are not UTF-8 (an image), or has another encoding, is not text to look into, and reads as
    /// empty.
    pub(crate) fn text(self, interaction: &Value, part: Part) -> String {
        let (at, encoding) = self.body_at(interaction, part);
        let recorded = interaction
            .pointer(at)
            .and_then(Value::as_str)
            .unwrap_or_default();
        match encoding {
            Encoding::Text => recorded.to_string(),
            Encoding::Base64 => self
                .decode(recorded)
                .map(|bytes| {
                    self.decompressed(interaction, part, bytes)
                        .unwrap_or_else(|b| b)
                })
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .unwrap_or_default(),
            Encoding::Other => String::new(),
        }
    }

    /// `Ok` with `bytes`, body `part` of a VCR `interaction`, decoded, when its headers say it
    /// is compressed and it is (as the gate reads it: `super::encoding`); else `Err` with them
    /// as they are.
    fn decompressed(
        self,
        interaction: &Value,
        part: Part,
        bytes: Vec<u8>,
    ) -> Result<Vec<u8>, Vec<u8>> {
        let head = match (self, part) {
            (Layout::Vcr, Part::RequestBody) => Part::RequestHeaders,
            (Layout::Vcr, Part::ResponseBody) => Part::ResponseHeaders,
            _ => return Err(bytes),
        };
        super::encoding::decoded(&self.headers(interaction, head), &bytes).ok_or(bytes)
    }

    /// The `Content-Encoding` of body `part` of a VCR `interaction` recorded compressed that
    /// does not decode to text (`super::encoding::unreadable`): nothing in it can be looked
    /// into.
    pub(crate) fn unreadable(self, interaction: &Value, part: Part) -> Option<String> {
        let head = match (self, part) {
            (Layout::Vcr, Part::RequestBody) => Part::RequestHeaders,
            (Layout::Vcr, Part::ResponseBody) => Part::ResponseHeaders,
            _ => return None,
        };
        let (at, encoding) = self.body_at(interaction, part);
        let recorded = interaction.pointer(at).and_then(Value::as_str)?;
        let bytes = match encoding {
            Encoding::Base64 => self.decode(recorded)?,
            _ => recorded.as_bytes().to_vec(),
        };
        // Decoded, it is readable whatever it holds (an image is not text, and is no error).
        let bytes = self.decompressed(interaction, part, bytes).err()?;
        super::encoding::unreadable(&self.headers(interaction, head), &bytes)
    }

    /// Whether body `part` of `interaction` is recorded compressed, and reads decoded
    /// ([`Layout::text`]): written again, it is written decoded, and its `Content-Encoding`
    /// must go.
    pub(crate) fn is_compressed(self, interaction: &Value, part: Part) -> bool {
        let (at, encoding) = self.body_at(interaction, part);
        let recorded = interaction.pointer(at).and_then(Value::as_str);
        match (encoding, recorded.and_then(|r| self.decode(r))) {
            (Encoding::Base64, Some(bytes)) => self.decompressed(interaction, part, bytes).is_ok(),
            _ => false,
        }
    }

    /// The bytes of base64 `recorded` as this layout's reader decodes them: HAR's trimmed,
    /// VCR's with its line breaks skipped.
    fn decode(self, recorded: &str) -> Option<Vec<u8>> {
        match self {
            Layout::Har => BASE64.decode(recorded.trim()).ok(),
            Layout::Vcr => flatpeak_redact::vcr::decode_base64(recorded).ok(),
        }
    }

    /// Where `part` of `interaction` keeps its text, and how it is encoded. A VCR body is a
    /// map's `string`, its `base64_string` (Ruby VCR's binary bodies), or the bare string some
    /// recorders write; a HAR response body is `content.text`, encoded as `content.encoding`
    /// says.
    fn body_at(self, interaction: &Value, part: Part) -> (&'static str, Encoding) {
        let body = match (self, part) {
            (Layout::Vcr, Part::RequestBody) => at::REQUEST_BODY,
            (Layout::Vcr, Part::ResponseBody) => at::RESPONSE_BODY,
            (Layout::Har, Part::ResponseBody) => {
                return (self.at(part), har_encoding(interaction));
            }
            _ => return (self.at(part), Encoding::Text),
        };
        match interaction.pointer(body) {
            Some(Value::String(_)) => (body, Encoding::Text),
            Some(Value::Object(map)) if !map.contains_key("string") => {
                match map.contains_key("base64_string") {
                    true if part == Part::RequestBody => (at::REQUEST_BASE64, Encoding::Base64),
                    true => (at::RESPONSE_BASE64, Encoding::Base64),
                    false => (self.at(part), Encoding::Text),
                }
            }
            _ => (self.at(part), Encoding::Text),
        }
    }

    /// Replaces the body `part` (`RequestBody` or `ResponseBody`) of `interaction` with
    /// `text`, when the interaction has that part, written as the file records it: a body
    /// recorded base64 is written base64 (a HAR body's `content.encoding` kept), and left as
    /// recorded when it already decodes to `text`. A body with another encoding is left as
    /// recorded.
    pub(crate) fn replace_body(self, interaction: &mut Value, part: Part, text: &str) {
        let (at, encoding) = self.body_at(interaction, part);
        let written = match encoding {
            Encoding::Text => text.into(),
            Encoding::Base64 if self.text(interaction, part) != text => BASE64.encode(text).into(),
            Encoding::Base64 | Encoding::Other => return,
        };
        if let Some(slot) = interaction.pointer_mut(at) {
            *slot = written;
        }
    }

    /// The status of `interaction`'s response (0 when absent).
    pub(crate) fn status(self, interaction: &Value) -> i64 {
        interaction
            .pointer(self.at(Part::Status))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }

    /// The headers at `part` (`RequestHeaders` or `ResponseHeaders`) as name-value pairs, in
    /// the file's order; a VCR header with several values gives a pair for each.
    pub(crate) fn headers(self, interaction: &Value, part: Part) -> Vec<(String, String)> {
        let found = interaction.pointer(self.at(part));
        match self {
            Layout::Har => found
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|h| {
                    let name = h.get("name")?.as_str()?;
                    let value = h.get("value")?.as_str()?;
                    Some((name.to_string(), value.to_string()))
                })
                .collect(),
            Layout::Vcr => found
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .flat_map(|(name, values)| {
                    let values: Vec<String> = match values {
                        Value::Array(items) => items
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect(),
                        Value::String(s) => vec![s.clone()],
                        _ => Vec::new(),
                    };
                    values.into_iter().map(move |v| (name.clone(), v))
                })
                .collect(),
        }
    }

    /// `headers` written as this layout writes them: HAR's list of pairs, or VCR's map from
    /// each name to the list of its values (in order).
    pub(crate) fn headers_value<N, V>(self, headers: &[(N, V)]) -> Value
    where
        N: AsRef<str>,
        V: AsRef<str>,
    {
        match self {
            Layout::Har => pairs(headers),
            Layout::Vcr => {
                let pairs = headers.iter().map(|(n, v)| (n.as_ref(), v.as_ref()));
                // Maps with string keys of lists of strings: serialising cannot fail.
                serde_json::to_value(vcr::Headers::from_pairs(pairs)).unwrap_or_default()
            }
        }
    }

    /// Replaces `part` of `interaction` with `value`, when the interaction has that part.
    pub(crate) fn replace(self, interaction: &mut Value, part: Part, value: Value) {
        if let Some(slot) = interaction.pointer_mut(self.at(part)) {
            *slot = value;
        }
    }
}

/// Name-value pairs as HAR writes them (headers, query strings): `[{"name", "value"}, ...]`.
pub(crate) fn pairs<N, V>(list: &[(N, V)]) -> Value
where
    N: AsRef<str>,
    V: AsRef<str>,
{
    Value::Array(
        list.iter()
            .map(|(n, v)| serde_json::json!({"name": n.as_ref(), "value": v.as_ref()}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_file_is_told_by_where_it_lists_its_interactions() {
        assert_eq!(
            Layout::of(&json!({"http_interactions": []})),
            Some(Layout::Vcr)
        );
        assert_eq!(
            Layout::of(&json!({"log": {"entries": []}})),
            Some(Layout::Har)
        );
        // A file with both is read as HAR, as the reader reads it.
        assert_eq!(
            Layout::of(&json!({"log": {"entries": []}, "http_interactions": []})),
            Some(Layout::Har)
        );
        assert_eq!(Layout::of(&json!({"entries": []})), None);
    }

    #[test]
    fn vcr_headers_read_every_value_and_write_back_grouped_by_name() {
        let interaction = json!({"request": {"headers": {
            "Accept": ["application/json"],
            "X-Many": ["a", "b"],
            "X-Bare": "c",
        }}});
        let read = Layout::Vcr.headers(&interaction, Part::RequestHeaders);
        assert_eq!(
            read,
            [
                ("Accept".to_string(), "application/json".to_string()),
                ("X-Many".to_string(), "a".to_string()),
                ("X-Many".to_string(), "b".to_string()),
                ("X-Bare".to_string(), "c".to_string()),
            ]
        );
        assert_eq!(
            Layout::Vcr.headers_value(&read),
            json!({"Accept": ["application/json"], "X-Many": ["a", "b"], "X-Bare": ["c"]})
        );
    }

    #[test]
    fn har_parts_are_read_where_har_keeps_them() {
        let entry = json!({
            "request": {
                "method": "GET",
                "url": "https://api.flatpeak.com/devices/dev_1",
                "headers": [{"name": "Accept", "value": "*/*"}, {"value": "no name"}],
            },
            "response": {"status": 200, "content": {"text": "aGk=", "encoding": "base64"}},
        });
        assert_eq!(Layout::Har.text(&entry, Part::Method), "GET");
        assert_eq!(
            Layout::Har.text(&entry, Part::Url),
            "https://api.flatpeak.com/devices/dev_1"
        );
        assert_eq!(Layout::Har.status(&entry), 200);
        // A base64 body reads as the text it decodes to.
        assert_eq!(Layout::Har.text(&entry, Part::ResponseBody), "hi");
        let headers = Layout::Har.headers(&entry, Part::RequestHeaders);
        assert_eq!(headers, [("Accept".to_string(), "*/*".to_string())]);
        assert_eq!(
            Layout::Har.headers_value(&headers),
            json!([{"name": "Accept", "value": "*/*"}])
        );
    }

    #[test]
    fn a_har_body_recorded_base64_is_read_decoded_and_written_back_base64() {
        let body = |text: &str, encoding: &str| {
            let content = json!({"text": text, "encoding": encoding});
            json!({"response": {"content": content}})
        };
        // An image is not text to look into, nor a body in an encoding HAR does not define.
        for entry in [
            body("/9j/4AAQ", "base64"),
            body("hi", "gzip"),
            body("!", "base64"),
        ] {
            assert_eq!(Layout::Har.text(&entry, Part::ResponseBody), "");
        }
        let mut entry = body("aGk=\n", "Base64");
        assert_eq!(Layout::Har.text(&entry, Part::ResponseBody), "hi");
        // Unchanged text leaves the recorded base64 as it was; other text is written base64.
        Layout::Har.replace_body(&mut entry, Part::ResponseBody, "hi");
        assert_eq!(entry, body("aGk=\n", "Base64"));
        Layout::Har.replace_body(&mut entry, Part::ResponseBody, "ho");
        assert_eq!(entry, body("aG8=", "Base64"));
        let mut other = body("hi", "gzip");
        Layout::Har.replace_body(&mut other, Part::ResponseBody, "ho");
        assert_eq!(other, body("hi", "gzip"));
    }

    #[test]
    fn a_vcr_body_in_base64_or_bare_is_read_and_written_back_as_recorded() {
        // Ruby VCR's binary body, in lines, and a body written as the bare string.
        let mut entry = json!({
            "request": {"body": "hi"},
            "response": {"body": {"encoding": "ASCII-8BIT", "base64_string": "aG\nk=\n"}},
        });
        assert_eq!(Layout::Vcr.text(&entry, Part::RequestBody), "hi");
        assert_eq!(Layout::Vcr.text(&entry, Part::ResponseBody), "hi");
        Layout::Vcr.replace_body(&mut entry, Part::ResponseBody, "hi");
        assert_eq!(entry["response"]["body"]["base64_string"], "aG\nk=\n");
        Layout::Vcr.replace_body(&mut entry, Part::ResponseBody, "ho");
        Layout::Vcr.replace_body(&mut entry, Part::RequestBody, "ho");
        let written = json!({
            "request": {"body": "ho"},
            "response": {"body": {"encoding": "ASCII-8BIT", "base64_string": "aG8="}},
        });
        assert_eq!(entry, written);
        // Bytes that are not text are not looked into, and not written over.
        let mut image = json!({"response": {"body": {"base64_string": "/9j/4AAQ"}}});
        assert_eq!(Layout::Vcr.text(&image, Part::ResponseBody), "");
        Layout::Vcr.replace_body(&mut image, Part::ResponseBody, "");
        assert_eq!(image["response"]["body"]["base64_string"], "/9j/4AAQ");
    }

    #[test]
    fn replace_changes_a_part_only_where_the_interaction_has_it() {
        let mut interaction = json!({"request": {"uri": "https://a/b"}});
        Layout::Vcr.replace(&mut interaction, Part::Url, json!("https://a/c"));
        Layout::Vcr.replace(&mut interaction, Part::RequestBody, json!("{}"));
        assert_eq!(interaction, json!({"request": {"uri": "https://a/c"}}));
    }
}

//! The plain data every stage shares: what was recorded ([`Interaction`]), what the client made
//! of it ([`Outcome`]), what is wrong with it ([`Finding`]) and the whole run ([`Report`]).
//! Defined once here; the stages only fill them in.

use serde::{Deserialize, Serialize};

/// One recorded request and its response, whatever the cassette format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interaction {
    /// The cassette it came from, as the run names it (the `--cassettes` directory joined with
    /// the file's path below it).
    pub file: String,
    /// Its position in the cassette, from 0.
    pub index: usize,
    /// The line of the file where it starts (from 1), when the reader could tell.
    pub line: Option<usize>,
    /// The recorded request.
    pub request: RecordedRequest,
    /// The recorded response.
    pub response: RecordedResponse,
    /// What a HAR entry keeps besides the exchange (comments, its redirect's URL, cookies, form
    /// fields given without the body's text); empty for VCR.
    pub extras: Vec<Extra>,
}

/// A value a HAR file keeps beside the exchange itself, where a recording may keep what it must
/// not: the `secret` check looks into each and `scrub` rewrites it where it is. Its `Debug`
/// shows a fingerprint of the value, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Extra {
    /// Its JSON pointer from the file's root (`/log/entries/0/response/redirectURL`).
    pub pointer: String,
    /// The value.
    pub value: String,
    /// What the value is, which says how it is judged.
    pub kind: ExtraKind,
}

/// What a [`Extra`] value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtraKind {
    /// Free text or a URL: a comment, a page's title, a redirect's URL.
    Text,
    /// A cookie's value: what a `Cookie` or `Set-Cookie` header holds.
    Cookie,
    /// A form field (`postData.params`) of a body recorded without its text, by its name.
    FormField(String),
}

impl std::fmt::Debug for Extra {
    /// The pointer, the kind and a fingerprint of the value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extra")
            .field("pointer", &self.pointer)
            .field("value", &flatpeak_redact::fingerprint(&self.value))
            .field("kind", &self.kind)
            .finish()
    }
}

/// A recorded request: enough to find the operation and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Upper-case HTTP method.
    pub method: String,
    /// The full URL as recorded.
    pub url: String,
    /// Request headers, in recorded order (names as recorded).
    pub headers: Vec<(String, String)>,
    /// The request body, empty when there was none.
    pub body: Vec<u8>,
}

/// A recorded response, served back byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedResponse {
    /// The status code as recorded (not yet checked to be a valid HTTP status).
    pub status: i64,
    /// Response headers, in recorded order (names as recorded).
    pub headers: Vec<(String, String)>,
    /// The raw body bytes.
    pub body: Vec<u8>,
    /// The size of a body the recorder saw but left out (a browser's HAR export does that
    /// for some responses): `body` is empty and says nothing about it.
    pub unrecorded_body: Option<u64>,
}

impl RecordedResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

#[cfg(test)]
impl Interaction {
    /// Interaction `index` of `f.json`: a GET of `https://h/x` answered 200 with `{}`, for tests
    /// to change what they look at.
    pub(crate) fn sample(index: usize) -> Interaction {
        Interaction {
            file: "f.json".into(),
            index,
            line: None,
            request: RecordedRequest {
                method: "GET".into(),
                url: "https://h/x".into(),
                headers: Vec::new(),
                body: Vec::new(),
            },
            response: RecordedResponse {
                status: 200,
                headers: Vec::new(),
                body: b"{}".to_vec(),
                unrecorded_body: None,
            },
            extras: Vec::new(),
        }
    }
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// The distinct values (trimmed) of every header named `name` among `headers`, in order: more
/// than one where the gate reads one (`Content-Type`, `Flatpeak-Version`) is a recording that
/// says two things, which the checks report rather than choose between.
pub fn distinct_values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    let mut values: Vec<&str> = Vec::new();
    let named = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    for value in named.map(|(_, v)| v.trim()) {
        if !values.contains(&value) {
            values.push(value);
        }
    }
    values
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Fails the gate.
    Error,
    /// Reported; does not fail the gate.
    Warning,
    /// An error that a waiver in `waivers.toml` accepts.
    Waived,
}

/// What a finding is about: one check each. Its name (in reports, waivers and SARIF rule
/// ids) is the kebab-case of the variant, for serde and strum alike; its help text is the
/// variant's `strum(message)`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumIter,
    strum::EnumMessage,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Kind {
    /// A file under a cassette directory is neither a VCR cassette nor a HAR file, or is
    /// malformed; or a recorder left a response body out.
    #[strum(
        message = "The file is not a readable cassette, or a recorder left a body out.",
        detailed_message = "A file below a cassette directory is neither a VCR cassette (JSON or YAML, top-level `http_interactions`) nor a HAR 1.2 file (top-level `log`), or it is malformed; the finding says why and where. As a warning: the recorder saw a response body but left it out (a browser's HAR export does that), so the body's checks and the replay were skipped."
    )]
    Cassette,
    /// The recording was served by a release the workspace has no spec for, or names another
    /// revision of a release than its spec describes.
    #[strum(
        message = "The recording names a Flatpeak release the workspace has no spec for.",
        detailed_message = "The release of a recording is read from its response's `flatpeak-version` header, else its request's `Flatpeak-Version`, else `--release`. An error when no spec of the workspace describes that release (it cannot be checked); a warning when the version names a known release (by its suffix, `.anode`) but not the revision its spec describes. For a recorded webhook delivery (its `Flatpeak-Version` names the release of its event) both are warnings, at `header:Flatpeak-Version`: its envelope is checked all the same."
    )]
    Version,
    /// The request's method and path match no operation of the spec.
    #[strum(
        message = "The request's method and path match no operation of the spec.",
        detailed_message = "The recorded request is to the API's host (a server of the spec, or one given with --host) but its method and path match no operation. Traffic to other hosts is skipped, not reported."
    )]
    Route,
    /// A credential or personal value left in a recording: a credential header that holds
    /// anything but a placeholder, a credential-shaped value anywhere, or a field or parameter
    /// the spec marks `x-sensitive` that does not hold a placeholder.
    #[strum(
        message = "A credential or personal value is left in the recording.",
        detailed_message = "A credential header (Authorization, Cookie, Set-Cookie, *api-key*, *token*) holds anything but a placeholder, a value anywhere is shaped like a credential (a bearer token, a JWT, a known API-key prefix, a private key), or a field or parameter the spec marks `x-sensitive` (tokens, postal addresses, coordinates, references from your systems) does not hold a placeholder. Reports show a fingerprint, never the value. `cargo xtask scrub` replaces them."
    )]
    Secret,
    /// The recorded request breaks the spec: a body that fails the request schema, a missing
    /// required parameter, a parameter value of the wrong type or off its pattern.
    #[strum(
        message = "The recorded request breaks the spec.",
        detailed_message = "The request body fails the operation's request schema (required fields, types, id pattern, enum values), is not JSON, or is missing; or a required query or path parameter is missing, or a parameter value is not of its type, format, pattern or range. The pointer is a JSON pointer into the request body, or the parameter as `query:name`. For a recorded webhook delivery (a POST signed with `Flatpeak-Signature` and `Flatpeak-Timestamp` to a URL that is no operation), the request body is the event: its envelope (`id` `evt_...`, `object` `event`, `type` a string, `time_created` a date-time, `data`) and its `data` against the schema its release's spec gives the event's object, at pointers such as `/data/postal_address/country_code`."
    )]
    Request,
    /// The interaction could not be replayed through the client.
    #[strum(
        message = "The interaction could not be replayed through the client, or the client sent another request.",
        detailed_message = "The generated client refused a recorded value that the request check found nothing wrong with, or the request it sent differs from the recording (method, path, query or JSON body, compared by meaning). A warning when the client has no call for the operation."
    )]
    Replay,
    /// The status code is not documented for the operation.
    #[strum(
        message = "The status is not documented for the operation.",
        detailed_message = "Neither the exact code, nor its range (`4XX`), nor `default` is among the operation's documented responses."
    )]
    Status,
    /// The response's media type is not the documented one.
    #[strum(
        message = "The response's media type is not the documented one.",
        detailed_message = "The `Content-Type` of the response is none of the media types the status documents, or the status documents no body and the response has one."
    )]
    ContentType,
    /// The body of a JSON response is not JSON.
    #[strum(
        message = "The body of a JSON response is not JSON.",
        detailed_message = "An HTML error page from a proxy, a truncated body, an empty body where JSON is documented."
    )]
    Json,
    /// The body does not validate against the documented schema.
    #[strum(
        message = "The response body fails the documented schema.",
        detailed_message = "JSON Schema built from the spec (`nullable` and integer formats rewritten, `$ref`s resolved): required fields, types, patterns, formats such as `date-time` and `uri`, bounds."
    )]
    Schema,
    /// An enum field holds a value the spec does not list (the client accepts it as
    /// `Unknown`).
    #[strum(
        message = "An enum field holds a value the spec does not list.",
        detailed_message = "The generated client accepts it as `Unknown(..)`, so deployed code keeps working, but the spec is out of date or the server is wrong."
    )]
    UnknownEnumValue,
    /// The body has a field the schema does not declare.
    #[strum(
        message = "A body has a field the schema does not declare (drift).",
        detailed_message = "In a response or a request body, even where the schema does not say `additionalProperties: false`. A warning: the client ignores such fields."
    )]
    UndeclaredField,
    /// The generated client could not turn the response into its typed value or error.
    #[strum(
        message = "The generated client could not turn the response into its typed value or error.",
        detailed_message = "The client's decoding failed where it should not: the pointer says where its parser stopped."
    )]
    Client,
    /// The schema check and the client disagree: one accepts what the other rejects.
    #[strum(
        message = "The schema and the generated client disagree.",
        detailed_message = "One accepts what the other rejects: the generator or the schema rewriting has a bug, or a format the two read differently."
    )]
    Disagreement,
    /// A recorded webhook delivery whose data the gate could not check: its release's spec
    /// describes no events, or gives no schema for the event's object. A warning.
    #[strum(
        message = "A recorded webhook delivery's data could not be checked against its release.",
        detailed_message = "A POST signed with `Flatpeak-Signature` and `Flatpeak-Timestamp` to a URL that is no operation is a recorded webhook delivery: its event is checked against the release its `Flatpeak-Version` names (findings of kind `request`). A warning of this kind when that release's spec describes no events (no `GET /events/{id}`, as Busbar's and Yotta's) or no schema for the event's `data.object`: the envelope was checked, the data was not. (Signatures are not verified: the gate has no keys.)"
    )]
    Delivery,
    /// A waiver that matches nothing, or has expired.
    #[strum(
        message = "A waiver matches nothing, or has expired.",
        detailed_message = "Stale waivers are reported so that they are removed; an expired one no longer applies."
    )]
    Waiver,
    /// An operation or a documented status no interaction exercised, where the run requires
    /// it (`--require-coverage`).
    #[strum(
        message = "An operation or a documented status was not exercised.",
        detailed_message = "No recorded interaction covers the operation (or, with `--require-coverage statuses`, the documented status of the operation)."
    )]
    Coverage,
}

impl Kind {
    /// The name used in reports, waivers and SARIF rule ids.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// One sentence on what the check finds.
    pub fn summary(self) -> &'static str {
        strum::EnumMessage::get_message(&self).unwrap_or_default()
    }

    /// What the check finds, at more length.
    pub fn help(self) -> &'static str {
        strum::EnumMessage::get_detailed_message(&self).unwrap_or_default()
    }

    /// Every kind.
    pub fn all() -> impl Iterator<Item = Kind> {
        <Kind as strum::IntoEnumIterator>::iter()
    }
}

/// One thing wrong (or worth a look) in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The cassette (or `waivers.toml`) it is about.
    pub file: String,
    /// The interaction's index in the file; `None` for findings about a whole file.
    pub interaction: Option<usize>,
    /// The line of the file where the interaction starts, when the reader could tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The operation the interaction was routed to, when it was.
    pub operation: Option<String>,
    /// Error, warning, or waived.
    pub severity: Severity,
    /// Which check found it.
    pub kind: Kind,
    /// Where: a JSON pointer into the response body (`""` for the whole body or the response
    /// itself); for a `request` finding, a JSON pointer into the request body, or the
    /// parameter as `query:limit`, `path:id`, `header:X-Trace`.
    pub pointer: String,
    /// What the spec asks for.
    pub expected: String,
    /// What the recording has.
    pub found: String,
    /// One sentence for a person.
    pub message: String,
    /// The waiver's reason, when a waiver accepts this finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<String>,
}

/// Where a finding is and what it is, before its text: the checks fill this in.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    /// The interaction.
    pub interaction: &'a Interaction,
    /// The operation it was routed to.
    pub operation: Option<&'a str>,
}

impl Finding {
    /// A finding about `site`, of `kind`, at `pointer`, with its default severity.
    pub(crate) fn at(site: Site<'_>, kind: Kind, pointer: impl Into<String>) -> FindingBuilder {
        FindingBuilder(Finding {
            file: site.interaction.file.clone(),
            interaction: Some(site.interaction.index),
            line: site.interaction.line,
            operation: site.operation.map(str::to_string),
            severity: default_severity(kind),
            kind,
            pointer: bounded(pointer.into()),
            expected: String::new(),
            found: String::new(),
            message: String::new(),
            waiver: None,
        })
    }

    /// A finding about a whole file.
    pub(crate) fn about_file(file: &str, kind: Kind) -> FindingBuilder {
        FindingBuilder(Finding {
            file: file.to_string(),
            interaction: None,
            line: None,
            operation: None,
            severity: default_severity(kind),
            kind,
            pointer: String::new(),
            expected: String::new(),
            found: String::new(),
            message: String::new(),
            waiver: None,
        })
    }
}

/// Drift and housekeeping are warnings; everything else fails the gate.
fn default_severity(kind: Kind) -> Severity {
    match kind {
        Kind::UndeclaredField | Kind::Waiver | Kind::Delivery => Severity::Warning,
        _ => Severity::Error,
    }
}

/// The most bytes a finding's `message`, `expected` or `found` holds: a longer text (a 30 MB
/// value quoted by a schema error, a recorded URL) is cut, with an ellipsis and its full
/// length, so that no report grows with its input.
pub const MAX_TEXT: usize = 1024;

/// `text`, or its start, `…` and its length in bytes, in at most [`MAX_TEXT`] bytes.
pub fn bounded(text: String) -> String {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let tail = format!("… ({} bytes)", text.len());
    let mut cut = MAX_TEXT - tail.len();
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{tail}", &text[..cut])
}

/// Fills in the text of a [`Finding`]; every text is [`bounded`].
#[derive(Debug)]
pub struct FindingBuilder(Finding);

impl FindingBuilder {
    /// The operation the finding is about.
    pub fn operation(mut self, operation: &str) -> Self {
        self.0.operation = Some(operation.to_string());
        self
    }

    /// Where the finding is (see [`Finding::pointer`]).
    pub fn pointer(mut self, pointer: impl Into<String>) -> Self {
        self.0.pointer = bounded(pointer.into());
        self
    }

    /// What the spec asks for and what the recording has.
    pub fn expected(mut self, expected: impl Into<String>, found: impl Into<String>) -> Self {
        self.0.expected = bounded(expected.into());
        self.0.found = bounded(found.into());
        self
    }

    /// Overrides the default severity.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.0.severity = severity;
        self
    }

    /// The sentence for a person; finishes the finding.
    pub fn message(mut self, message: impl Into<String>) -> Finding {
        self.0.message = bounded(message.into());
        self.0
    }
}

/// What the generated client produced when the recorded response was served to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// The operation's success type, parsed.
    Value {
        /// The HTTP status.
        status: u16,
        /// The Rust type the client produced.
        #[serde(rename = "type")]
        type_name: String,
        /// That value, serialised back (lossy: unknown fields are gone); `None` when the run
        /// did not keep values ([`Config::keep_values`](crate::Config::keep_values)).
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<serde_json::Value>,
    },
    /// A documented error status whose body the client parsed into the operation's error type.
    ApiError {
        /// The HTTP status.
        status: u16,
        /// The Rust type of the error body.
        #[serde(rename = "type")]
        type_name: String,
        /// The error body, serialised back; `None` when the run did not keep values.
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<serde_json::Value>,
    },
    /// The client returned an error of its own.
    ClientError {
        /// Which error the generated `send()` returned.
        variant: ClientErrorKind,
        /// Its message.
        message: String,
        /// Where in the body the client's parser stopped, as a JSON pointer, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        pointer: Option<String>,
    },
}

/// Which error the generated client's `send()` returned (the variants of progenitor's
/// `Error`, which `flatpeak::SendError` is), named as progenitor names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::Display)]
pub enum ClientErrorKind {
    /// The client refused to send the request (a value off its pattern, a missing parameter).
    InvalidRequest,
    /// The request could not be sent or its answer not received.
    CommunicationError,
    /// A protocol upgrade failed.
    InvalidUpgrade,
    /// The response's body could not be read.
    ResponseBodyError,
    /// The body does not parse as the operation's type for its status.
    InvalidResponsePayload,
    /// A status the client has no type for, or an error status whose body is not the
    /// documented error type.
    UnexpectedResponse,
    /// An error a hook made.
    Custom,
}

impl ClientErrorKind {
    /// Whether the client failed before any response was read: the replay failed, not the
    /// recorded response.
    pub fn before_response(self) -> bool {
        matches!(
            self,
            Self::InvalidRequest | Self::CommunicationError | Self::InvalidUpgrade
        )
    }
}

/// One interaction as the run saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replayed {
    /// The cassette.
    pub file: String,
    /// The interaction's index in it.
    pub interaction: usize,
    /// Upper-case method.
    pub method: String,
    /// The recorded path below the server's base path; the whole recorded URL when it
    /// matched no operation (cut to [`MAX_TEXT`], as findings are).
    pub path: String,
    /// The recorded status.
    pub status: i64,
    /// The operation it was routed to, if any.
    pub operation: Option<String>,
    /// What the client produced, if it was called.
    pub outcome: Option<Outcome>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Files examined under the cassette directories.
    pub files: usize,
    /// Interactions read from them.
    pub interactions: usize,
    /// Checks run (each check on each interaction counts once).
    pub checks: usize,
    /// Unwaived errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Waived errors.
    pub waived: usize,
    /// Interactions skipped as another host's traffic (a browser export's page, scripts and
    /// beacons): not checked, not findings.
    pub skipped: usize,
}

/// The result of one run of the gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The counts.
    pub summary: Summary,
    /// Every finding, by file and interaction.
    pub findings: Vec<Finding>,
    /// Every interaction, by file and index, with what the client made of it.
    pub interactions: Vec<Replayed>,
    /// What the interactions exercised of the spec of each release they were served by, in
    /// the order of the run's releases.
    pub coverage: Vec<crate::coverage::Coverage>,
}

impl Report {
    /// Whether the gate passes: checks ran and no unwaived error remains.
    pub fn conforms(&self) -> bool {
        self.summary.checks > 0 && self.summary.errors == 0
    }

    /// Recounts errors, warnings and waived findings from `findings`.
    pub fn recount(&mut self) {
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        self.summary.errors = count(Severity::Error);
        self.summary.warnings = count(Severity::Warning);
        self.summary.waived = count(Severity::Waived);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_names_waivers_and_json_use() {
        for kind in Kind::all() {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
            let back: Kind = serde_json::from_value(kind.name().into()).unwrap();
            assert_eq!(back, kind);
            assert!(
                !kind.summary().is_empty() && !kind.help().is_empty(),
                "{kind:?}"
            );
        }
        assert_eq!(Kind::UnknownEnumValue.name(), "unknown-enum-value");
    }

    #[test]
    fn long_texts_are_cut_to_the_bound_with_their_length() {
        let long = "é".repeat(20_000);
        let cut = bounded(long.clone());
        assert!(cut.len() <= MAX_TEXT, "{}", cut.len());
        assert!(cut.ends_with("… (40000 bytes)"), "{cut}");
        assert!(long.starts_with(cut.trim_end_matches("… (40000 bytes)")));
        assert_eq!(bounded("short".into()), "short");
    }

    #[test]
    fn a_report_that_checked_nothing_does_not_conform() {
        let mut report = Report {
            summary: Summary::default(),
            findings: Vec::new(),
            interactions: Vec::new(),
            coverage: Default::default(),
        };
        assert!(!report.conforms());
        report.summary.checks = 1;
        assert!(report.conforms());
    }
}

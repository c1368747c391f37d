//! One function per kind of finding. Each looks at one interaction and returns findings; none
//! prints, and none depends on another's findings except through the values passed in.

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::cassette::unique;
use crate::model::{
    ClientErrorKind, Finding, Kind, Outcome, RecordedRequest, RecordedResponse, Severity, Site,
};
use crate::route::Route;
use crate::schema::{EnumHit, Schemas, scalar_type};
use crate::spec::{Location, Media, Operation, Response as DocumentedResponse, escape, unescape};

/// `status`: the recorded status is a documented one. Returns the documented response.
pub fn status<'o>(
    site: Site<'_>,
    op: &'o Operation,
    status: i64,
) -> (Option<&'o DocumentedResponse>, Vec<Finding>) {
    let documented = u16::try_from(status)
        .ok()
        .filter(|s| (100..=999).contains(s))
        .and_then(|s| op.response_for(s));
    if documented.is_some() {
        return (documented, Vec::new());
    }
    let keys: Vec<&str> = op.responses.keys().map(String::as_str).collect();
    let finding = Finding::at(site, Kind::Status, "")
        .expected(format!("one of {}", keys.join(", ")), status.to_string())
        .message(format!("status {status} is not documented for `{}`", op.id));
    (None, vec![finding])
}

/// `cassette` (a warning): the recorder left the response body out, so nothing is known of
/// it and its checks are skipped.
pub fn unrecorded_body(site: Site<'_>, size: u64) -> Finding {
    Finding::at(site, Kind::Cassette, "")
        .expected("the response body", "none recorded")
        .severity(crate::model::Severity::Warning)
        .message(format!(
            "the recorder left the response body out ({size} bytes, no text): its checks and \
             the replay are skipped"
        ))
}

/// `cassette` errors for the bodies of `site`'s interaction that were recorded compressed and
/// could not be decoded to text (`cassette::encoding::unreadable`): nothing in them could be
/// checked, a secret included, so they do not pass unseen.
pub fn unreadable_bodies(site: Site<'_>) -> Vec<Finding> {
    let it = site.interaction;
    let bodies = [
        ("request", &it.request.headers, &it.request.body),
        ("response", &it.response.headers, &it.response.body),
    ];
    bodies
        .into_iter()
        .filter_map(|(part, headers, body)| {
            let coding = crate::cassette::encoding::unreadable(headers, body)?;
            Some(
                Finding::at(site, Kind::Cassette, "")
                    .expected(
                        "a body the gate can read",
                        format!("Content-Encoding: {coding}"),
                    )
                    .message(format!(
                        "the {part} body was recorded with `Content-Encoding: {coding}` and \
                         could not be decoded to text (a coding the gate does not read, bytes \
                         cut short, or more than {} MiB): nothing in it was checked; record it \
                         decoded",
                        crate::cassette::encoding::MAX_DECODED_MIB
                    )),
            )
        })
        .collect()
}

/// `content-type`: the response's media type is one the status documents. Returns the
/// documented media to validate the body against: the matching one, else the first JSON one
/// (so a mislabelled JSON body is still checked).
pub fn content_type<'d>(
    site: Site<'_>,
    documented: &'d DocumentedResponse,
    response: &RecordedResponse,
) -> (Option<&'d Media>, Vec<Finding>) {
    if documented.optional_body && response.body.is_empty() {
        // Documented as sent without a body too (`x-optional-body`): nothing to type.
        return (None, Vec::new());
    }
    // Two values that name one media type (`application/json` and `Application/JSON;
    // charset=utf-8`) say the same thing.
    let mut all: Vec<String> = Vec::new();
    for value in crate::model::distinct_values(&response.headers, "content-type") {
        if !all.iter().any(|a| essence(a) == essence(value)) {
            all.push(value.to_string());
        }
    }
    if all.len() > 1 {
        let listed = all.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>();
        let finding = Finding::at(site, Kind::ContentType, "")
            .expected("one Content-Type", listed.join(", "))
            .message(format!(
                "the response was recorded with {} Content-Type values ({}): which one the \
                 body is, is not known",
                all.len(),
                listed.join(", ")
            ));
        let fallback = documented.media.iter().find(|m| m.is_json());
        return (fallback, vec![finding]);
    }
    let found = response.header("content-type").map(essence);
    let expected: Vec<&str> = documented
        .media
        .iter()
        .map(|m| m.media_type.as_str())
        .collect();
    let matching = found.as_deref().and_then(|f| {
        documented
            .media
            .iter()
            .find(|m| media_matches(&m.media_type, f))
    });
    if expected.is_empty() {
        let finding = (!response.body.is_empty()).then(|| {
            Finding::at(site, Kind::ContentType, "")
                .expected("no body", format!("{} bytes", response.body.len()))
                .message("the status documents no body, but the response has one")
        });
        return (None, finding.into_iter().collect());
    }
    if matching.is_some() {
        return (matching, Vec::new());
    }
    let found = found.unwrap_or_else(|| "no Content-Type header".to_string());
    let finding = Finding::at(site, Kind::ContentType, "")
        .expected(expected.join(" or "), found.clone())
        .message(format!(
            "media type `{found}` is not documented (expected {})",
            expected.join(" or ")
        ));
    let fallback = documented.media.iter().find(|m| m.is_json());
    (fallback, vec![finding])
}

/// `type/subtype`, lower case, without parameters.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn media_matches(documented: &str, found: &str) -> bool {
    match documented.split_once('/') {
        Some(("*", "*")) => true,
        Some((top, "*")) => found.split_once('/').is_some_and(|(t, _)| t == top),
        _ => documented == found,
    }
}

/// What the body checks learnt, for the checks that compare with the client.
#[derive(Debug, Default)]
pub struct BodyCheck {
    /// The body as JSON, when it is JSON and JSON was documented.
    pub json: Option<Value>,
    /// The body was validated and nothing but unknown enum values was wrong with it.
    pub schema_accepts: bool,
    /// Pointers of errors that typed Rust rejects as well (missing required fields, wrong
    /// types, unparsable dates): if the client accepts them, the two disagree.
    pub strict_errors: Vec<String>,
    /// What was found.
    pub findings: Vec<Finding>,
}

/// `json`, `schema` and `unknown-enum-value`: the raw body against the documented schema.
pub fn body(
    site: Site<'_>,
    media: Option<&Media>,
    body: unique::Body<'_>,
    schemas: &Schemas,
) -> BodyCheck {
    let mut check = BodyCheck::default();
    let Some(media) = media.filter(|m| m.is_json()) else {
        // Nothing to validate against: no body documented, or not a JSON one.
        check.schema_accepts = true;
        return check;
    };
    let bytes = body.bytes();
    let parsed = body.into_json();
    if let Err(e) = &parsed
        && let Some(object) = unique::duplicate_key_at(bytes, e)
    {
        check.findings.push(duplicate_key(site, object, e));
        return check;
    }
    let json = match parsed {
        Ok(json) => json,
        Err(e) => {
            let found = if bytes.is_empty() {
                "an empty body".to_string()
            } else {
                e.to_string()
            };
            // serde_json stops at numbers beyond f64 and at nesting deeper than 128: JSON, but
            // not JSON the gate can check (nor, for such a field, the client read).
            let unreadable = ["number out of range", "recursion limit exceeded"]
                .iter()
                .any(|limit| found.starts_with(limit));
            let message = match unreadable {
                true => format!(
                    "the body is JSON the gate cannot read (numbers beyond a 64-bit float, \
                     nesting deeper than 128): {found}"
                ),
                false => format!("the body is not JSON: {found}"),
            };
            check.findings.push(
                Finding::at(site, Kind::Json, "")
                    .expected(format!("a JSON body ({})", media.media_type), found)
                    .message(message),
            );
            return check;
        }
    };
    let validator = media.schema.as_deref().and_then(|p| schemas.get(p));
    // Most bodies are valid, and `is_valid` answers without building error values: only a
    // body it rejects is walked again for every error.
    if let Some(validator) = validator.filter(|v| !v.is_valid(&json)) {
        for error in validator.iter_errors(&json) {
            let (finding, strict) = schema_finding(site, &error, None);
            if strict {
                check.strict_errors.push(finding.pointer.clone());
            }
            check.findings.push(finding);
        }
        check.findings.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    }
    check.schema_accepts = check
        .findings
        .iter()
        .all(|f| f.kind == Kind::UnknownEnumValue);
    check.json = Some(json);
    check
}

/// The `json` finding of a body (`object`: the pointer of the object) with a key twice, which
/// a JSON reader keeps one of: the body is not checked further, since which value the API
/// meant is not known.
fn duplicate_key(site: Site<'_>, object: String, error: &serde_json::Error) -> Finding {
    Finding::at(site, Kind::Json, object)
        .expected("each key once in an object", error.to_string())
        .message(format!("the body has a key twice in one object: {error}"))
}

/// One validation error as a finding, and whether typed Rust would reject it too. `request`
/// names the part of a recorded request the value was in (its findings are all `request`
/// findings, pointing into the request body or naming the parameter).
fn schema_finding(
    site: Site<'_>,
    error: &jsonschema::ValidationError<'_>,
    request: Option<&Part>,
) -> (Finding, bool) {
    let (finding, strict) = response_schema_finding(site, error);
    let Some(part) = request else {
        return (finding, strict);
    };
    let pointer = match part {
        Part::Body => finding.pointer.clone(),
        Part::EventData => format!("/data{}", finding.pointer),
        Part::Parameter(place) => place.clone(),
    };
    let message = format!("{}: {}", part.describe(), finding.message);
    let finding = Finding::at(site, Kind::Request, pointer)
        .expected(finding.expected, finding.found)
        .message(message);
    (finding, strict)
}

/// A part of a recorded request.
#[derive(Debug, Clone)]
enum Part {
    /// The JSON body.
    Body,
    /// The `data` of the event a recorded webhook delivery carries (pointers into the request
    /// body, below `/data`).
    EventData,
    /// A parameter, as `query:limit`.
    Parameter(String),
}

impl Part {
    fn describe(&self) -> String {
        match self {
            Part::Body => "request body".to_string(),
            Part::EventData => "webhook delivery data".to_string(),
            Part::Parameter(place) => match place.split_once(':') {
                Some((at, name)) => format!("{at} parameter `{name}`"),
                None => place.clone(),
            },
        }
    }
}

fn response_schema_finding(
    site: Site<'_>,
    error: &jsonschema::ValidationError<'_>,
) -> (Finding, bool) {
    let at = error.instance_path().as_str().to_string();
    let found = excerpt(error.instance());
    let (kind, pointer, expected, strict) = match error.kind() {
        ValidationErrorKind::Enum { options } => (
            Kind::UnknownEnumValue,
            at,
            format!("one of {}", options_list(options)),
            false,
        ),
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let pointer = format!("{at}/{}", escape(name));
            let expected = format!("required field `{name}`");
            // The message names the property, not the object: it is short.
            return (
                Finding::at(site, Kind::Schema, pointer)
                    .expected(expected, "absent")
                    .message(error.to_string()),
                true,
            );
        }
        ValidationErrorKind::Type { .. } => {
            let expected = match error_message(error, &found, "of its type") {
                message if message.ends_with("is not of its type") => "another type".to_string(),
                message => message_expected(&message),
            };
            (Kind::Schema, at, expected, true)
        }
        ValidationErrorKind::Format { format } => (
            Kind::Schema,
            at,
            format!("a `{format}` string"),
            // The client parses these formats into typed values (chrono, uuid).
            matches!(format.as_str(), "date-time" | "date" | "uuid"),
        ),
        ValidationErrorKind::Pattern { pattern } => (
            Kind::Schema,
            at,
            format!("a string matching `{pattern}`"),
            false,
        ),
        other => (
            Kind::Schema,
            at,
            format!("`{}` constraint", other.keyword()),
            false,
        ),
    };
    let message = error_message(error, &found, &expected);
    let finding = Finding::at(site, kind, pointer)
        .expected(expected, found)
        .message(message);
    (finding, strict)
}

/// `"x" is not of type "string"` -> `type "string"`.
fn message_expected(message: &str) -> String {
    message
        .rsplit_once(" is not of ")
        .map(|(_, t)| t.to_string())
        .unwrap_or_else(|| message.to_string())
}

fn options_list(options: &Value) -> String {
    match options {
        Value::Array(items) => items
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// How many characters of a value a finding quotes.
const EXCERPT_CHARS: usize = 80;

/// A value as compact JSON, cut to a readable length. Only the start of the value is
/// written: a 30 MB string costs as much as a short one.
fn excerpt(value: &Value) -> String {
    let text = match value {
        // Only the start of a long string is written (its JSON is cut below anyway).
        Value::String(s) => {
            let cut = s
                .char_indices()
                .nth(EXCERPT_CHARS)
                .map_or(s.len(), |(i, _)| i);
            Value::String(s[..cut].to_string()).to_string()
        }
        _ => {
            let mut out = Bounded(String::new());
            // Writing stops with an error once the bound is passed: that is the point.
            let _ = serde_json::to_writer(&mut out, value);
            out.0
        }
    };
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// A writer that takes a little more than [`EXCERPT_CHARS`] characters' worth of bytes and
/// then refuses the rest.
struct Bounded(String);

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = (4 * EXCERPT_CHARS).saturating_sub(self.0.len());
        if room == 0 {
            return Err(std::io::Error::other("long enough"));
        }
        let taken = &buf[..buf.len().min(room)];
        self.0.push_str(&String::from_utf8_lossy(taken));
        Ok(taken.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A validation error's own message, unless its value is too long to write whole (the
/// message quotes the value): then the value's start and what was expected.
fn error_message(error: &jsonschema::ValidationError<'_>, found: &str, expected: &str) -> String {
    let long = match error.instance().as_ref() {
        Value::String(s) => s.len() > crate::model::MAX_TEXT,
        Value::Array(items) => items.len() > 64,
        Value::Object(fields) => fields.len() > 64,
        _ => false,
    };
    match long {
        true => format!("{found} is not {expected}"),
        false => error.to_string(),
    }
}

/// `request`: the recorded request against the operation's parameters (required ones present,
/// each value of its type and within its schema) and its request body (present when required,
/// JSON, valid against its schema), and `undeclared-field` warnings for request body fields the
/// schema does not declare.
pub fn request(
    site: Site<'_>,
    op: &Operation,
    route: &Route<'_>,
    recorded: &RecordedRequest,
    body: &unique::Body<'_>,
    schemas: &Schemas,
    doc: &Value,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for p in &op.parameters {
        let place = format!("{}:{}", p.location.as_str(), p.name);
        let values: Vec<&str> = match p.location {
            Location::Path => lookup_all(&route.path_params, &p.name),
            Location::Query => lookup_all(&route.query, &p.name),
            Location::Header => recorded.header(&p.name).into_iter().collect(),
            Location::Cookie => continue,
        };
        if values.is_empty() && p.required {
            findings.push(
                Finding::at(site, Kind::Request, place.clone())
                    .expected(format!("required parameter `{}`", p.name), "absent")
                    .message(format!(
                        "the required {} parameter `{}` is missing",
                        p.location.as_str(),
                        p.name
                    )),
            );
        }
        let Some(schema) = p.schema.as_deref() else {
            continue;
        };
        let part = Part::Parameter(place.clone());
        for raw in values {
            match typed(doc, schema, raw) {
                Ok(value) => findings.extend(validate(site, schemas, schema, &value, &part)),
                Err(expected) => findings.push(
                    Finding::at(site, Kind::Request, place.clone())
                        .expected(expected.to_string(), format!("{raw:?}"))
                        .message(format!("{}: {raw:?} is not {expected}", part.describe())),
                ),
            }
        }
    }
    if let Some(documented) = &op.request_body {
        findings.extend(request_body(site, documented, recorded, body, schemas));
    }
    findings
}

/// The findings about a recorded request body.
fn request_body(
    site: Site<'_>,
    documented: &spec_model::RequestBody,
    recorded: &RecordedRequest,
    body: &unique::Body<'_>,
    schemas: &Schemas,
) -> Vec<Finding> {
    if body.bytes().is_empty() {
        return match documented.required {
            true => vec![
                Finding::at(site, Kind::Request, "")
                    .expected("a request body", "none")
                    .message("the request has no body, and the operation requires one"),
            ],
            false => Vec::new(),
        };
    }
    let Some(media) = documented.media.iter().find(|m| m.is_json()) else {
        return Vec::new();
    };
    if let Some(found) = recorded.header("content-type").map(essence)
        && !documented
            .media
            .iter()
            .any(|m| media_matches(&m.media_type, &found))
    {
        return vec![
            Finding::at(site, Kind::Request, "")
                .expected(media.media_type.clone(), found.clone())
                .message(format!(
                    "request body: media type `{found}` is not documented"
                )),
        ];
    }
    let parsed = body.json();
    if let Err(e) = parsed
        && let Some(object) = unique::duplicate_key_at(body.bytes(), e)
    {
        return vec![
            Finding::at(site, Kind::Request, object)
                .expected("each key once in an object", e.to_string())
                .message(format!("request body: a key twice in one object: {e}")),
        ];
    }
    let json = match parsed {
        Ok(json) => json,
        Err(e) => {
            return vec![
                Finding::at(site, Kind::Request, "")
                    .expected(format!("a JSON body ({})", media.media_type), e.to_string())
                    .message(format!("request body: not JSON: {e}")),
            ];
        }
    };
    let Some(schema) = media.schema.as_deref() else {
        return Vec::new();
    };
    let mut findings = validate(site, schemas, schema, json, &Part::Body);
    findings.extend(
        undeclared(site, schemas, Some(media), json)
            .0
            .into_iter()
            .map(|f| {
                let message = crate::model::bounded(format!("request body: {}", f.message));
                Finding { message, ..f }
            }),
    );
    findings
}

/// `request` and `undeclared-field`: the `data` of a recorded webhook delivery's event against
/// the schema at `schema` (the one its release gives the event's object), with pointers into
/// the request body (`/data/...`).
pub fn event_data(site: Site<'_>, schemas: &Schemas, schema: &str, data: &Value) -> Vec<Finding> {
    let mut findings = validate(site, schemas, schema, data, &Part::EventData);
    let inspection = schemas.inspect(schema, data);
    findings.extend(inspection.undeclared.into_iter().map(|u| {
        let name = unescape(u.pointer.rsplit('/').next().unwrap_or_default());
        Finding::at(site, Kind::UndeclaredField, format!("/data{}", u.pointer))
            .expected(
                format!("one of {}", u.declared.join(", ")),
                format!("`{name}`"),
            )
            .message(format!(
                "webhook delivery data: field `{name}` is not declared by the schema (drift?)"
            ))
    }));
    findings.extend(inspection.unlisted.into_iter().map(|(at, e, value)| {
        let listed = &schemas.enums()[e];
        Finding::at(site, Kind::UnknownEnumValue, format!("/data{at}"))
            .severity(Severity::Warning)
            .expected(
                format!("one of {}", listed.values.join(", ")),
                format!("{value:?}"),
            )
            .message(format!(
                "webhook delivery data: {value:?} is not a value `{}` lists; the enum is open \
                 (`x-open-enum`), so this is reported, not rejected",
                listed.pointer
            ))
    }));
    findings
}

/// The value at `schema`'s errors as `request` findings about `part`.
fn validate(
    site: Site<'_>,
    schemas: &Schemas,
    schema: &str,
    value: &Value,
    part: &Part,
) -> Vec<Finding> {
    let Some(validator) = schemas.get(schema).filter(|v| !v.is_valid(value)) else {
        return Vec::new();
    };
    let mut findings: Vec<Finding> = validator
        .iter_errors(value)
        .map(|error| schema_finding(site, &error, Some(part)).0)
        .collect();
    findings.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    findings
}

/// A parameter's text as the JSON value its schema's type means, or the type it is not.
fn typed(doc: &Value, schema: &str, raw: &str) -> Result<Value, &'static str> {
    match scalar_type(doc, schema) {
        Some("integer") => raw
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| raw.parse::<u64>().map(Value::from))
            .map_err(|_| "an integer"),
        Some("number") => raw
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or("a number"),
        Some("boolean") => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("`true` or `false`"),
        },
        _ => Ok(Value::String(raw.to_string())),
    }
}

fn lookup_all<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// `undeclared-field`: fields of the body that the schema does not declare (warnings), and
/// the enum values the body holds, for the run's coverage.
pub fn undeclared(
    site: Site<'_>,
    schemas: &Schemas,
    media: Option<&Media>,
    json: &Value,
) -> (Vec<Finding>, Vec<EnumHit>) {
    let Some(pointer) = media.and_then(|m| m.schema.as_deref()) else {
        return (Vec::new(), Vec::new());
    };
    let inspection = schemas.inspect(pointer, json);
    let unlisted =
        inspection.unlisted.into_iter().map(|(at, e, value)| {
            let listed = &schemas.enums()[e];
            Finding::at(site, Kind::UnknownEnumValue, at)
            .severity(Severity::Warning)
            .expected(format!("one of {}", listed.values.join(", ")), format!("{value:?}"))
            .message(format!(
                "{value:?} is not a value `{}` lists; the enum is open (`x-open-enum`: Flatpeak \
                 documents more values than its schema lists), so this is reported, not rejected",
                listed.pointer
            ))
        });
    let findings = inspection
        .undeclared
        .into_iter()
        .map(|u| {
            let name = unescape(u.pointer.rsplit('/').next().unwrap_or_default());
            Finding::at(site, Kind::UndeclaredField, u.pointer)
                .expected(
                    format!("one of {}", u.declared.join(", ")),
                    format!("`{name}`"),
                )
                .message(format!(
                    "field `{name}` is not declared by the schema (drift?)"
                ))
        })
        .chain(unlisted)
        .collect();
    (findings, inspection.enums)
}

/// `client` and `disagreement`: what the generated client made of the response, against what
/// the schema check concluded. `status_documented` is false when the `status` check already
/// explains why the client had no type for the response; `request_faulty` is true when the
/// `request` check already reported the recorded request, which the client then rightly
/// refuses to send.
pub fn client(
    site: Site<'_>,
    outcome: &Outcome,
    body: &BodyCheck,
    status_documented: bool,
    request_faulty: bool,
) -> Vec<Finding> {
    match outcome {
        Outcome::ClientError {
            variant: ClientErrorKind::InvalidRequest,
            ..
        } if request_faulty => Vec::new(),
        Outcome::Value { .. } => client_accepted(site, body),
        // The error envelope is read leniently on purpose (`flatpeak::ErrorEnvelope`: only
        // `message` is needed), so that no error Flatpeak documents loses its typed error:
        // what the spec asks of it beyond that is the schema check's to report.
        Outcome::ApiError { .. } => Vec::new(),
        Outcome::ClientError {
            variant: ClientErrorKind::UnexpectedResponse,
            ..
        } if !status_documented => Vec::new(),
        Outcome::ClientError {
            variant,
            message,
            pointer,
        } => client_rejected(site, body, *variant, message, pointer.as_deref()),
    }
}

fn client_accepted(site: Site<'_>, body: &BodyCheck) -> Vec<Finding> {
    body.strict_errors
        .iter()
        .map(|pointer| {
            Finding::at(site, Kind::Disagreement, pointer.clone())
                .expected(
                    "the client to reject what the schema rejects",
                    "the client accepted it",
                )
                .message("the schema rejects this value but the generated client accepted it")
        })
        .collect()
}

fn client_rejected(
    site: Site<'_>,
    body: &BodyCheck,
    variant: ClientErrorKind,
    message: &str,
    pointer: Option<&str>,
) -> Vec<Finding> {
    let pointer = pointer.unwrap_or_default().to_string();
    // These happen before a response is read: the replay failed, not the response.
    if variant.before_response() {
        return vec![
            Finding::at(site, Kind::Replay, pointer)
                .expected(
                    "the client to send the recorded request",
                    format!("{variant}: {message}"),
                )
                .message(format!("could not replay the interaction: {message}")),
        ];
    }
    let mut findings = vec![
        Finding::at(site, Kind::Client, pointer.clone())
            .expected("a typed value or typed API error", variant.to_string())
            .message(format!(
                "the generated client could not parse the response: {message}"
            )),
    ];
    if body.schema_accepts && body.json.is_some() {
        findings.push(
            Finding::at(site, Kind::Disagreement, pointer)
                .expected(
                    "the client to accept what the schema accepts",
                    "the client rejected it",
                )
                .message(format!(
                    "the schema accepts this body but the generated client rejects it: {message}"
                )),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_match_by_essence_and_wildcards() {
        assert_eq!(
            essence("Application/JSON; charset=utf-8"),
            "application/json"
        );
        assert!(media_matches("application/json", "application/json"));
        assert!(media_matches("application/*", "application/problem+json"));
        assert!(media_matches("*/*", "text/html"));
        assert!(!media_matches(
            "application/json",
            "application/problem+json"
        ));
        assert!(!media_matches("text/*", "application/json"));
    }

    #[test]
    fn a_client_that_rejects_what_the_schema_accepts_disagrees_with_it() {
        let it = crate::model::Interaction::sample(0);
        let site = Site {
            interaction: &it,
            operation: Some("op"),
        };
        let rejected = Outcome::ClientError {
            variant: ClientErrorKind::InvalidResponsePayload,
            message: "invalid value".into(),
            pointer: Some("/n".into()),
        };
        let kinds = |body: &BodyCheck| -> Vec<(Kind, String)> {
            client(site, &rejected, body, true, false)
                .into_iter()
                .map(|f| (f.kind, f.pointer))
                .collect()
        };
        let accepted = BodyCheck {
            json: Some(serde_json::json!({"n": 1})),
            schema_accepts: true,
            ..BodyCheck::default()
        };
        assert_eq!(
            kinds(&accepted),
            [
                (Kind::Client, "/n".into()),
                (Kind::Disagreement, "/n".into())
            ]
        );
        let refused = BodyCheck {
            schema_accepts: false,
            ..accepted
        };
        assert_eq!(kinds(&refused), [(Kind::Client, "/n".into())]);
    }

    #[test]
    fn long_values_are_cut_in_findings() {
        let long = Value::String("x".repeat(200));
        let cut = excerpt(&long);
        assert!(cut.ends_with("...") && cut.chars().count() == 83, "{cut}");
        assert_eq!(excerpt(&Value::Null), "null");
        let array = Value::Array(vec![Value::String("y".repeat(50)); 1000]);
        let cut = excerpt(&array);
        assert!(
            cut.starts_with("[\"yyy") && cut.chars().count() == 83,
            "{cut}"
        );
        let quotes = Value::String("\"".repeat(100));
        assert_eq!(
            excerpt(&quotes),
            format!("\"{}...", "\\\"".repeat(39) + "\\")
        );
    }
}

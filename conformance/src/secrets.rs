//! Credentials and personal data in a recording: where the spec (`x-sensitive`), the header
//! names and the shapes of credentials say they are, and whether what is there is a
//! placeholder. The `secret` check reports what is not; `scrub` replaces it.

use std::collections::{BTreeMap, BTreeSet};

use flatpeak_redact::{self as record, Hint};

use crate::personal;
use serde_json::Value;
use spec_model::sensitive;

use crate::cassette::unique::{self, Body};
use crate::model::{Extra, ExtraKind, Finding, Interaction, Kind, Site};
use crate::spec::{Location, Operation, Spec};

/// Where each operation's traffic holds sensitive values, read once per run.
#[derive(Debug, Default)]
pub struct Sensitivity {
    by_operation: BTreeMap<String, Marks>,
    /// Every property name the spec declares: a JSON field of one of these names is judged by
    /// the spec's marks, not by its name ([`credential_by_name`]).
    declared: BTreeSet<String>,
}

/// One operation's sensitive places.
#[derive(Debug, Default)]
struct Marks {
    /// Path and query parameters.
    parameters: Vec<(Location, String, Hint)>,
    /// Request body fields.
    request: Vec<(Steps, Hint)>,
    /// Response body fields, by documented status key.
    responses: BTreeMap<String, Vec<(Steps, Hint)>>,
}

/// Steps into a body, read from the spec at run time; walked by `flatpeak-redact`'s
/// `values_at`, as the recorder and `scrub` walk them, so that all three reach the same values.
type Steps = Vec<sensitive::Step>;

impl Sensitivity {
    /// The marks of every operation of `spec`.
    pub fn of(spec: &Spec) -> Sensitivity {
        let doc = &spec.document;
        let fields = |media: &[spec_model::Media]| -> Vec<(Steps, Hint)> {
            spec_model::Media::json_schema(media)
                .map(|s| sensitive::sensitive_fields(doc, s))
                .unwrap_or_default()
                .into_iter()
                .map(|s| (s.steps, s.hint))
                .collect()
        };
        let by_operation = spec
            .operations
            .iter()
            .map(|op| {
                let marks = Marks {
                    parameters: op
                        .parameters
                        .iter()
                        .filter(|p| p.sensitive)
                        .map(|p| {
                            let h = p
                                .schema
                                .as_deref()
                                .and_then(|s| spec.at(s))
                                .map_or(Hint::Text(None), |s| sensitive::hint(doc, s));
                            (p.location, p.name.clone(), h)
                        })
                        .collect(),
                    request: op
                        .request_body
                        .as_ref()
                        .map(|b| fields(&b.media))
                        .unwrap_or_default(),
                    responses: op
                        .responses
                        .iter()
                        .map(|(k, r)| (k.clone(), fields(&r.media)))
                        .collect(),
                };
                (op.id.clone(), marks)
            })
            .collect();
        Sensitivity {
            by_operation,
            declared: declared_names(doc),
        }
    }
}

/// A recorded exchange as the secret check reads it.
#[derive(Debug)]
pub struct View<'a> {
    /// The request's URL.
    pub url: &'a str,
    /// Request headers.
    pub request_headers: &'a [(String, String)],
    /// Request body, read as JSON once for this check and the others.
    pub request_body: Body<'a>,
    /// Response status.
    pub status: i64,
    /// Response headers.
    pub response_headers: &'a [(String, String)],
    /// Response body, read as JSON once for this check and the others.
    pub response_body: Body<'a>,
    /// What a HAR entry keeps besides the exchange ([`Extra`]); empty for VCR.
    pub extras: &'a [Extra],
}

impl<'a> View<'a> {
    /// A recorded interaction as this check reads it, its bodies not read yet.
    pub fn of(it: &'a Interaction) -> View<'a> {
        View {
            url: &it.request.url,
            request_headers: &it.request.headers,
            request_body: Body::new(&it.request.body),
            status: it.response.status,
            response_headers: &it.response.headers,
            response_body: Body::new(&it.response.body),
            extras: &it.extras,
        }
    }
}

/// Where in an exchange a sensitive value is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// A request header, by name.
    RequestHeader(String),
    /// A response header, by name.
    ResponseHeader(String),
    /// A query parameter, by name.
    Query(String),
    /// A path segment of the URL, by its index among the `/`-separated segments.
    PathSegment(usize, String),
    /// A JSON pointer into the request body (`""`: the whole body, when it is not JSON).
    RequestBody(String),
    /// A JSON pointer into the response body (`""`: the whole body, when it is not JSON).
    ResponseBody(String),
    /// The user name and password written into the request's URL (`https://user:pass@host/`).
    UserInfo,
    /// A parameter of the URL's fragment, by name (`""`: a fragment that is not `name=value`
    /// pairs, whole).
    Fragment(String),
    /// A value a HAR file keeps beside the exchange ([`Extra`]), by its JSON pointer from the
    /// file's root.
    Har(String),
}

impl Place {
    /// How findings and `scrub` name it: `header:Authorization`, `query:connect_token`,
    /// `path:id`, `request:/postal_address/city`, `/postal_address/city`,
    /// `fragment:access_token`, `har:/log/entries/0/response/redirectURL`.
    pub fn label(&self) -> String {
        match self {
            Place::RequestHeader(name) => format!("header:{name}"),
            Place::ResponseHeader(name) => format!("response-header:{name}"),
            Place::Query(name) => format!("query:{name}"),
            Place::PathSegment(_, name) => format!("path:{name}"),
            Place::RequestBody(pointer) => format!("request:{pointer}"),
            Place::ResponseBody(pointer) => pointer.clone(),
            Place::UserInfo => "url:userinfo".to_string(),
            Place::Fragment(name) => format!("fragment:{name}"),
            Place::Har(pointer) => format!("har:{pointer}"),
        }
    }
}

/// A value that should be a placeholder and is not.
#[derive(Debug, Clone, PartialEq)]
pub struct Leak {
    /// Where it is.
    pub place: Place,
    /// The value (kept in memory only; reports show [`record::fingerprint`]).
    pub value: Value,
    /// What a placeholder for it must be.
    pub hint: Hint,
    /// Why it counts: `credential header`, `x-sensitive`, `credential-shaped`, or a
    /// heuristic of [`crate::personal`] (`heuristic: a post code, by its name`).
    pub why: &'static str,
}

impl Leak {
    /// The value as text: a string as it is, anything else as JSON.
    pub fn text(&self) -> String {
        match &self.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// Values shorter than this are not looked for in other findings' text: they would match
/// too much of it, and their fingerprint shows nothing of them.
const MASK_MIN_CHARS: usize = 4;

/// How much of a long value is enough to find it in a finding's text, where an excerpt may
/// have cut it.
const MASK_HEAD_CHARS: usize = 12;

/// Replaces each leaked value with its fingerprint in the text of every finding that is not a
/// secret finding, and in the client's error message: a value that breaks its schema is
/// quoted by the schema and client findings at its place, and serde quotes what it could not
/// read, so a secret the gate reports by fingerprint would otherwise be printed whole beside
/// it. A value is found whole, or its first [`MASK_HEAD_CHARS`] characters and as many more as
/// follow (where an excerpt cut it), quoted, as JSON escapes it, or as written.
pub fn mask<'a>(
    leaks: &[Leak],
    findings: &mut [Finding],
    also: impl IntoIterator<Item = &'a mut String>,
) {
    // A pointer holds field names, one of which may be the secret (a token used as a key).
    for finding in findings.iter_mut() {
        finding.pointer = fingerprint_tokens(&finding.pointer);
    }
    let mut texts = Vec::new();
    for leak in leaks {
        let text = leak.text();
        if text.chars().count() < MASK_MIN_CHARS {
            continue;
        }
        let shown = record::fingerprint(&text);
        // Quoted first (a fingerprint has its own quotes), then as JSON escapes it, then bare.
        let quoted = Value::String(text.clone()).to_string();
        let escaped = quoted[1..quoted.len() - 1].to_string();
        texts.push((quoted, shown.clone()));
        if escaped != text {
            texts.push((escaped, shown.clone()));
        }
        texts.push((text, shown));
    }
    if texts.is_empty() {
        return;
    }
    // Longest first: two secrets that share a start (two tokens of one issuer) would
    // otherwise have the shorter's mask stop inside the longer, leaving its tail.
    texts.sort_by_key(|(text, _)| std::cmp::Reverse(text.chars().count()));
    let hide = |field: &mut String| {
        for (text, shown) in &texts {
            if let Some(hidden) = masked(field, text, shown) {
                *field = hidden;
            }
        }
    };
    for finding in findings.iter_mut() {
        if finding.kind != Kind::Secret {
            hide(&mut finding.message);
            hide(&mut finding.found);
            hide(&mut finding.expected);
        }
    }
    for text in also {
        hide(text);
    }
}

/// `haystack` with each occurrence of `secret` (or of its head and what follows of it) as
/// `shown`; `None` when it holds none.
fn masked(haystack: &str, secret: &str, shown: &str) -> Option<String> {
    let head = secret
        .char_indices()
        .nth(MASK_HEAD_CHARS)
        .map_or(secret, |(at, _)| &secret[..at]);
    let mut rest = haystack;
    let mut out = String::new();
    let mut found = false;
    while let Some(at) = rest.find(head) {
        let matched: usize = rest[at..]
            .chars()
            .zip(secret.chars())
            .take_while(|(a, b)| a == b)
            .map(|(c, _)| c.len_utf8())
            .sum();
        // A match cut short where the text goes on with a token's characters is another
        // value that shares the secret's start (two tokens of one issuer): it is left for its
        // own mask. Cut short where the text ends or pauses, it is this secret, truncated.
        let whole = at + matched;
        let mut next = rest[whole..].chars();
        let goes_on = matched < secret.len()
            && match next.next() {
                Some(c) if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') => true,
                // A JWT's next part goes on; an excerpt's `...` pauses.
                Some('.') => next.next().is_some_and(|c| c.is_ascii_alphanumeric()),
                _ => false,
            };
        if goes_on {
            let step = at + rest[at..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&rest[..step]);
            rest = &rest[step..];
            continue;
        }
        out.push_str(&rest[..at]);
        out.push_str(shown);
        found = true;
        rest = &rest[whole..];
    }
    if !found {
        return None;
    }
    out.push_str(rest);
    Some(out)
}

impl Sensitivity {
    /// Every leak of `view`, routed to `operation` (if it was) with its path `template`.
    pub fn leaks(&self, operation: Option<&Operation>, view: &View<'_>) -> Vec<Leak> {
        let marks = operation.and_then(|op| self.by_operation.get(&op.id));
        let mut leaks = Vec::new();
        headers(view.request_headers, Place::RequestHeader, &mut leaks);
        headers(view.response_headers, Place::ResponseHeader, &mut leaks);
        if let Ok(url) = url::Url::parse(view.url) {
            url_leaks(&url, operation, marks, &mut leaks);
        }
        let none = Vec::new();
        let request = marks.map_or(&none, |m| &m.request);
        let form = is_form(view.request_headers);
        let declared = &self.declared;
        body(
            (&view.request_body, form),
            request,
            declared,
            &Place::RequestBody,
            &mut leaks,
        );
        extra_leaks(view.extras, request, &mut leaks);
        let response = marks
            .zip(operation)
            .and_then(|(m, op)| op.status_key(view.status).and_then(|k| m.responses.get(k)))
            .unwrap_or(&none);
        body(
            (&view.response_body, is_form(view.response_headers)),
            response,
            declared,
            &Place::ResponseBody,
            &mut leaks,
        );
        leaks
    }
}

impl Sensitivity {
    /// Every leak of a recorded webhook delivery: credentials in the headers, the URL and
    /// both bodies, and in the request body (the event) the places `events`' operation marks
    /// `x-sensitive` in the event it returns, and the personal-data heuristics.
    pub fn delivery_leaks(
        &self,
        events: Option<&crate::delivery::Events>,
        view: &View<'_>,
    ) -> Vec<Leak> {
        let none = Vec::new();
        let marked = events
            .and_then(|e| {
                let marks = self.by_operation.get(&e.operation)?;
                marks.responses.get(&e.status)
            })
            .unwrap_or(&none);
        let mut leaks = Vec::new();
        headers(view.request_headers, Place::RequestHeader, &mut leaks);
        headers(view.response_headers, Place::ResponseHeader, &mut leaks);
        if let Ok(url) = url::Url::parse(view.url) {
            url_leaks(&url, None, None, &mut leaks);
        }
        let form = (
            is_form(view.request_headers),
            is_form(view.response_headers),
        );
        let (request, response) = (&view.request_body, &view.response_body);
        let declared = &self.declared;
        body(
            (request, form.0),
            marked,
            declared,
            &Place::RequestBody,
            &mut leaks,
        );
        body(
            (response, form.1),
            &none,
            declared,
            &Place::ResponseBody,
            &mut leaks,
        );
        extra_leaks(view.extras, &none, &mut leaks);
        leaks
    }
}

/// The leaks among `headers`: a credential header (`Authorization`, `Cookie`, `*api-key*`,
/// `*token*`: [`record::is_credential_header`], as the recorder replaces them), a header whose
/// name says credential by the rule a query's does (`X-Client-Secret`, `X-Password`,
/// `Ocp-Apim-Subscription-Key`; not a `*-Signature`, which signs one message and is kept, as
/// Flatpeak's webhook deliveries show it), and a credential's shape in any value.
fn headers(headers: &[(String, String)], place: fn(String) -> Place, out: &mut Vec<Leak>) {
    for (name, value) in headers {
        let why = if record::is_credential_header(name) {
            "a credential header"
        } else if credential_by_header_name(name, value) {
            "heuristic: a credential header, by its name"
        } else if record::holds_token(value) {
            "credential-shaped"
        } else {
            continue;
        };
        if record::header_placeholder(value) != *value {
            out.push(Leak {
                place: place(name.clone()),
                value: Value::String(value.clone()),
                hint: Hint::Text(None),
                why,
            });
        }
    }
}

/// Whether a header is a credential by its name ([`personal::is_credential_pair`]), but for a
/// signature's (it signs one message: `Flatpeak-Signature`, `Signature-Input`,
/// `X-Hub-Signature-256`), the browser's CORS and fetch headers (`Access-Control-Allow-
/// Credentials: true`, `Sec-WebSocket-Key`), and a yes or no.
fn credential_by_header_name(name: &str, value: &str) -> bool {
    let lower = |prefix: &str| {
        name.len() >= prefix.len()
            && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    let holds = |word: &str| {
        name.as_bytes()
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
    };
    let yes_or_no = value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false");
    !yes_or_no
        && !lower("access-control-")
        && !lower("sec-")
        && !holds("signature")
        && personal::is_credential_pair(name, value)
}

fn url_leaks(url: &url::Url, op: Option<&Operation>, marks: Option<&Marks>, out: &mut Vec<Leak>) {
    userinfo_leaks(url, out);
    for (name, value) in url.query_pairs() {
        let marked = marks.and_then(|m| {
            m.parameters
                .iter()
                .find(|(l, n, _)| *l == Location::Query && *n == name)
        });
        let value = Value::String(value.into_owned());
        let leak = match marked {
            Some((_, _, hint)) => Some((hint.clone(), "x-sensitive")),
            None => unmarked_parameter(&name, &value, BY_QUERY_NAME),
        };
        if let Some((hint, why)) = leak.filter(|(h, _)| !record::is_placeholder(&value, h)) {
            out.push(Leak {
                place: Place::Query(name.into_owned()),
                value,
                hint,
                why,
            });
        }
    }
    fragment_leaks(url, out);
    if let (Some(op), Some(marks)) = (op, marks) {
        marked_segment_leaks(url, op, marks, out);
    }
    token_segment_leaks(url, op, out);
}

/// The user name and password of `url` (`https://user:pass@host/`), when it has them and they
/// are not placeholders: a credential whoever the request went to.
fn userinfo_leaks(url: &url::Url, out: &mut Vec<Leak>) {
    if url.username().is_empty() && url.password().is_none() {
        return;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let info = match url.password() {
        Some(password) => format!("{}:{}", decode(url.username()), decode(password)),
        None => decode(url.username()),
    };
    let value = Value::String(info);
    let hint = Hint::Text(None);
    if !record::is_placeholder(&value, &hint) {
        out.push(Leak {
            place: Place::UserInfo,
            value,
            hint,
            why: "heuristic: a URL with credentials in it",
        });
    }
}

/// The leaks among a URL's path segments that hold a credential's shape (a token sent as an
/// id), whatever the spec marks: each named by its parameter when `op`'s template has one
/// there, else by its position (`#2`). A segment already found by its mark is left to that.
fn token_segment_leaks(url: &url::Url, op: Option<&Operation>, out: &mut Vec<Leak>) {
    let segments: Vec<&str> = url.path().split('/').collect();
    let parts: Vec<&str> = op
        .map(|op| op.template.split('/').collect())
        .unwrap_or_default();
    let start = segments.len().checked_sub(parts.len());
    for (i, raw) in segments.iter().enumerate() {
        let found = |l: &Leak| matches!(l.place, Place::PathSegment(at, _) if at == i);
        if raw.is_empty() || out.iter().any(found) {
            continue;
        }
        let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        if !record::holds_token(&value) {
            continue;
        }
        let parameter = start
            .and_then(|start| parts.get(i.checked_sub(start)?))
            .and_then(|p| p.strip_prefix('{')?.strip_suffix('}'));
        let name = parameter.map_or_else(|| format!("#{i}"), str::to_string);
        out.push(Leak {
            place: Place::PathSegment(i, name),
            value: Value::String(value.into_owned()),
            hint: Hint::Text(None),
            why: "credential-shaped",
        });
    }
}

/// The leaks among a URL's path segments that `op`'s template names by a parameter the spec
/// marks `x-sensitive`.
fn marked_segment_leaks(url: &url::Url, op: &Operation, marks: &Marks, out: &mut Vec<Leak>) {
    let parts: Vec<&str> = op.template.split('/').collect();
    let segments: Vec<&str> = url.path().split('/').collect();
    let Some(start) = segments.len().checked_sub(parts.len()) else {
        return;
    };
    for (location, name, hint) in &marks.parameters {
        let wanted = format!("{{{name}}}");
        let Some(i) = parts.iter().position(|p| *p == wanted) else {
            continue;
        };
        let Some(raw) = segments
            .get(start + i)
            .filter(|_| *location == Location::Path)
        else {
            continue;
        };
        let value = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
        let value = Value::String(value.into_owned());
        if !record::is_placeholder(&value, hint) {
            out.push(Leak {
                place: Place::PathSegment(start + i, name.clone()),
                value,
                hint: hint.clone(),
                why: "x-sensitive",
            });
        }
    }
}

/// Why a query's parameter the spec does not mark must be a placeholder, when it is a
/// credential by its name alone.
const BY_QUERY_NAME: &str = "heuristic: a token in the query, by its name";

/// Why a fragment's parameter must be a placeholder, when it is a credential by its name alone.
const BY_FRAGMENT_NAME: &str = "heuristic: a token in a fragment, by its name";

/// Why a URL's parameter (of its query or fragment) that the spec does not mark, `name`
/// holding `value`, must be a placeholder, and what placeholder: a credential's shape, a
/// heuristic of [`personal`], or its name says it is a credential
/// ([`personal::is_credential_pair`]: `api_key`, `access_token`, `client_secret`), which
/// `by_name` then names.
fn unmarked_parameter(
    name: &str,
    value: &Value,
    by_name: &'static str,
) -> Option<(Hint, &'static str)> {
    let text = value.as_str()?;
    if record::holds_token(text) {
        return Some((Hint::Text(None), "credential-shaped"));
    }
    if let Some(rule) = personal::by_name(name, value).or_else(|| personal::by_shape(text)) {
        return Some((heuristic_hint(name, value), rule));
    }
    personal::is_credential_pair(name, text).then_some((Hint::Text(None), by_name))
}

/// The leaks of a URL's fragment (`#access_token=...`): each parameter judged as an unmarked
/// query parameter is.
fn fragment_leaks(url: &url::Url, out: &mut Vec<Leak>) {
    let fragment = url.fragment().unwrap_or_default();
    for (name, text) in personal::fragment_pairs(fragment) {
        let value = Value::String(text);
        let leak = unmarked_parameter(&name, &value, BY_FRAGMENT_NAME);
        if let Some((hint, why)) = leak.filter(|(h, _)| !record::is_placeholder(&value, h)) {
            out.push(Leak {
                place: Place::Fragment(name),
                value,
                hint,
                why,
            });
        }
    }
}

/// The leaks among a HAR entry's or file's [`Extra`]s: text (a comment, a title, a redirect's
/// URL) that holds a credential's shape or is personal by its shape, every cookie that is not a
/// placeholder, and each form field judged as a JSON body's field is (`form`: the request
/// body's marks).
pub fn extra_leaks(extras: &[Extra], form: &[(Steps, Hint)], out: &mut Vec<Leak>) {
    for extra in extras {
        let place = || Place::Har(extra.pointer.clone());
        let value = Value::String(extra.value.clone());
        let leak = match &extra.kind {
            ExtraKind::Text => text_rule(&extra.value).map(|(h, why)| (h, why, value)),
            ExtraKind::Cookie => Some((Hint::Text(None), "a cookie", value)),
            ExtraKind::FormField(name) => {
                form_field_leaks(name, &extra.value, form, &|_| place(), out);
                None
            }
        };
        if let Some((hint, why, value)) = leak.filter(|(h, _, v)| !record::is_placeholder(v, h)) {
            out.push(Leak {
                place: place(),
                value,
                hint,
                why,
            });
        }
    }
}

/// Why free text must be a placeholder, and what placeholder: a credential's shape in it, or
/// its shape by [`personal::by_shape`] (an e-mail address, a URL with credentials).
fn text_rule(text: &str) -> Option<(Hint, &'static str)> {
    if record::holds_token(text) {
        return Some((Hint::Text(None), "credential-shaped"));
    }
    let rule = personal::by_shape(text)?;
    Some((heuristic_hint("", &Value::String(text.to_string())), rule))
}

/// `secret` findings about a file's own places (a HAR page's title, its log's comment), each
/// naming the file and its JSON pointer, showing only a fingerprint.
pub fn file_findings(file: &str, leaks: &[Leak]) -> Vec<Finding> {
    leaks
        .iter()
        .map(|leak| {
            let shown = record::fingerprint(&leak.text());
            Finding::about_file(file, Kind::Secret)
                .pointer(leak.place.label())
                .expected("a placeholder", shown.clone())
                .message(secret_message(leak.why, &shown))
        })
        .collect()
}

/// A `secret` finding's sentence: why the value counts, and its fingerprint.
fn secret_message(why: &str, shown: &str) -> String {
    format!(
        "a value that is not a placeholder ({why}): {shown}; scrub the cassette \
         (`cargo xtask scrub`)"
    )
}

/// `path` (a URL's path, or a URL without its query) as a report may show it: a user name and
/// password before the host left out, each segment that is shaped like a credential or an
/// e-mail address (percent-decoded) shown as its fingerprint, as a `secret` finding shows a
/// value, and the rest as it is.
pub fn shown_path(path: &str) -> String {
    let without_userinfo = url::Url::parse(path)
        .ok()
        .filter(|u| !u.username().is_empty() || u.password().is_some())
        .map(|mut u| {
            // Only a URL that cannot have them refuses these, and it had none.
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        });
    let path = without_userinfo.as_deref().unwrap_or(path);
    path.split('/')
        .map(|segment| {
            let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
            match record::holds_token(&decoded) || personal::is_email(&decoded) {
                true => record::fingerprint(&decoded),
                false => segment.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `headers` say their body is a form (`application/x-www-form-urlencoded`).
fn is_form(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("content-type")
            && value
                .split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(FORM))
    })
}

/// The media type of a form body.
const FORM: &str = "application/x-www-form-urlencoded";

/// The leaks of a body (`bytes`, and whether its headers say it is a form): the marked fields,
/// credential-shaped strings anywhere, and the heuristics. A body that is not JSON and is a
/// form is read field by field ([`form_field_leaks`], each at the pointer `/name`); any other
/// is judged whole. `declared`: the spec's property names ([`credential_by_name`]).
fn body(
    (body, form): (&Body<'_>, bool),
    marked: &[(Steps, Hint)],
    declared: &BTreeSet<String>,
    place: &dyn Fn(String) -> Place,
    out: &mut Vec<Leak>,
) {
    let bytes = body.bytes();
    if bytes.is_empty() {
        return;
    }
    let parsed = body.json();
    if let Err(e) = parsed
        && unique::duplicate_key_at(bytes, e).is_some()
    {
        // A key twice: each reading is judged (a reader keeps the last value; the first is in
        // the file all the same), so that a secret no reader keeps is found too.
        let readings = [
            serde_json::from_slice::<Value>(bytes).ok(),
            unique::json_keeping_first(bytes),
        ];
        for json in readings.into_iter().flatten() {
            let mut found = Vec::new();
            json_leaks(&json, marked, Some(declared), place, &mut found);
            for leak in found {
                if !out
                    .iter()
                    .any(|l| l.place == leak.place && l.value == leak.value)
                {
                    out.push(leak);
                }
            }
        }
        return;
    }
    let Ok(json) = parsed else {
        if form {
            form_leaks(bytes, marked, place, out);
            return;
        }
        let text = String::from_utf8_lossy(bytes);
        if record::holds_token(&text) {
            out.push(Leak {
                place: place(String::new()),
                value: Value::String(text.into_owned()),
                hint: Hint::Text(None),
                why: "credential-shaped",
            });
        }
        return;
    };
    json_leaks(json, marked, Some(declared), place, out);
}

/// The leaks of a form body, field by field ([`form_field_leaks`]; a name sent twice is two
/// leaks when both values are). A name shaped like a credential (`curl -d "$KEY"` sends the key
/// as a field without a value) makes the whole body one leak, which scrub replaces whole.
fn form_leaks(
    bytes: &[u8],
    marked: &[(Steps, Hint)],
    place: &dyn Fn(String) -> Place,
    out: &mut Vec<Leak>,
) {
    let fields: Vec<_> = url::form_urlencoded::parse(bytes).collect();
    if fields.iter().any(|(name, _)| record::holds_token(name)) {
        out.push(Leak {
            place: place(String::new()),
            value: Value::String(String::from_utf8_lossy(bytes).into_owned()),
            hint: Hint::Text(None),
            why: "credential-shaped",
        });
        return;
    }
    for (name, value) in &fields {
        let mut found = Vec::new();
        form_field_leaks(name, value, marked, place, &mut found);
        out.append(&mut found);
    }
}

/// The leaks of one field of a form body (or of a HAR entry's form fields): judged as a JSON
/// body's field named `name` is, and, as a URL fragment's parameter is, a credential by its name
/// (`client_secret`, `refresh_token`, `password`: OAuth's forms carry them).
fn form_field_leaks(
    name: &str,
    value: &str,
    marked: &[(Steps, Hint)],
    place: &dyn Fn(String) -> Place,
    out: &mut Vec<Leak>,
) {
    let text = Value::String(value.to_string());
    let field = Value::Object([(name.to_string(), text.clone())].into_iter().collect());
    // A form field's name is judged below, by the form's own rule.
    json_leaks(&field, marked, None, place, out);
    let pointer = format!("/{}", crate::spec::escape(name));
    let already = out.iter().any(|l| l.place == place(pointer.clone()));
    let hint = Hint::Text(None);
    if !already
        && personal::is_credential_pair(name, value)
        && !record::is_placeholder(&text, &hint)
    {
        out.push(Leak {
            place: place(pointer),
            value: text,
            hint,
            why: "heuristic: a credential in a form field, by its name",
        });
    }
}

/// The leaks of a JSON body: the marked fields, credential-shaped strings anywhere, a field
/// the spec does not declare whose name says it is a credential (with `declared`, the spec's
/// property names: [`credential_by_name`]), and the heuristics of [`personal`] where the spec
/// marks nothing.
fn json_leaks(
    json: &Value,
    marked: &[(Steps, Hint)],
    declared: Option<&BTreeSet<String>>,
    place: &dyn Fn(String) -> Place,
    out: &mut Vec<Leak>,
) {
    // Every place the spec marks, leaking or not: the heuristics below leave them alone.
    let mut marked_places = BTreeSet::new();
    for (steps, hint) in marked {
        for (pointer, value) in record::values_at(json, steps) {
            if !record::is_placeholder(value, hint) {
                out.push(Leak {
                    place: place(pointer.clone()),
                    value: value.clone(),
                    hint: hint.clone(),
                    why: "x-sensitive",
                });
            }
            marked_places.insert(pointer);
        }
    }
    // A field whose name is shaped like a credential: its own leak, added last, so that the
    // value at the same place is judged too (and scrub replaces the value before the name).
    let mut named_by_token = Vec::new();
    each_value(
        json,
        None,
        &mut String::new(),
        &mut |pointer, name, value| {
            // (A form's field names are judged by the form's own rule: `form_leaks`.)
            if let Some(name) = name.filter(|n| declared.is_some() && record::holds_token(n)) {
                named_by_token.push(Leak {
                    place: place(pointer.to_string()),
                    value: Value::String(name.to_string()),
                    hint: Hint::Text(None),
                    why: TOKEN_AS_NAME,
                });
            }
            let why = match value {
                Value::String(s) if record::holds_token(s) => "credential-shaped",
                _ if declared.is_some_and(|d| credential_by_name(d, name, value)) => BY_FIELD_NAME,
                _ => return,
            };
            let hint = Hint::Text(None);
            // A marked place, or a placeholder, is judged by its mark alone.
            let by_name_only = why == BY_FIELD_NAME
                && (marked_places.contains(pointer) || record::is_placeholder(value, &hint));
            let already = out.iter().any(|l| l.place == place(pointer.to_string()));
            if !already && !by_name_only {
                out.push(Leak {
                    place: place(pointer.to_string()),
                    value: value.clone(),
                    hint,
                    why,
                });
            }
        },
    );
    personal::walk(json, &mut String::new(), &mut |pointer, value, rule| {
        let name = pointer.rsplit('/').next().unwrap_or_default();
        let hint = heuristic_hint(name, value);
        let already = marked_places.contains(pointer)
            || out.iter().any(|l| l.place == place(pointer.to_string()));
        if !already && !record::is_placeholder(value, &hint) {
            out.push(Leak {
                place: place(pointer.to_string()),
                value: value.clone(),
                hint,
                why: rule,
            });
        }
    });
    // Innermost first: a name renamed before the one that holds it is still where its
    // pointer says.
    named_by_token.reverse();
    out.append(&mut named_by_token);
}

/// The placeholder a value found by a heuristic gets: of its own JSON type, a coordinate
/// within its range (so that a placeholder the recorder or synth made for a coordinate is
/// recognised as one), a URL staying a URL and an e-mail address an e-mail address (no schema
/// says more). `name` is the field's (or the query parameter's).
fn heuristic_hint(name: &str, value: &Value) -> Hint {
    let range = personal::coordinate_range(name);
    match value {
        Value::Number(n) => Hint::Number {
            minimum: range.map(|(min, _)| min),
            maximum: range.map(|(_, max)| max),
            integer: n.is_i64() || n.is_u64(),
        },
        Value::String(s) if url::Url::parse(s).is_ok_and(|u| u.has_host()) => {
            Hint::Text(Some("uri".into()))
        }
        Value::String(s) if s.contains('@') => Hint::Text(Some("email".into())),
        _ => Hint::Text(None),
    }
}

/// Calls `f` with the pointer of every value in `json` at any depth, and the name of the field
/// it is (`None` for an array's item and the root, which is `json` with the name `name`).
fn each_value(
    json: &Value,
    name: Option<&str>,
    at: &mut String,
    f: &mut impl FnMut(&str, Option<&str>, &Value),
) {
    f(at, name, json);
    let len = at.len();
    match json {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                crate::spec::push_index(at, i);
                each_value(item, None, at, f);
                at.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (field, value) in fields {
                crate::spec::push_token(at, field);
                each_value(value, Some(field), at, f);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// `text` (a pointer, a place's label, a parser's path) with each run of token characters
/// that holds a credential's shape shown by its fingerprint: a field's name can be the
/// secret (a token used as a key), and a pointer to anything inside that field holds it too.
/// A run is letters, digits and `-_.~+=` (what a JWT or an API key is made of), so a
/// pointer's `/` and a path's spaces end it.
pub(crate) fn fingerprint_tokens(text: &str) -> String {
    let in_run =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '=');
    if !text.split(|c: char| !in_run(c)).any(record::holds_token) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        match record::holds_token(run) {
            true => out.push_str(&record::fingerprint(run)),
            false => out.push_str(run),
        }
        run.clear();
    };
    for c in text.chars() {
        if in_run(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Why a JSON field's name is a secret: it is shaped like a credential (a token used as a
/// key). scrub replaces the name, keeping the field's value.
pub(crate) const TOKEN_AS_NAME: &str = "credential-shaped (a field's name)";

/// Why a field is a secret when its name alone says so.
const BY_FIELD_NAME: &str = "heuristic: a credential, by its field's name";

/// Whether a JSON field `name` holding `value` is a credential by its name: a string that
/// holds something, under a name that says credential ([`personal::is_credential_pair`]:
/// `password`, `client_secret`, `access_token`) and that the spec declares nowhere
/// (`declared`). A field the spec declares is judged by its marks alone: Flatpeak's own
/// `connect_token` is an id of a Connect session in some answers, and its documented examples
/// hold one.
fn credential_by_name(declared: &BTreeSet<String>, name: Option<&str>, value: &Value) -> bool {
    let (Some(name), Value::String(text)) = (name, value) else {
        return false;
    };
    // The name rule first: it settles most names without a lookup.
    personal::is_credential_pair(name, text) && !declared.contains(name)
}

/// Every property name `doc` declares (the keys of every `properties` object in it).
fn declared_names(doc: &Value) -> BTreeSet<String> {
    fn collect(node: &Value, out: &mut BTreeSet<String>) {
        match node {
            Value::Object(fields) => {
                if let Some(Value::Object(properties)) = fields.get("properties") {
                    out.extend(properties.keys().cloned());
                }
                fields.values().for_each(|v| collect(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    collect(doc, &mut out);
    out
}

/// `secret`: one error per leak, naming the place and showing only a fingerprint.
pub fn findings(site: Site<'_>, leaks: &[Leak]) -> Vec<Finding> {
    leaks
        .iter()
        .map(|leak| {
            let shown = record::fingerprint(&leak.text());
            Finding::at(site, Kind::Secret, leak.place.label())
                .expected("a placeholder", shown.clone())
                .message(secret_message(leak.why, &shown))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A `200` exchange with `url` and nothing else; each test sets what it is about.
    fn exchange(url: &str) -> View<'_> {
        View {
            url,
            request_headers: &[],
            request_body: Body::new(b""),
            status: 200,
            response_headers: &[],
            response_body: Body::new(b""),
            extras: &[],
        }
    }

    fn spec() -> Spec {
        crate::spec::load(std::path::Path::new("../openapi/zero.yaml")).unwrap()
    }

    /// The places of `body`'s leaks in a request whose `Content-Type` is `content_type`.
    fn leaks_of_form(content_type: &str, body: &str) -> Vec<(String, &'static str)> {
        let headers = [("content-type".to_string(), content_type.to_string())];
        let view = View {
            request_headers: &headers,
            request_body: Body::new(body.as_bytes()),
            ..exchange("https://auth.example/oauth/token")
        };
        Sensitivity::of(&spec())
            .leaks(None, &view)
            .into_iter()
            .map(|l| (l.place.label(), l.why))
            .collect()
    }

    #[test]
    fn a_form_body_is_judged_field_by_field_and_a_credential_s_name_counts() {
        let body = "grant_type=refresh_token&refresh_token=r8Kd2mQx&client_secret=s3cr3t%21\
                    &scope=devices&email=jo%40sparks.example&password=%3Credacted%3E";
        let by_name = "heuristic: a credential in a form field, by its name";
        let expected = [
            ("request:/refresh_token".to_string(), by_name),
            ("request:/client_secret".to_string(), by_name),
            (
                "request:/email".to_string(),
                "heuristic: an e-mail address, by its name",
            ),
        ];
        let found = leaks_of_form("application/x-www-form-urlencoded; charset=UTF-8", body);
        assert_eq!(found, expected);
        // The same text that does not say it is a form is judged whole: it has no token's
        // shape, so nothing is found.
        assert_eq!(leaks_of_form("text/plain", body), []);

        let form = "application/x-www-form-urlencoded";
        // Words that hold a credential word (`keyword`, `author`) and names of a kind of token
        // are not credentials.
        let kinds = "keyword=solar&author=jo&subject_token_type=urn%3Aietf%3Aaccess_token";
        assert_eq!(leaks_of_form(form, kinds), []);
        // A name sent twice is two leaks when both values are.
        let twice = leaks_of_form(form, "refresh_token=r8Kd2mQx&refresh_token=Zq7Lp3Wn");
        assert_eq!(twice.len(), 2, "{twice:?}");
        // A key sent as a field without a value (`curl -d "$KEY"`): the whole body.
        let key = "grant_type=client_credentials&sk_live_51HqLyjWDarjtT1zdp7dc";
        assert_eq!(
            leaks_of_form(form, key),
            [("request:".to_string(), "credential-shaped")]
        );
    }

    #[test]
    fn marked_fields_headers_and_token_shapes_are_leaks_and_placeholders_are_not() {
        let spec = spec();
        let sensitivity = Sensitivity::of(&spec);
        let op = spec.operation("exchange_connect_token").unwrap();
        let body = json!({"id": "cot_65e0839faca22517d5d51cd5", "object": "connect_token",
            "customer_reference_id": "CUS0123456789", "location_reference_id": "redacted-1",
            "note": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2ln"})
        .to_string();
        let request_headers = [
            ("Authorization".to_string(), "Bearer abc123".to_string()),
            ("Accept".to_string(), "application/json".to_string()),
        ];
        let view = View {
            request_headers: &request_headers,
            response_body: Body::new(body.as_bytes()),
            ..exchange("https://api.flatpeak.com/connect/tariff/token?connect_token=cot_1a2b3c")
        };
        let leaks: Vec<String> = sensitivity
            .leaks(Some(op), &view)
            .into_iter()
            .map(|l| l.place.label())
            .collect();
        assert_eq!(
            leaks,
            [
                "header:Authorization",
                "query:connect_token",
                "/customer_reference_id",
                "/id",
                "/note"
            ]
        );
        let fine = View {
            request_headers: &[("Authorization".into(), "Bearer <redacted>".into())],
            response_body: Body::new(
                br#"{"id": "cot_redacted1", "customer_reference_id": "redacted-2"}"#,
            ),
            ..exchange(
                "https://api.flatpeak.com/connect/tariff/token?connect_token=cot_redacted0a1b",
            )
        };
        assert!(sensitivity.leaks(Some(op), &fine).is_empty());
    }

    #[test]
    fn unmarked_personal_data_in_the_query_and_the_body_is_a_heuristic_leak() {
        let spec = spec();
        let sensitivity = Sensitivity::of(&spec);
        let op = spec.operation("list_locations").unwrap();
        let view = View {
            response_body: Body::new(
                br#"{"object": "list", "data": [], "contact": {"phone": "+44 117 496 0000"}}"#,
            ),
            ..exchange("https://api.flatpeak.com/locations?email=jo%40sparks.example&limit=10")
        };
        let leaks: Vec<(String, &str)> = sensitivity
            .leaks(Some(op), &view)
            .into_iter()
            .map(|l| (l.place.label(), l.why))
            .collect();
        assert_eq!(
            leaks,
            [
                (
                    "query:email".to_string(),
                    "heuristic: an e-mail address, by its name"
                ),
                (
                    "/contact/phone".to_string(),
                    "heuristic: a phone number, by its name"
                ),
            ]
        );
    }

    /// The labels and reasons of the leaks of a GET of `url` with `extras` and nothing else.
    fn extra_and_url_leaks(url: &str, extras: &[Extra]) -> Vec<(String, &'static str)> {
        let spec = spec();
        let view = View {
            extras,
            ..exchange(url)
        };
        let leaks = Sensitivity::of(&spec).leaks(None, &view);
        leaks
            .into_iter()
            .map(|l| (l.place.label(), l.why))
            .collect()
    }

    #[test]
    fn a_fragment_s_credentials_are_leaks_and_its_placeholders_and_other_words_are_not() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2ln";
        let url = format!("https://h/cb#access_token=abc123&state=xyz&id_token={jwt}");
        assert_eq!(
            extra_and_url_leaks(&url, &[]),
            [
                (
                    "fragment:access_token".to_string(),
                    "heuristic: a token in a fragment, by its name"
                ),
                ("fragment:id_token".to_string(), "credential-shaped"),
            ]
        );
        let whole = format!("https://h/cb#{jwt}");
        assert_eq!(
            extra_and_url_leaks(&whole, &[]),
            [("fragment:".to_string(), "credential-shaped")]
        );
        let scrubbed = "https://h/cb#access_token=redacted-1&state=xyz&id_token=redacted-2";
        assert!(extra_and_url_leaks(scrubbed, &[]).is_empty());
    }

    #[test]
    fn a_query_parameter_named_for_a_credential_is_a_leak_and_a_kind_or_other_word_is_not() {
        let url = "https://h/cb?api_key=k9Xq2mPw&token_type=bearer&keyword=x&author=y&limit=10";
        assert_eq!(
            extra_and_url_leaks(url, &[]),
            [(
                "query:api_key".to_string(),
                "heuristic: a token in the query, by its name"
            )]
        );
        let scrubbed = "https://h/cb?api_key=redacted-1&token_type=bearer&keyword=x";
        assert!(extra_and_url_leaks(scrubbed, &[]).is_empty());
        // An empty value holds nothing.
        assert!(extra_and_url_leaks("https://h/cb?client_secret=", &[]).is_empty());
    }

    #[test]
    fn a_path_segment_shaped_like_a_credential_is_a_leak_named_by_its_parameter_or_position() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2lnbmF0dXJlX3g";
        assert_eq!(
            extra_and_url_leaks(&format!("https://h/devices/{jwt}/x"), &[]),
            [("path:#2".to_string(), "credential-shaped")]
        );
        let spec = spec();
        let op = spec.operation("retrieve_device").unwrap();
        let url = format!("https://api.flatpeak.com/devices/{jwt}");
        let view = exchange(&url);
        let leaks: Vec<String> = Sensitivity::of(&spec)
            .leaks(Some(op), &view)
            .iter()
            .map(|l| l.place.label())
            .collect();
        assert_eq!(leaks, ["path:id"]);
        // An id is not a credential's shape.
        assert!(
            extra_and_url_leaks("https://h/devices/dev_63a6087272941ef077a8fd3e", &[]).is_empty()
        );
    }

    #[test]
    fn an_undeclared_json_field_named_for_a_credential_is_a_leak_and_a_declared_one_is_not() {
        let spec = spec();
        let body = br#"{"password": "hunter2", "connect_token": "cot_abc", "token_type": "bearer",
            "note": {"client_secret": "s3cr3t", "Authorization": "Basic dTpw"},
            "api_key": "redacted-1", "keyword": "energy", "refresh_token": 7}"#;
        let view = View {
            response_body: Body::new(body),
            ..exchange("https://auth.example/oauth/token")
        };
        let leaks: Vec<(String, &str)> = Sensitivity::of(&spec)
            .leaks(None, &view)
            .into_iter()
            .map(|l| (l.place.label(), l.why))
            .collect();
        let by_name = "heuristic: a credential, by its field's name";
        assert_eq!(
            leaks,
            [
                ("/password".to_string(), by_name),
                ("/note/client_secret".to_string(), by_name),
                ("/note/Authorization".to_string(), by_name),
            ]
        );
    }

    #[test]
    fn a_user_name_and_password_in_the_request_url_are_a_leak_and_placeholders_are_not() {
        assert_eq!(
            extra_and_url_leaks("https://acc_1:s3cr3t%40x@api.example/devices", &[]),
            [(
                "url:userinfo".to_string(),
                "heuristic: a URL with credentials in it"
            )]
        );
        assert_eq!(extra_and_url_leaks("https://jo@api.example/", &[]).len(), 1);
        let scrubbed = "https://redacted-1:redacted-1@api.example/devices";
        assert!(extra_and_url_leaks(scrubbed, &[]).is_empty());
        assert!(extra_and_url_leaks("https://api.example/devices", &[]).is_empty());
    }

    #[test]
    fn each_value_of_a_key_written_twice_is_judged() {
        let spec = spec();
        let body = br#"{"password": "hunter22", "password": "redacted-1", "note": "x"}"#;
        let view = View {
            request_body: Body::new(body),
            ..exchange("https://auth.example/login")
        };
        let leaks: Vec<(String, Value)> = Sensitivity::of(&spec)
            .leaks(None, &view)
            .into_iter()
            .map(|l| (l.place.label(), l.value))
            .collect();
        assert_eq!(
            leaks,
            [("request:/password".to_string(), Value::from("hunter22"))]
        );
    }

    #[test]
    fn a_header_named_for_a_credential_is_a_leak_and_a_signature_or_key_id_is_not() {
        let spec = spec();
        let sent: Vec<(String, String)> = [
            ("X-Client-Secret", "s3cr3t-1"),
            ("Ocp-Apim-Subscription-Key", "0123abcd"),
            ("Flatpeak-Signature", "v1=c2lnbmF0dXJl"),
            ("Flatpeak-Key-ID", "wsk_live_3f69b1"),
            ("Flatpeak-Signature-Scheme", "v1"),
            ("X-Password", "<redacted>"),
            ("Access-Control-Allow-Credentials", "true"),
            ("Signature-Input", "sig1=(\"@method\");keyid=\"k\""),
            ("X-Hub-Signature-256", "sha256=abc123"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("X-Auth-Enabled", "false"),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        let view = View {
            request_headers: &sent,
            ..exchange("https://h/x")
        };
        let leaks: Vec<String> = Sensitivity::of(&spec)
            .leaks(None, &view)
            .iter()
            .map(|l| l.place.label())
            .collect();
        assert_eq!(
            leaks,
            ["header:X-Client-Secret", "header:Ocp-Apim-Subscription-Key"]
        );
    }

    #[test]
    fn har_extras_are_judged_by_their_kind() {
        let extra = |pointer: &str, value: &str, kind: ExtraKind| Extra {
            pointer: pointer.into(),
            value: value.into(),
            kind,
        };
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2ln";
        let extras = [
            extra(
                "/r",
                &format!("https://h/cb?code=1#access_token={jwt}"),
                ExtraKind::Text,
            ),
            extra("/c", "written by hand", ExtraKind::Text),
            extra("/t", "https://h/cb?access_token=abc", ExtraKind::Text),
            extra("/k", "s1", ExtraKind::Cookie),
            extra("/k2", "<redacted>", ExtraKind::Cookie),
            extra(
                "/f",
                "jo@sparks.example",
                ExtraKind::FormField("email".into()),
            ),
            extra("/f2", jwt, ExtraKind::FormField("note".into())),
            extra("/f3", "hello", ExtraKind::FormField("note".into())),
        ];
        assert_eq!(
            extra_and_url_leaks("https://h/x", &extras),
            [
                ("har:/r".to_string(), "credential-shaped"),
                (
                    "har:/t".to_string(),
                    "heuristic: a URL with a token in its query"
                ),
                ("har:/k".to_string(), "a cookie"),
                (
                    "har:/f".to_string(),
                    "heuristic: an e-mail address, by its name"
                ),
                ("har:/f2".to_string(), "credential-shaped"),
            ]
        );
    }

    #[test]
    fn a_shown_url_leaves_out_its_user_name_and_password() {
        assert_eq!(
            shown_path("https://acc_1:s3cr%40t@localhost/devices/dev_1"),
            "https://localhost/devices/dev_1"
        );
        assert_eq!(shown_path("/devices/dev_1"), "/devices/dev_1");
    }

    #[test]
    fn a_shown_path_fingerprints_token_and_e_mail_segments_and_keeps_the_rest() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2ln";
        let shown = shown_path(&format!("/v1/users/jo%40sparks.example/{jwt}/dev_1"));
        assert_eq!(
            shown,
            format!(
                "/v1/users/{}/{}/dev_1",
                record::fingerprint("jo@sparks.example"),
                record::fingerprint(jwt)
            )
        );
        assert!(
            shown.contains("<redacted>") || shown.contains("… ("),
            "{shown}"
        );
        assert_eq!(shown_path("/devices/dev_1"), "/devices/dev_1");
    }

    #[test]
    fn a_file_s_finding_names_the_file_and_pointer_and_shows_a_fingerprint() {
        let leak = Leak {
            place: Place::Har("/log/pages/0/title".into()),
            value: json!("sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
            hint: Hint::Text(None),
            why: "credential-shaped",
        };
        let finding = &file_findings("x.har", &[leak])[0];
        assert_eq!(
            (
                finding.file.as_str(),
                finding.pointer.as_str(),
                finding.interaction
            ),
            ("x.har", "har:/log/pages/0/title", None)
        );
        assert!(!format!("{finding:?}").contains("4eC39"), "{finding:?}");
    }

    #[test]
    fn a_finding_shows_a_fingerprint_never_the_value() {
        let it = crate::model::Interaction::sample(0);
        let site = Site {
            interaction: &it,
            operation: Some("op"),
        };
        let leak = Leak {
            place: Place::RequestHeader("Authorization".into()),
            value: json!("Bearer s3cr3t-t0ken-value"),
            hint: Hint::Text(None),
            why: "a credential header",
        };
        let finding = &findings(site, &[leak])[0];
        let shown = format!("{} {} {}", finding.message, finding.expected, finding.found);
        assert!(!shown.contains("s3cr3t"), "{shown}");
        // Text with a space shows no start (`Bearer` here, a house number in an address).
        assert!(shown.contains("\"\"… (25 chars)"), "{shown}");
        assert_eq!(finding.pointer, "header:Authorization");
    }

    #[test]
    fn other_findings_and_the_client_message_show_the_fingerprint_too() {
        let it = crate::model::Interaction::sample(0);
        let site = Site {
            interaction: &it,
            operation: Some("op"),
        };
        let key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
        let leak = |value: Value| Leak {
            place: Place::ResponseBody("/account_id".into()),
            value,
            hint: Hint::Text(None),
            why: "credential-shaped",
        };
        let leaks = [leak(json!(key)), leak(json!("say \"hi\""))];
        let mut found = findings(site, &leaks);
        // Quoted whole, cut by an excerpt, and escaped inside a JSON string.
        found.push(
            Finding::at(site, Kind::Schema, "/account_id")
                .expected("a pattern", format!("\"{}...", &key[..20]))
                .message(format!(
                    "\"{key}\" does not match; {{\"a\":\"say \\\"hi\\\"\"}}"
                )),
        );
        let mut message = format!("invalid type: string \"{key}\", expected an id");
        mask(&leaks, &mut found, [&mut message]);
        let shown = format!("{found:?} {message}");
        assert!(!shown.contains("4eC39"), "{shown}");
        assert!(!shown.contains("hi\\\\\\\""), "{shown}");
        let schema = &found[2];
        assert_eq!(schema.found, "\"sk_l\"… (32 chars)...");
        assert_eq!(
            schema.message,
            "\"sk_l\"… (32 chars) does not match; {\"a\":\"\"… (8 chars)}"
        );
        assert_eq!(
            message,
            "invalid type: string \"sk_l\"… (32 chars), expected an id"
        );
        // A value too short to look for is left where it is.
        let mut short = vec![Finding::at(site, Kind::Schema, "").message("ab ab")];
        mask(&[leak(json!("ab"))], &mut short, []);
        assert_eq!(short[0].message, "ab ab");
    }
}

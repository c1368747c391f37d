//! Serving one recorded response from a wiremock server on loopback and calling the generated
//! client's method for its operation, with the recorded parameters.
//!
//! A [`Replayer`] owns one `MockServer` and a client of each release pointed at it (the
//! interaction's release says which one calls), and replays interactions
//! one at a time, so a run needs only as many servers as it runs interactions at once
//! ([`Replayers`] starts them, sharing one HTTP client). Its server has one mock, mounted
//! once, that serves whatever response is on the replayer's stage and notes each request it
//! answers: putting the next response on stage is a lock and a swap, where resetting the
//! server and mounting a new mock per interaction cost a good share of a run. The call itself
//! is in `replay_table/`, generated from each release's spec by `cargo xtask generate`, so a
//! new operation or release needs no hand-written replay code.

use std::fmt::Display;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use progenitor_client::{Error as ClientError, ResponseValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wiremock::http::{HeaderName, HeaderValue};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::RunError;
use crate::model::{ClientErrorKind, Finding, Interaction, Kind, Outcome, Severity, Site};
use crate::route::Route;
use crate::schema::Schemas;
use crate::spec::Location;

// Each release's table (`mod zero`, ...) and `Clients`, which dispatches to them: generated.
#[allow(unused_mut, dead_code, clippy::all)]
mod table {
    include!("replay_table/releases.rs");
}

use table::Clients;

/// Headers that describe the recorded connection or transfer rather than the response:
/// served again they would be wrong (a recorded `Content-Length` of a body a recorder decoded,
/// a `Content-Encoding` of a body stored decoded). `Location` is dropped so that a recorded
/// redirect is not followed to the recorded (real) host.
const NOT_SERVED: [&str; 6] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "content-encoding",
    "location",
];

/// One wiremock server and a client pointed at it.
#[derive(Debug)]
pub struct Replayer {
    /// Kept for its lifetime: dropping it stops the server.
    _server: MockServer,
    stage: Arc<Stage>,
    clients: Clients,
    base_path: String,
    keep_values: bool,
}

/// What the replayer's server answers with, and what it was asked.
#[derive(Debug, Default)]
struct Stage {
    response: Mutex<Option<ResponseTemplate>>,
    received: Mutex<Vec<Received>>,
}

/// A request the server answered: what [`Replayer::check_request`] compares.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    url: url::Url,
    body: Vec<u8>,
}

impl Stage {
    /// Puts `response` on stage and forgets the requests answered so far.
    fn set(&self, response: ResponseTemplate) {
        *lock(&self.response) = Some(response);
        lock(&self.received).clear();
    }

    /// The mock's answer: the response on stage (a `599` when there is none, which the client
    /// reports as an unexpected status), noting the request.
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        lock(&self.received).push(Received {
            method: request.method.to_string(),
            url: request.url.clone(),
            body: request.body.clone(),
        });
        lock(&self.response)
            .clone()
            .unwrap_or_else(|| ResponseTemplate::new(599))
    }

    fn received(&self) -> Vec<Received> {
        lock(&self.received).clone()
    }
}

/// A poisoned lock only means another replay panicked; the data is still whole.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where a parameter goes; the generated table names it for [`Args::get`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A path template parameter.
    Path,
    /// A query parameter.
    Query,
    /// A request header. (Flatpeak's operations take none; the table uses it for a spec that
    /// does.)
    #[allow(dead_code)]
    Header,
}

/// Why an interaction was not replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReplayed {
    /// A recorded parameter is one the client refuses to send (an error).
    Refused(String),
    /// The client refuses a recorded value that the `request` check already reported as
    /// breaking the spec: no finding of its own.
    Reported,
    /// The replay table cannot call this operation (a warning: the other checks still run).
    Unsupported(String),
}

/// What the `request` check found wrong with a recorded request, so that the replay does not
/// report the same value again when the client refuses it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Parameters with a `request` error, as `query:limit`.
    pub parameters: std::collections::BTreeSet<String>,
    /// Whether the body has a `request` error.
    pub body: bool,
}

impl NotReplayed {
    /// The client has no method for `operation`: the spec given to the gate is not the one
    /// the client was generated from.
    pub fn unknown(operation: &str) -> Self {
        NotReplayed::Unsupported(format!(
            "the generated client has no operation `{operation}` (is --spec the spec it was \
             generated from?)"
        ))
    }

    /// The generator could not write a call for this operation, for `reason`. (It can for
    /// all of Flatpeak's; the table uses this for a spec where it cannot.)
    #[allow(dead_code)]
    pub fn unsupported(reason: &str) -> Self {
        NotReplayed::Unsupported(reason.to_string())
    }
}

/// The recorded request's parameters, as the generated table asks for them.
#[derive(Debug)]
pub struct Args<'a> {
    route: &'a Route<'a>,
    interaction: &'a Interaction,
    keep_values: bool,
    faults: &'a Faults,
}

impl Args<'_> {
    /// The recorded value of parameter `name`, parsed as the client's type for it. `None`
    /// when it was not recorded (the client then reports a missing required parameter).
    pub fn get<T>(&self, at: In, name: &str) -> Result<Option<T>, NotReplayed>
    where
        T: FromStr,
        T::Err: Display,
    {
        let raw = match at {
            In::Path => lookup(&self.route.path_params, name),
            In::Query => lookup(&self.route.query, name),
            In::Header => self.interaction.request.header(name).map(str::to_string),
        };
        let Some(raw) = raw else { return Ok(None) };
        let place = match at {
            In::Path => "path",
            In::Query => "query",
            In::Header => "header",
        };
        if self.faults.parameters.contains(&format!("{place}:{name}")) {
            return raw.parse().map(Some).map_err(|_| NotReplayed::Reported);
        }
        raw.parse().map(Some).map_err(|e: T::Err| {
            NotReplayed::Refused(format!(
                "the client refuses the recorded {place} parameter `{name}` = `{}`: {e}",
                excerpt(&raw)
            ))
        })
    }

    /// The recorded JSON request body, parsed as the client's body type.
    pub fn body<T: DeserializeOwned>(&self) -> Result<Option<T>, NotReplayed> {
        let body = &self.interaction.request.body;
        if body.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(body)
            .map(Some)
            .map_err(|e| match self.faults.body {
                true => NotReplayed::Reported,
                false => NotReplayed::Refused(format!(
                    "the recorded request body is not the client's type: {e}"
                )),
            })
    }

    /// What the client produced, as plain data. For a body the client could not parse, the
    /// JSON pointer where its parser stopped (for the type the status called for).
    pub fn outcome<T, E>(&self, result: Result<ResponseValue<T>, ClientError<E>>) -> Outcome
    where
        T: Serialize + DeserializeOwned,
        E: Serialize + DeserializeOwned,
    {
        match result {
            Ok(value) => Outcome::Value {
                status: value.status().as_u16(),
                type_name: type_name::<T>(),
                value: self.keep_values.then(|| to_json(&value.into_inner())),
            },
            Err(ClientError::ErrorResponse(value)) => Outcome::ApiError {
                status: value.status().as_u16(),
                type_name: type_name::<E>(),
                value: self.keep_values.then(|| to_json(&value.into_inner())),
            },
            Err(ClientError::InvalidResponsePayload(bytes, e)) => {
                let success = (200..300).contains(&self.interaction.response.status);
                let pointer = if success {
                    stopped_at::<T>(&bytes)
                } else {
                    stopped_at::<E>(&bytes)
                };
                client_error(
                    ClientErrorKind::InvalidResponsePayload,
                    e.to_string(),
                    pointer,
                )
            }
            Err(ClientError::UnexpectedResponse(r)) => self.unexpected::<E>(r.status().as_u16()),
            Err(ClientError::InvalidRequest(m)) => {
                client_error(ClientErrorKind::InvalidRequest, m, None)
            }
            Err(ClientError::CommunicationError(e)) => {
                client_error(ClientErrorKind::CommunicationError, e.to_string(), None)
            }
            Err(ClientError::InvalidUpgrade(e)) => {
                client_error(ClientErrorKind::InvalidUpgrade, e.to_string(), None)
            }
            Err(ClientError::ResponseBodyError(e)) => {
                client_error(ClientErrorKind::ResponseBodyError, e.to_string(), None)
            }
            Err(ClientError::Custom(m)) => client_error(ClientErrorKind::Custom, m, None),
        }
    }
}

impl Args<'_> {
    /// `UnexpectedResponse` means one of three things: an error status, which the client's
    /// hooks hand over whole and `flatpeak::Error` reads the envelope `E` from; an error status
    /// whose body is not the envelope; or a status the client has no arm for. Tell them apart
    /// by the status and the body.
    fn unexpected<E: Serialize + DeserializeOwned>(&self, status: u16) -> Outcome {
        let body = &self.interaction.response.body;
        if status >= 400
            && let Ok(envelope) = serde_json::from_slice::<E>(body)
        {
            return Outcome::ApiError {
                status,
                type_name: type_name::<E>(),
                value: self.keep_values.then(|| to_json(&envelope)),
            };
        }
        match (status >= 400).then(|| stopped_at::<E>(body)).flatten() {
            Some(pointer) => client_error(
                ClientErrorKind::UnexpectedResponse,
                format!("the {status} body is not the documented error type"),
                Some(pointer),
            ),
            None => client_error(
                ClientErrorKind::UnexpectedResponse,
                format!("status {status} is not one the client expects"),
                None,
            ),
        }
    }
}

fn lookup(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

fn client_error(variant: ClientErrorKind, message: String, pointer: Option<String>) -> Outcome {
    Outcome::ClientError {
        variant,
        message,
        pointer,
    }
}

/// `flatpeak::envelope::ErrorEnvelope` -> `flatpeak::ErrorEnvelope`: the name users see
/// (release types, `flatpeak::zero::types::Device`, are named as they are).
fn type_name<T>() -> String {
    std::any::type_name::<T>().replace("flatpeak::envelope::", "flatpeak::")
}

fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value)
        .unwrap_or_else(|e| serde_json::Value::String(format!("(cannot serialise: {e})")))
}

/// Parses `bytes` as `T` again, only to learn where the parser stopped.
fn stopped_at<T: DeserializeOwned>(bytes: &[u8]) -> Option<String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let err = serde_path_to_error::deserialize::<_, T>(&mut de).err()?;
    let mut pointer = String::new();
    for segment in err.path().iter() {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Seq { index } => crate::spec::push_index(&mut pointer, *index),
            Segment::Map { key } => crate::spec::push_token(&mut pointer, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    Some(pointer)
}

/// How the replay builds each release's client: the generated `Clients` asks for one of each.
pub trait BuildClient {
    /// A client of release `C`.
    fn build<C: flatpeak::ReleaseClient>(&self) -> Result<C, flatpeak::BuildError>;
}

/// The replay's client settings, for every release.
struct ReplaySettings<'a> {
    base_url: &'a str,
}

impl BuildClient for ReplaySettings<'_> {
    fn build<C: flatpeak::ReleaseClient>(&self) -> Result<C, flatpeak::BuildError> {
        flatpeak::ClientBuilder::<C>::default()
            .bearer_token("conformance-replay")
            .base_url(self.base_url)
            .timeout(Duration::from_secs(30))
            // A recorded 429 or 500 is served once and must be judged as it is.
            .retry(flatpeak::RetryPolicy::disabled())
            // The body is the recording's, in memory already: the client reads it whole, as
            // the schema check does.
            .max_body_bytes(u64::MAX)
            .build()
    }
}

/// Starts [`Replayer`]s that share one client configuration, and so one HTTP client per
/// release: building one loads the TLS roots, milliseconds that a small run would notice once
/// per replayer.
#[derive(Debug, Clone)]
pub struct Replayers {
    clients: Clients,
    base_path: String,
    /// `base_path` as the client's base URL ends: checked and normalised by its builder.
    url_path: String,
    keep_values: bool,
}

/// The origin the shared client is built with; each replayer replaces it with its server's.
const PLACEHOLDER: &str = "http://127.0.0.1:1";

impl Replayers {
    /// The client every replayer uses. `base_path` is the server URL's path from the spec
    /// (empty for Flatpeak); `keep_values` is [`Config::keep_values`](crate::Config::keep_values).
    pub fn new(base_path: &str, keep_values: bool) -> Result<Replayers, RunError> {
        let base_url = format!("{PLACEHOLDER}{base_path}");
        let clients = Clients::build(ReplaySettings {
            base_url: &base_url,
        })?;
        let url_path = clients
            .baseurl()
            .strip_prefix(PLACEHOLDER)
            .unwrap_or_default()
            .to_string();
        Ok(Replayers {
            clients,
            base_path: base_path.to_string(),
            url_path,
            keep_values,
        })
    }

    /// Starts a server on loopback and points a client at it.
    pub async fn start(&self) -> Replayer {
        // The stage notes what the replay compares; wiremock's own recording would copy every
        // request's headers and body for nothing.
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        let stage = Arc::new(Stage::default());
        let answering = Arc::clone(&stage);
        Mock::given(wiremock::matchers::any())
            .respond_with(move |request: &wiremock::Request| answering.respond(request))
            .mount(&server)
            .await;
        let clients = self
            .clients
            .at(&format!("{}{}", server.uri(), self.url_path));
        Replayer {
            _server: server,
            stage,
            clients,
            base_path: self.base_path.clone(),
            keep_values: self.keep_values,
        }
    }
}

impl Replayer {
    /// Serves `interaction`'s response and calls `release`'s client for `route`'s operation
    /// (`schemas`: that release's).
    /// Returns what the client produced, if it was called, and `replay` findings.
    pub(crate) async fn replay(
        &self,
        site: Site<'_>,
        interaction: &Interaction,
        route: &Route<'_>,
        faults: &Faults,
        release: &str,
        schemas: &Schemas,
    ) -> (Option<Outcome>, Vec<Finding>) {
        let (template, mut findings) = serve(site, interaction);
        let Some(template) = template else {
            return (None, findings);
        };
        self.stage.set(template);
        let args = Args {
            route,
            interaction,
            keep_values: self.keep_values,
            faults,
        };
        match self.clients.call(release, &route.operation.id, &args).await {
            Ok(outcome) => {
                findings.extend(self.check_request(site, interaction, route, schemas));
                (Some(outcome), findings)
            }
            Err(not) => {
                findings.extend(not_replayed(site, not));
                (None, findings)
            }
        }
    }

    /// The client must have sent the recorded request: method, path, the documented query
    /// parameters and the JSON body, compared by what they mean (numbers as numbers, times as
    /// instants, a field left out as one sent `null` or with its default). Otherwise the
    /// response was served to a different request, and the replay proves nothing.
    fn check_request(
        &self,
        site: Site<'_>,
        interaction: &Interaction,
        route: &Route<'_>,
        schemas: &Schemas,
    ) -> Option<Finding> {
        let received = self.stage.received();
        // No request at all: the client refused to send one, which its outcome reports.
        let request = received.first()?;
        let recorded = &interaction.request;
        let sent_path = percent_encoding::percent_decode_str(request.url.path())
            .decode_utf8_lossy()
            .into_owned();
        let recorded_path = format!("{}{}", self.base_path, decoded(&route.path));
        let sent_query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let sent_line = line(&request.method, &sent_path, &sent_query);
        let recorded_line = line(&recorded.method, &recorded_path, &route.query);
        let differs = |pointer: String, what: String| {
            Finding::at(site, Kind::Replay, pointer)
                .expected(recorded_line.clone(), sent_line.clone())
                .message(format!(
                    "the client sent {sent_line} for a recording of {recorded_line}: {what}"
                ))
        };
        if received.len() != 1 {
            return Some(differs(
                String::new(),
                format!("{} requests", received.len()),
            ));
        }
        if !request.method.eq_ignore_ascii_case(&recorded.method) || sent_path != recorded_path {
            return Some(differs(String::new(), "another method or path".to_string()));
        }
        for p in route
            .operation
            .parameters
            .iter()
            .filter(|p| p.location == Location::Query)
        {
            let (was, is) = (values(&route.query, &p.name), values(&sent_query, &p.name));
            let same = was.len() == is.len() && was.iter().zip(&is).all(|(a, b)| same_text(a, b));
            if !same {
                let what = match was.len() == is.len() {
                    true => format!("query parameter `{}` differs", p.name),
                    // A parameter the recording repeats, which the client sends once (or the
                    // other way round): a count, not a value, differs.
                    false => format!(
                        "query parameter `{}` was recorded {} and sent {}",
                        p.name,
                        times(was.len()),
                        times(is.len())
                    ),
                };
                return Some(differs(format!("query:{}", p.name), what));
            }
        }
        let schema = route
            .operation
            .request_body
            .iter()
            .flat_map(|b| b.media.iter())
            .find(|m| m.is_json())
            .and_then(|m| m.schema.as_deref())?;
        let at = body_difference(schemas, schema, &recorded.body, &request.body)?;
        Some(differs(at.clone(), format!("the bodies differ at `{at}`")))
    }
}

/// `once`, `twice`, `3 times`.
fn times(n: usize) -> String {
    match n {
        0 => "not at all".to_string(),
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{n} times"),
    }
}

/// `GET /devices/dev_1?limit=3`, for messages. Query values are cut to a readable length.
fn line(method: &str, path: &str, query: &[(String, String)]) -> String {
    let query: Vec<String> = query
        .iter()
        .map(|(n, v)| format!("{n}={}", excerpt(v)))
        .collect();
    match query.is_empty() {
        true => format!("{} {}", method.to_ascii_uppercase(), excerpt(path)),
        false => format!(
            "{} {}?{}",
            method.to_ascii_uppercase(),
            excerpt(path),
            query.join("&")
        ),
    }
}

fn decoded(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Whether two parameter texts say the same: equal, or equal numbers (`180` and `180.0`), or
/// the same instant (`2026-03-02T00:00:00Z` and `2026-03-02T01:00:00+01:00`).
fn same_text(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) {
        return x == y;
    }
    same_instant(a, b)
}

/// Whether two texts are RFC 3339 times of the same instant: the client sends the `DateTime`
/// it parsed in its own form (UTC, `Z`, no zero fraction), whatever the recording's form.
fn same_instant(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Where the JSON body the client sent differs in meaning from the recorded one (see
/// [`Schemas::meaning`]), as a JSON pointer; `None` when they mean the same, or when the
/// recorded body is not JSON (the `request` check reports that).
fn body_difference(
    schemas: &Schemas,
    schema: &str,
    recorded: &[u8],
    sent: &[u8],
) -> Option<String> {
    let recorded: serde_json::Value = serde_json::from_slice(recorded).ok()?;
    let Ok(sent) = serde_json::from_slice::<serde_json::Value>(sent) else {
        return Some(String::new());
    };
    json_difference(
        &schemas.meaning(schema, &recorded),
        &schemas.meaning(schema, &sent),
        &mut String::new(),
    )
}

/// The first place where `a` and `b` differ, numbers compared as numbers and times as instants.
fn json_difference(
    a: &serde_json::Value,
    b: &serde_json::Value,
    at: &mut String,
) -> Option<String> {
    use serde_json::Value::{Array, Number, Object, String as Text};
    match (a, b) {
        (Number(x), Number(y)) => (x.as_f64() != y.as_f64()).then(|| at.clone()),
        (Text(x), Text(y)) => (x != y && !same_instant(x, y)).then(|| at.clone()),
        (Object(x), Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let len = at.len();
                crate::spec::push_token(at, k);
                let found = match (x.get(k), y.get(k)) {
                    (Some(v), Some(w)) => json_difference(v, w, at),
                    _ => Some(at.clone()),
                };
                at.truncate(len);
                found
            })
        }
        (Array(x), Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (v, w))| {
                let len = at.len();
                crate::spec::push_index(at, i);
                let found = json_difference(v, w, at);
                at.truncate(len);
                found
            })
        }
        _ => (a != b).then(|| at.clone()),
    }
}

/// At most 80 characters of `text`.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

fn not_replayed(site: Site<'_>, not: NotReplayed) -> Option<Finding> {
    let (severity, why) = match not {
        NotReplayed::Refused(why) => (Severity::Error, why),
        NotReplayed::Unsupported(why) => (Severity::Warning, why),
        NotReplayed::Reported => return None,
    };
    Some(
        Finding::at(site, Kind::Replay, "")
            .expected("a call of the generated client", "none")
            .severity(severity)
            .message(format!("not replayed: {why}")),
    )
}

/// The recorded response as a wiremock template. Headers that cannot be served are dropped
/// with a warning each; a status that cannot be served means no replay.
fn serve(site: Site<'_>, interaction: &Interaction) -> (Option<ResponseTemplate>, Vec<Finding>) {
    let response = &interaction.response;
    let Some(status) = u16::try_from(response.status)
        .ok()
        .filter(|s| (100..=999).contains(s))
    else {
        let finding = Finding::at(site, Kind::Replay, "")
            .expected("an HTTP status (100 to 999)", response.status.to_string())
            .severity(Severity::Warning)
            .message(format!(
                "not replayed: status {} cannot be served",
                response.status
            ));
        return (None, vec![finding]);
    };
    let mut template = ResponseTemplate::new(status).set_body_bytes(response.body.clone());
    let mut findings = Vec::new();
    for (name, value) in &response.headers {
        if NOT_SERVED.iter().any(|n| name.eq_ignore_ascii_case(n)) {
            continue;
        }
        match (HeaderName::from_str(name), HeaderValue::from_str(value)) {
            (Ok(n), Ok(v)) => template = template.append_header(n, v),
            _ => findings.push(
                Finding::at(site, Kind::Replay, "")
                    .expected("a valid HTTP header", format!("{name}: {value}"))
                    .severity(Severity::Warning)
                    .message(format!("header `{name}` cannot be served and was left out")),
            ),
        }
    }
    (Some(template), findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interaction(status: i64, headers: &[(&str, &str)]) -> Interaction {
        let mut it = Interaction::sample(3);
        it.response.status = status;
        it.response.headers = headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        it
    }

    fn site(it: &Interaction) -> Site<'_> {
        Site {
            interaction: it,
            operation: Some("op"),
        }
    }

    #[test]
    fn a_status_that_cannot_be_served_is_a_warning_not_a_panic() {
        for status in [0, 99, 1000, -1] {
            let it = interaction(status, &[]);
            let (template, findings) = serve(site(&it), &it);
            assert!(template.is_none(), "{status}");
            assert_eq!(findings[0].kind, Kind::Replay);
            assert_eq!(findings[0].severity, Severity::Warning);
        }
    }

    #[test]
    fn bad_headers_are_left_out_with_a_warning_and_framing_headers_silently() {
        let it = interaction(
            200,
            &[
                ("Content-Length", "999"),
                ("Location", "https://api.flatpeak.com/x"),
                ("bad header", "x"),
                ("X-Ok", "line\nbreak"),
                ("Retry-After", "30"),
            ],
        );
        let (template, findings) = serve(site(&it), &it);
        assert!(template.is_some());
        let left_out: Vec<&str> = findings.iter().map(|f| f.found.as_str()).collect();
        assert_eq!(left_out, ["bad header: x", "X-Ok: line\nbreak"]);
    }

    #[test]
    fn parameter_texts_compare_as_numbers_and_instants() {
        assert!(same_text("180", "180.0"));
        assert!(same_text(
            "2026-03-02T00:00:00Z",
            "2026-03-02T01:00:00+01:00"
        ));
        assert!(same_text("dev_1", "dev_1"));
        assert!(!same_text("180", "181"));
        assert!(!same_text("IMPORT", "EXPORT"));
    }

    #[test]
    fn bodies_differ_where_their_meaning_does() {
        use serde_json::json;
        let at = |a: serde_json::Value, b: serde_json::Value| {
            json_difference(&a, &b, &mut String::new())
        };
        assert_eq!(
            at(
                json!({"v": 20567, "a": [1]}),
                json!({"a": [1.0], "v": 20567.0})
            ),
            None
        );
        assert_eq!(
            at(
                json!({"data": [{"v": 1}, {"v": 2}]}),
                json!({"data": [{"v": 1}, {"v": 3}]})
            ),
            Some("/data/1/v".to_string())
        );
        assert_eq!(at(json!({"a/b": 1}), json!({})), Some("/a~1b".to_string()));
        assert_eq!(
            at(
                json!({"t": "2023-11-07T06:31:56+01:00", "u": "2023-12-07T05:31:56.000Z"}),
                json!({"t": "2023-11-07T05:31:56Z", "u": "2023-12-07T05:31:56Z"})
            ),
            None
        );
        assert_eq!(
            at(
                json!({"t": "2023-11-07T06:31:56Z"}),
                json!({"t": "2023-11-07T05:31:56Z"})
            ),
            Some("/t".to_string())
        );
    }

    #[tokio::test]
    async fn the_server_serves_what_is_on_stage_and_the_replay_compares_what_it_was_asked() {
        let spec = crate::spec::load(std::path::Path::new("../openapi/zero.yaml")).unwrap();
        let replayer = Replayers::new(&spec.base_path, true).unwrap().start().await;
        let device = include_bytes!("../../crates/flatpeak/tests/fixtures/device.json");
        let mut it = interaction(200, &[("Content-Type", "application/json")]);
        it.request.url = "https://api.flatpeak.com/devices/dev_63a6087272941ef077a8fd3e".into();
        it.response.body = device.to_vec();
        let route = crate::route::route(&spec, "GET", &it.request.url).unwrap();

        let release = crate::releases::Checked::load(&crate::Release {
            name: "zero".into(),
            spec: "../openapi/zero.yaml".into(),
        })
        .unwrap();
        let schemas = release.schemas().unwrap();
        let faults = Faults::default();
        let (outcome, findings) = replayer
            .replay(site(&it), &it, &route, &faults, &release.name, schemas)
            .await;
        assert!(findings.is_empty(), "{findings:?}");
        let Some(Outcome::Value {
            status,
            value: Some(value),
            ..
        }) = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(
            (status, &value["id"]),
            (200, &"dev_63a6087272941ef077a8fd3e".into())
        );
        let asked: Vec<String> = replayer
            .stage
            .received()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect();
        assert_eq!(asked, ["GET /devices/dev_63a6087272941ef077a8fd3e"]);

        // A second request for the same recording (a client that retried, say) is reported.
        let _ = replayer
            .clients
            .zero
            .retrieve_device()
            .id("dev_2")
            .send()
            .await;
        let finding = replayer
            .check_request(site(&it), &it, &route, schemas)
            .unwrap();
        assert_eq!(finding.kind, Kind::Replay);
        assert!(
            finding.message.contains(": 2 requests"),
            "{}",
            finding.message
        );

        // The next interaction starts with a clean slate.
        let (_, findings) = replayer
            .replay(site(&it), &it, &route, &faults, &release.name, schemas)
            .await;
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn a_base_path_that_cannot_end_a_url_stops_the_run_and_a_trailing_slash_is_dropped() {
        let err = Replayers::new("v1", true).unwrap_err();
        assert!(
            err.to_string().contains("cannot build the replay client"),
            "{err}"
        );
        assert_eq!(Replayers::new("/v1/", true).unwrap().url_path, "/v1");
        assert_eq!(Replayers::new("", true).unwrap().url_path, "");
    }

    #[test]
    fn every_release_table_calls_every_operation_of_its_spec() {
        let (releases, _) = crate::Release::of_workspace(std::path::Path::new("..")).unwrap();
        assert_eq!(
            releases.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            table::RELEASES
        );
        for release in releases {
            let spec = crate::spec::load(&release.spec).unwrap();
            let ids: Vec<&str> = spec.operations.iter().map(|o| o.id.as_str()).collect();
            assert_eq!(
                table::operations(&release.name),
                ids.as_slice(),
                "{}",
                release.name
            );
        }
    }
}

//! Serving one recorded response from a wiremock server on loopback and calling the generated
//! client's method for its operation, with the recorded parameters.
//!
//! A [`Replayer`] owns one `MockServer` and a client pointed at it, and replays interactions
//! one at a time, so a run needs only as many servers as it runs interactions at once
//! ([`Replayers`] starts them, sharing one HTTP client). Its server has one mock, mounted
//! once, that serves whatever response is on the replayer's stage and notes each request it
//! answers: putting the next response on stage is a lock and a swap, where resetting the
//! server and mounting a new mock per interaction cost a good share of a run. The call itself
//! is in `replay_table.rs`, generated from the spec by `cargo xtask generate`, so a new
//! operation needs no hand-written replay code.

use std::fmt::Display;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use progenitor_client::{Error as ClientError, ResponseValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wiremock::http::{HeaderName, HeaderValue};
use wiremock::{Mock, MockServer, ResponseTemplate};

use flatpeak::ClientInfo as _;

use crate::RunError;
use crate::model::{Finding, Interaction, Kind, Outcome, Severity, Site};
use crate::route::Route;

#[allow(unused_mut, clippy::all)]
mod table {
    include!("replay_table.rs");
}

pub use table::OPERATIONS;

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
    client: flatpeak::Client,
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
    /// A request header.
    Header,
}

/// Why an interaction was not replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReplayed {
    /// A recorded parameter is one the client refuses to send (an error).
    Refused(String),
    /// The replay table cannot call this operation (a warning: the other checks still run).
    Unsupported(String),
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

    /// The generator could not write a call for this operation, for `reason`.
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
        raw.parse().map(Some).map_err(|e: T::Err| {
            NotReplayed::Refused(format!(
                "the client refuses the recorded {at:?} parameter `{name}` = `{raw}`: {e}"
            ))
        })
    }

    /// The recorded JSON request body, parsed as the client's body type.
    pub fn body<T: DeserializeOwned>(&self) -> Result<Option<T>, NotReplayed> {
        let body = &self.interaction.request.body;
        if body.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(body).map(Some).map_err(|e| {
            NotReplayed::Refused(format!(
                "the recorded request body is not the client's type: {e}"
            ))
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
                client_error("InvalidResponsePayload", e.to_string(), pointer)
            }
            Err(ClientError::UnexpectedResponse(r)) => self.unexpected::<E>(r.status().as_u16()),
            Err(ClientError::InvalidRequest(m)) => client_error("InvalidRequest", m, None),
            Err(ClientError::CommunicationError(e)) => {
                client_error("CommunicationError", e.to_string(), None)
            }
            Err(ClientError::InvalidUpgrade(e)) => {
                client_error("InvalidUpgrade", e.to_string(), None)
            }
            Err(ClientError::ResponseBodyError(e)) => {
                client_error("ResponseBodyError", e.to_string(), None)
            }
            Err(ClientError::Custom(m)) => client_error("Custom", m, None),
        }
    }
}

impl Args<'_> {
    /// `UnexpectedResponse` means one of two things: a status the client has no arm for, or
    /// (since the client's hooks keep the status of error bodies that are not the envelope)
    /// an error status whose body is not the error type. Tell them apart by the body.
    fn unexpected<E: DeserializeOwned>(&self, status: u16) -> Outcome {
        let body = &self.interaction.response.body;
        match (status >= 400).then(|| stopped_at::<E>(body)).flatten() {
            Some(pointer) => client_error(
                "UnexpectedResponse",
                format!("the {status} body is not the documented error type"),
                Some(pointer),
            ),
            None => client_error(
                "UnexpectedResponse",
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

fn client_error(variant: &str, message: String, pointer: Option<String>) -> Outcome {
    Outcome::ClientError {
        variant: variant.to_string(),
        message,
        pointer,
    }
}

/// `flatpeak::generated::types::Device` -> `flatpeak::types::Device`: the name users see.
fn type_name<T>() -> String {
    std::any::type_name::<T>().replace("flatpeak::generated::", "flatpeak::")
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
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => pointer.push_str(&format!("/{}", crate::spec::escape(key))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    Some(pointer)
}

/// Starts [`Replayer`]s that share one client configuration, and so one HTTP client: building
/// one loads the TLS roots, milliseconds that a small run would notice once per replayer.
#[derive(Debug, Clone)]
pub struct Replayers {
    client: flatpeak::Client,
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
        let client = flatpeak::Client::builder()
            .bearer_token("conformance-replay")
            .base_url(format!("{PLACEHOLDER}{base_path}"))
            .timeout(Duration::from_secs(30))
            // A recorded 429 or 500 is served once and must be judged as it is.
            .retry(flatpeak::RetryPolicy::disabled())
            .build()
            .map_err(|e| RunError::new(format!("cannot build the replay client: {e}")))?;
        let url_path = client
            .baseurl()
            .strip_prefix(PLACEHOLDER)
            .unwrap_or_default()
            .to_string();
        Ok(Replayers {
            client,
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
        let client = flatpeak::Client::new_with_client(
            &format!("{}{}", server.uri(), self.url_path),
            self.client.client().clone(),
            self.client.inner().clone(),
        );
        Replayer {
            _server: server,
            stage,
            client,
            base_path: self.base_path.clone(),
            keep_values: self.keep_values,
        }
    }
}

impl Replayer {
    /// Serves `interaction`'s response and calls the client for `route`'s operation. Returns
    /// what the client produced, if it was called, and `replay` findings.
    pub async fn replay(
        &self,
        site: Site<'_>,
        interaction: &Interaction,
        route: &Route<'_>,
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
        };
        match table::call(&self.client, &route.operation.id, &args).await {
            Ok(outcome) => {
                findings.extend(self.check_request(site, interaction, route));
                (Some(outcome), findings)
            }
            Err(not) => {
                findings.push(not_replayed(site, not));
                (None, findings)
            }
        }
    }

    /// The client must have sent the recorded method, path and documented query parameters:
    /// otherwise the response was served to a different request, and the replay proves
    /// nothing.
    fn check_request(
        &self,
        site: Site<'_>,
        interaction: &Interaction,
        route: &Route<'_>,
    ) -> Option<Finding> {
        let received = self.stage.received();
        let request = received.first()?;
        let documented: Vec<&str> = route
            .operation
            .parameters
            .iter()
            .filter(|p| p.location == crate::spec::Location::Query)
            .map(|p| p.name.as_str())
            .collect();
        let sent = describe(
            request.method.as_str(),
            request.url.path(),
            request.url.query_pairs().into_owned().collect(),
            &documented,
        );
        let recorded = describe(
            &interaction.request.method,
            &format!("{}{}", self.base_path, route.path),
            route.query.clone(),
            &documented,
        );
        (sent != recorded || received.len() != 1).then(|| {
            Finding::at(site, Kind::Replay, "")
                .expected(recorded.clone(), sent.clone())
                .message(format!(
                    "the client sent {sent} ({} request(s)) for a recording of {recorded}",
                    received.len()
                ))
        })
    }
}

/// `GET /devices/dev_1?limit=3`: decoded path, and only the query parameters the operation
/// documents, sorted (a recorder may keep others, which the client has no way to send).
fn describe(method: &str, path: &str, query: Vec<(String, String)>, documented: &[&str]) -> String {
    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut query: Vec<String> = query
        .into_iter()
        .filter(|(n, _)| documented.contains(&n.as_str()))
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    query.sort();
    match query.is_empty() {
        true => format!("{method} {path}"),
        false => format!("{method} {path}?{}", query.join("&")),
    }
}

fn not_replayed(site: Site<'_>, not: NotReplayed) -> Finding {
    let (severity, why) = match not {
        NotReplayed::Refused(why) => (Severity::Error, why),
        NotReplayed::Unsupported(why) => (Severity::Warning, why),
    };
    Finding::at(site, Kind::Replay, "")
        .expected("a call of the generated client", "none")
        .severity(severity)
        .message(format!("not replayed: {why}"))
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
    fn requests_compare_by_decoded_path_and_documented_query_only() {
        let sent = describe(
            "GET",
            "/devices/dev%5F1",
            vec![("b".into(), "2".into()), ("a".into(), "1".into())],
            &["a", "b"],
        );
        let recorded = describe(
            "GET",
            "/devices/dev_1",
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "2".into()),
                ("x".into(), "y".into()),
            ],
            &["a", "b"],
        );
        assert_eq!(sent, "GET /devices/dev_1?a=1&b=2");
        assert_eq!(sent, recorded);
    }

    #[tokio::test]
    async fn the_server_serves_what_is_on_stage_and_the_replay_compares_what_it_was_asked() {
        let spec = crate::spec::load(std::path::Path::new("../openapi/flatpeak.yaml")).unwrap();
        let replayer = Replayers::new(&spec.base_path, true).unwrap().start().await;
        let device = include_bytes!("../../crates/flatpeak/tests/fixtures/device.json");
        let mut it = interaction(200, &[("Content-Type", "application/json")]);
        it.request.url = "https://api.flatpeak.com/devices/dev_63a6087272941ef077a8fd3e".into();
        it.response.body = device.to_vec();
        let route = crate::route::route(&spec, "GET", &it.request.url).unwrap();

        let (outcome, findings) = replayer.replay(site(&it), &it, &route).await;
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
            .client
            .retrieve_device()
            .device_id("dev_2")
            .send()
            .await;
        let finding = replayer.check_request(site(&it), &it, &route).unwrap();
        assert_eq!(finding.kind, Kind::Replay);
        assert!(
            finding.message.contains("(2 request(s))"),
            "{}",
            finding.message
        );

        // The next interaction starts with a clean slate.
        let (_, findings) = replayer.replay(site(&it), &it, &route).await;
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
    fn every_generated_operation_is_in_the_spec() {
        let spec = crate::spec::load(std::path::Path::new("../openapi/flatpeak.yaml")).unwrap();
        let ids: Vec<&str> = spec.operations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(OPERATIONS, ids.as_slice());
    }
}

//! Helpers shared by the test files: clients with quick retries, response bodies, what a
//! server received, captured logs, and a raw TCP server for the misbehaviour wiremock cannot
//! produce.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses a part

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use flatpeak::zero::Client;
use flatpeak::{ClientBuilder, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const DEVICE: &str = include_str!("../fixtures/device.json");
pub const LOCATION_STATUS: &str = include_str!("../fixtures/location_status.json");
pub const TOKEN: &str = "tok_Bearer_Secret_4f1d2c";
pub const ACCOUNT: &str = "acc_661677911f2197045e6cf1b1";
pub const API_KEY: &str = "key_Api_Secret_9b8a7c";
pub const DEVICE_PATH: &str = "/devices/dev_1";

/// Retries that wait a millisecond, so that retry tests stay fast.
pub fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

/// A bearer-token client for `base` with retries off.
pub fn bearer(base: &str) -> ClientBuilder<Client> {
    Client::builder()
        .bearer_token(TOKEN)
        .base_url(base)
        .retry(RetryPolicy::disabled())
}

/// A client that logs in with the account credentials, retries off.
pub fn account(base: &str) -> ClientBuilder<Client> {
    Client::builder()
        .credentials(ACCOUNT, API_KEY)
        .base_url(base)
        .retry(RetryPolicy::disabled())
}

pub fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// The error envelope with this status class, code and message.
pub fn envelope(kind: &str, code: &str, message: &str) -> String {
    serde_json::json!({
        "object": "error", "live_mode": false, "context": "api.device_retrieve",
        "type": kind, "code": code, "message": message,
        "time_created": "2024-01-01T00:00:00Z"
    })
    .to_string()
}

/// A login answer.
pub fn login_body(token: &str, expires_in: i64) -> String {
    serde_json::json!({"bearer_token": token, "expires_in": expires_in, "live_mode": false})
        .to_string()
}

/// A location as the API sends it: reference `REF-<id>`, post code `WC2N 5EH`, import tariff
/// `CONNECTED`.
pub fn location(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "object": "location", "live_mode": false,
        "reference_id": format!("REF-{id}"), "customer_id": "cus_1",
        "timezone": "Europe/London", "currency_code": "GBP",
        "postal_address": {"post_code": "WC2N 5EH", "country_code": "GB"},
        "tariff_status": {"commodity_import": "CONNECTED"},
        "time_created": "2024-01-01T00:00:00Z", "account_id": ACCOUNT
    })
}

/// One page of a list at `url`.
pub fn page(url: &str, data: Vec<serde_json::Value>, has_more: bool) -> String {
    serde_json::json!({"object": "list", "url": url, "has_more": has_more, "data": data})
        .to_string()
}

/// A location's rates in GBP from 2024-06-15T09:00Z, with these entries.
pub fn tariff_rates(data: serde_json::Value) -> String {
    serde_json::json!({
        "id": "rts_1", "object": "tariff_rate", "live_mode": false, "location_id": "loc_1",
        "location_timezone": "Europe/London", "currency_code": "GBP", "direction": "IMPORT",
        "last_updated": "2024-06-15T00:00:00Z", "next_update": "2024-06-16T00:00:00Z",
        "request": {"include_tariff": true, "include_carbon": false, "direction": "IMPORT",
                    "start_time": "2024-06-15T09:00:00Z", "end_time": "2024-06-16T09:00:00Z"},
        "data": data,
        "account_id": ACCOUNT
    })
    .to_string()
}

/// Every request `server` received, in order.
pub async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap()
}

/// The one request `server` received.
pub async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut requests = received(server).await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.remove(0)
}

/// A request's query as decoded `(name, value)` pairs, in order.
pub fn query(request: &wiremock::Request) -> Vec<(String, String)> {
    request.url.query_pairs().into_owned().collect()
}

/// Query pairs as [`query`] gives them.
pub fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// A request's body as JSON, and its `Content-Type`.
pub fn json_sent(request: &wiremock::Request) -> (serde_json::Value, String) {
    let content_type = request
        .headers
        .get("content-type")
        .map(|v| v.to_str().unwrap());
    (
        serde_json::from_slice(&request.body).unwrap(),
        content_type.unwrap_or_default().to_string(),
    )
}

/// Serves `response` for `GET route`, expecting exactly `calls` requests.
pub async fn mount(
    server: &MockServer,
    route: &str,
    response: ResponseTemplate,
    calls: impl Into<wiremock::Times>,
) {
    mount_verb(server, "GET", route, response, calls).await;
}

/// Serves `response` for `verb route`, expecting exactly `calls` requests.
pub async fn mount_verb(
    server: &MockServer,
    verb: &str,
    route: &str,
    response: ResponseTemplate,
    calls: impl Into<wiremock::Times>,
) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(response)
        .expect(calls)
        .mount(server)
        .await;
}

/// Serves `response` once for the `GET route` whose cursor is `cursor` (name and value), or
/// for the first page, which has none.
pub async fn serve_page(
    server: &MockServer,
    route: &str,
    cursor: Option<(&str, &str)>,
    response: ResponseTemplate,
) {
    let mock = Mock::given(method("GET")).and(path(route));
    let mock = match cursor {
        Some((name, value)) => mock.and(query_param(name, value)),
        None => mock
            .and(query_param_is_missing("starting_after"))
            .and(query_param_is_missing("ending_before")),
    };
    mock.respond_with(response).expect(1).mount(server).await;
}

/// Retrieves `dev_1` and converts the error to [`flatpeak::Error`].
pub async fn device(client: &Client) -> Result<flatpeak::zero::types::Device, flatpeak::Error> {
    let value = client.retrieve_device().id("dev_1").send().await?;
    Ok(value.into_inner())
}

/// Creates a location with an empty body and converts the error to [`flatpeak::Error`].
pub async fn create_location(
    client: &Client,
) -> Result<flatpeak::zero::types::Location, flatpeak::Error> {
    let body = flatpeak::zero::types::LocationCreate::default();
    let value = client.create_location().body(body).send().await?;
    Ok(value.into_inner())
}

/// The error envelope of a `422` with this code, for `GET route`, once.
pub async fn mount_422(server: &MockServer, route: &str, code: &str) {
    let body = envelope("invalid_request", code, "Not now");
    mount(server, route, json(422, &body), 1).await;
}

/// A base URL whose port nobody listens on: every connection to it is refused.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    base
}

/// The error a bearer client without retries gets when the device is answered `response`.
pub async fn error_for(response: ResponseTemplate) -> flatpeak::Error {
    let server = MockServer::start().await;
    mount(&server, DEVICE_PATH, response, 1).await;
    device(&bearer(&server.uri()).build().unwrap())
        .await
        .unwrap_err()
}

/// Retrieves `dev_1` from `calls` tasks at once; every one must succeed.
pub async fn concurrently(client: &Client, calls: usize) {
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { device(&client).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

/// A server on 127.0.0.1 that hands each connection, numbered from 0, to `handle`. Returns
/// its base URL and a count of the connections it accepted.
pub async fn raw_server<F, Fut>(handle: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(usize, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let accepted = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let n = accepted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handle(n, stream));
        }
    });
    (base, count)
}

/// Reads one request head, so that answering does not race the client's write.
pub async fn read_head(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
}

/// Reads the request, then writes `bytes` (errors ignored: the client may have gone).
pub async fn answer(stream: &mut TcpStream, bytes: &[u8]) {
    read_head(stream).await;
    let _ = stream.write_all(bytes).await;
    let _ = stream.flush().await;
}

/// A complete `200` response with a JSON body.
pub fn http_200(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Everything logged while the guard lives, on this thread (the tests run on a current-thread
/// runtime, so the client's tasks log here too).
#[cfg(feature = "tracing")]
#[derive(Clone, Default)]
pub struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(feature = "tracing")]
impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(feature = "tracing")]
impl Captured {
    /// Starts capturing everything, ours and (through the `log` bridge) reqwest's and
    /// hyper's, at TRACE.
    pub fn start() -> (Self, tracing::subscriber::DefaultGuard) {
        static LOG_BRIDGE: std::sync::Once = std::sync::Once::new();
        // reqwest logs through the `log` crate: forward it to tracing.
        LOG_BRIDGE.call_once(|| tracing_log::LogTracer::init().unwrap());
        let captured = Self::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_writer(move || writer.clone())
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

//! Helpers shared by the test files: clients with quick retries, response bodies, and a raw
//! TCP server for the misbehaviour wiremock cannot produce.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses a part

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use flatpeak::{Client, ClientBuilder, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
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
pub fn bearer(base: &str) -> ClientBuilder {
    Client::builder()
        .bearer_token(TOKEN)
        .base_url(base)
        .retry(RetryPolicy::disabled())
}

/// A client that logs in with the account credentials, retries off.
pub fn account(base: &str) -> ClientBuilder {
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

/// Serves `response` for `GET route`, expecting exactly `calls` requests.
pub async fn mount(
    server: &MockServer,
    route: &str,
    response: ResponseTemplate,
    calls: impl Into<wiremock::Times>,
) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(response)
        .expect(calls)
        .mount(server)
        .await;
}

/// Retrieves `dev_1` and converts the error to [`flatpeak::Error`].
pub async fn device(client: &Client) -> Result<flatpeak::types::Device, flatpeak::Error> {
    let value = client.retrieve_device().device_id("dev_1").send().await?;
    Ok(value.into_inner())
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

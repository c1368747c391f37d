//! Recording through the client, end to end: a client with credentials and `record_to` logs in
//! and calls a wiremock server playing the API; its cassettes hold no key, no token and no
//! original sensitive value, and the gate passes them. Concurrency and a directory that
//! cannot be written do not fail calls.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEVICE: &str = include_str!("../../../crates/flatpeak/tests/fixtures/device.json");
const API_KEY: &str = "key_Api_Secret_9b8a7c";
const TOKEN: &str =
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfNjYxNjc3OTExZjIxOTcwNDVlNmNmMWIxIn0.c2lnbmF0dXJl";
const CONNECT_TOKEN: &str = "cot_65e0839faca22517d5d51cd5";

/// The values that must not reach the disk.
const ORIGINALS: [&str; 9] = [
    API_KEY,
    TOKEN,
    CONNECT_TOKEN,
    "ACC1234567890",
    "50.12345",
    "Kingsdown Parade",
    "BS6 5UE",
    "LOC-77",
    "CUS-41",
];

fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string().into_bytes(), "application/json")
}

fn location() -> Value {
    json!({"id": "loc_641b90b758fb8e6293716e40", "object": "location", "live_mode": true,
        "reference_id": "LOC-77", "customer_id": "cus_65e421d1daa4a24082b4f590",
        "timezone": "Europe/London", "currency_code": "GBP",
        "postal_address": {"address_line1": "27 Kingsdown Parade", "city": "Bristol",
                           "post_code": "BS6 5UE", "country_code": "GB"},
        "geo_location": {"lat": 51.46612, "lng": -2.59158},
        "time_created": "2026-03-02T10:30:00Z", "account_id": "acc_661677911f2197045e6cf1b1"})
}

/// A server that answers the login, a device, a location's creation and a connect token.
async fn api() -> MockServer {
    let server = MockServer::start().await;
    let login = json!({"bearer_token": TOKEN, "expires_in": 3600, "live_mode": true});
    let connect = json!({"id": CONNECT_TOKEN, "object": "connect_token", "live_mode": true,
        "customer_id": "cus_65e421d1daa4a24082b4f590", "customer_reference_id": "CUS-41",
        "location_id": "loc_641b90b758fb8e6293716e40", "is_tariff_processed": true,
        "complete_action": "SAVE", "time_created": "2026-03-02T10:15:00Z",
        "time_expiry": "2026-03-03T10:15:00Z"});
    let routes = [
        ("GET", "/login".to_string(), json_response(200, &login)),
        (
            "GET",
            "/devices/dev_63a6087272941ef077a8fd3e".to_string(),
            json_response(200, &serde_json::from_str(DEVICE).unwrap()),
        ),
        (
            "POST",
            "/locations".to_string(),
            json_response(201, &location()),
        ),
        (
            "GET",
            "/connect/tariff/token".to_string(),
            json_response(200, &connect),
        ),
    ];
    for (verb, route, response) in routes {
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    server
}

fn client(server: &MockServer, dir: &Path) -> flatpeak::zero::Client {
    flatpeak::zero::Client::builder()
        .credentials("acc_661677911f2197045e6cf1b1", API_KEY)
        .base_url(server.uri())
        .record_to(dir)
        .build()
        .unwrap()
}

async fn calls(client: &flatpeak::zero::Client) {
    client
        .retrieve_device()
        .id("dev_63a6087272941ef077a8fd3e")
        .send()
        .await
        .unwrap();
    let body = flatpeak::zero::types::LocationCreate::builder()
        .reference_id("LOC-77")
        .customer_id("cus_65e421d1daa4a24082b4f590")
        .postal_address(
            flatpeak::zero::types::PostalAddress::builder()
                .address_line1("27 Kingsdown Parade")
                .city("Bristol")
                .post_code("BS6 5UE")
                .country_code("GB"),
        );
    client.create_location().body(body).send().await.unwrap();
    client
        .exchange_connect_token()
        .connect_token(CONNECT_TOKEN)
        .send()
        .await
        .unwrap();
}

fn cassettes(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    files.sort();
    files
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn recorded_calls_hold_no_secret_and_pass_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let server = api().await;
        calls(&client(&server, dir.path())).await;
    });
    let files = cassettes(dir.path());
    let names: Vec<String> = files
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 4, "the login and three calls: {names:?}");
    for (suffix, name) in [
        "-login.json",
        "-retrieve_device.json",
        "-create_location.json",
        "-exchange_connect_token.json",
    ]
    .iter()
    .zip(&names)
    {
        assert!(name.ends_with(suffix), "{names:?}");
    }
    for (path, text) in &files {
        for original in ORIGINALS {
            assert!(
                !text.contains(original),
                "{}: holds {original}",
                path.display()
            );
        }
    }
    let login = &files[0].1;
    assert!(login.contains("Basic <redacted>"), "{login}");
    let device = &files[1].1;
    assert!(device.contains("Bearer <redacted>"), "{device}");
    // The version the client asked for is recorded, so the gate checks the Zero schemas.
    assert!(device.contains("\"Flatpeak-Version\""), "{device}");
    assert!(device.contains("2024-08-24.zero"), "{device}");
    let connect = &files[3].1;
    assert!(connect.contains("connect_token=cot_redacted"), "{connect}");
    // The same connect token got the same placeholder in the query and in the body.
    let placeholder = connect
        .split("connect_token=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(connect.matches(placeholder).count() >= 2, "{connect}");
    // A `Content-Length` recorded is the length of the body written, scrubbed or not (the
    // received one would tell how long the replaced values were).
    let mut lengths = 0;
    for (path, text) in &files {
        let cassette: serde_json::Value = serde_json::from_str(text).unwrap();
        for part in ["request", "response"] {
            let recorded = &cassette["http_interactions"][0][part];
            let headers = recorded["headers"].as_object().unwrap();
            let length = headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("content-length"));
            if let Some((_, values)) = length {
                let body = recorded["body"]["string"].as_str().unwrap();
                assert_eq!(values[0], body.len().to_string(), "{}", path.display());
                lengths += 1;
            }
        }
    }
    assert!(lengths > 0, "no Content-Length recorded: {files:?}");

    let mut config = common::config(vec![dir.path().to_path_buf()]);
    config.require_coverage = None;
    let report = common::run(&config);
    assert!(
        report.conforms(),
        "{}",
        conformance::report::render(&report, conformance::report::Format::Text)
    );
    assert_eq!(report.summary.interactions, 4);
}

#[test]
fn twenty_concurrent_calls_of_two_clients_give_twenty_whole_cassettes() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let server = api().await;
        let clients = [client(&server, dir.path()), client(&server, dir.path())];
        let calls = (0..20).map(|i| {
            let client = clients[i % 2].clone();
            tokio::spawn(async move {
                client
                    .retrieve_device()
                    .id("dev_63a6087272941ef077a8fd3e")
                    .send()
                    .await
                    .map(drop)
            })
        });
        for call in futures_util::future::join_all(calls).await {
            call.unwrap().unwrap();
        }
    });
    let files = cassettes(dir.path());
    let devices = files
        .iter()
        .filter(|(p, _)| p.to_string_lossy().ends_with("-retrieve_device.json"));
    assert_eq!(devices.count(), 20);
    let logins = files
        .iter()
        .filter(|(p, _)| p.to_string_lossy().ends_with("-login.json"));
    assert_eq!(
        logins.count(),
        2,
        "one login per client, shared by its calls"
    );
    for (path, text) in &files {
        let cassette: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            cassette["http_interactions"].as_array().map(Vec::len),
            Some(1),
            "{}",
            path.display()
        );
        assert!(
            !path.file_name().unwrap().to_string_lossy().starts_with('.'),
            "a temporary file left"
        );
    }
}

#[test]
fn a_directory_that_cannot_be_written_fails_no_call_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let unwritable = blocker.join("recordings");
    let failures = runtime().block_on(async {
        let server = api().await;
        let client = client(&server, &unwritable);
        calls(&client).await;
        client.recording_failures()
    });
    assert_eq!(failures, 4, "the login and three calls");
}

/// A body that is not UTF-8 text (a proxy's binary error page) is recorded byte for byte, as
/// Ruby VCR records one (`base64_string`), where it was written as lossy text; the gate reads
/// the same bytes back.
#[test]
fn a_body_that_is_not_text_is_recorded_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0xff, 0x00, 0xfe];
    runtime().block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/devices/dev_63a6087272941ef077a8fd3e"))
            .respond_with(ResponseTemplate::new(502).set_body_raw(bytes.clone(), "image/png"))
            .mount(&server)
            .await;
        let client = flatpeak::zero::Client::builder()
            .bearer_token("tok_recording_binary_test")
            .base_url(server.uri())
            .retry(flatpeak::RetryPolicy::disabled())
            .record_to(dir.path())
            .build()
            .unwrap();
        let sent = client
            .retrieve_device()
            .id("dev_63a6087272941ef077a8fd3e")
            .send()
            .await;
        assert!(sent.is_err());
    });
    let files = cassettes(dir.path());
    assert_eq!(files.len(), 1, "{files:?}");
    let cassette: flatpeak_redact::vcr::Cassette = serde_json::from_str(&files[0].1).unwrap();
    let response = &cassette.http_interactions[0].response;
    assert_eq!(response.body.as_bytes(), bytes.as_slice());
    let recorded: Value = serde_json::from_str(&files[0].1).unwrap();
    let body = &recorded["http_interactions"][0]["response"]["body"];
    assert!(body.get("base64_string").is_some(), "{body}");
}

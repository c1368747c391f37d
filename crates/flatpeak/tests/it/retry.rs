//! Retries: connection errors, `429` and `5xx` are retried with backoff, honouring
//! `Retry-After`, within the attempt count and the deadline; other `4xx` never are. `POST` and
//! `PATCH` are retried only when the connection could not be made, never after a timeout or
//! an answer.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use common::*;
use flatpeak::{Error, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Answers `first` for the first `times` requests to the device, then the device.
async fn flaky(server: &MockServer, first: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(DEVICE_PATH))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .expect(times)
        .mount(server)
        .await;
    mount(server, DEVICE_PATH, json(200, DEVICE), 1).await;
}

fn retrying(server: &MockServer, policy: RetryPolicy) -> flatpeak::zero::Client {
    bearer(&server.uri()).retry(policy).build().unwrap()
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = MockServer::start().await;
    flaky(&server, ResponseTemplate::new(503), 2).await;
    device(&retrying(&server, quick_retries(3))).await.unwrap();
}

#[tokio::test]
async fn the_default_policy_retries() {
    let server = MockServer::start().await;
    flaky(
        &server,
        json(500, &envelope("api_error", "internal", "Oops")),
        1,
    )
    .await;
    let client = bearer(&server.uri())
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    device(&client).await.unwrap();
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let server = MockServer::start().await;
    let limited = json(429, &envelope("rate_limit", "rate_limited", "Slow down"));
    flaky(&server, limited.insert_header("retry-after", "1"), 1).await;
    let started = Instant::now();
    device(&retrying(&server, quick_retries(2))).await.unwrap();
    // The computed backoff is at most 5 ms: only `Retry-After` explains a one-second wait.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let server = MockServer::start().await;
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    flaky(
        &server,
        ResponseTemplate::new(503).insert_header("retry-after", when.as_str()),
        1,
    )
    .await;
    let started = Instant::now();
    device(&retrying(&server, quick_retries(2))).await.unwrap();
    // The date has whole seconds, so the wait is between one and two seconds.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_returns_at_once() {
    let server = MockServer::start().await;
    let limited = json(429, &envelope("rate_limit", "rate_limited", "Slow down"));
    mount(
        &server,
        DEVICE_PATH,
        limited.insert_header("retry-after", "3600"),
        1,
    )
    .await;
    let err = device(&retrying(&server, quick_retries(5)))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status().as_u16(), 429);
    assert_eq!(api.retry_after(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn attempts_are_bounded() {
    let server = MockServer::start().await;
    mount(&server, DEVICE_PATH, ResponseTemplate::new(502), 4).await;
    let err = device(&retrying(&server, quick_retries(4)))
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 502, "{err}");
}

#[tokio::test]
async fn the_deadline_stops_retries() {
    let server = MockServer::start().await;
    mount(&server, DEVICE_PATH, ResponseTemplate::new(503), 1).await;
    let policy = RetryPolicy::default()
        .max_attempts(10)
        .initial_backoff(Duration::from_secs(2))
        .deadline(Duration::from_millis(100));
    let err = device(&retrying(&server, policy)).await.unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 503);
}

#[tokio::test]
async fn disabled_means_one_attempt() {
    let server = MockServer::start().await;
    mount(&server, DEVICE_PATH, ResponseTemplate::new(503), 1).await;
    let err = device(&retrying(&server, RetryPolicy::disabled()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.status().as_u16() == 503),
        "{err:?}"
    );
}

#[tokio::test]
async fn other_client_errors_are_never_retried() {
    for status in [400, 403, 404, 408, 409, 410, 418] {
        let server = MockServer::start().await;
        let body = envelope("invalid_request", "nope", "No");
        mount(&server, DEVICE_PATH, json(status, &body), 1).await;
        let err = device(&retrying(&server, quick_retries(5)))
            .await
            .unwrap_err();
        assert_eq!(err.status().unwrap().as_u16(), status);
    }
}

#[tokio::test]
async fn the_documented_422_codes_are_not_retried_and_ask_for_15_minutes() {
    let route = "/locations/loc_1/status";
    for code in [
        "account_disabled",
        "no_tariff_connected",
        "pending_connect",
        "no_price_data",
        "api_version_not_supported",
    ] {
        let server = MockServer::start().await;
        mount_422(&server, route, code).await;
        let client = retrying(&server, quick_retries(5));
        let sent = client.retrieve_location_status().id("loc_1").send().await;
        let err = Error::from(sent.unwrap_err());
        let api = err.api().unwrap();
        assert_eq!((api.status().as_u16(), api.code()), (422, Some(code)));
        assert_eq!(api.retry_after(), Some(Duration::from_secs(15 * 60)));
    }
}

#[tokio::test]
async fn a_connection_error_is_retried() {
    let (base, connections) = raw_server(|n, mut stream| async move {
        if n == 0 {
            read_head(&mut stream).await; // then drop: the connection closes with no answer
        } else {
            answer(&mut stream, &http_200(DEVICE)).await;
        }
    })
    .await;
    let client = bearer(&base).retry(quick_retries(3)).build().unwrap();
    device(&client).await.unwrap();
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_after_the_last_attempt() {
    let client = bearer(&closed_port_url())
        .retry(quick_retries(2))
        .build()
        .unwrap();
    let err = device(&client).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.to_string().starts_with("connection failed: "), "{err}");
}

/// Answers `first` to the first `verb route` request, then `then`, expecting two requests.
async fn fails_once(
    server: &MockServer,
    verb: &str,
    route: &str,
    first: ResponseTemplate,
    then: ResponseTemplate,
) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(server)
        .await;
    mount_verb(server, verb, route, then, 1).await;
}

fn meter_record() -> flatpeak::zero::types::MeterRecord {
    serde_json::from_value(serde_json::json!({
        "location_id": "loc_1", "units": "KWH", "value": 1.5,
        "start_time": "2022-02-01T10:00:00Z", "end_time": "2022-02-01T10:30:00Z"
    }))
    .unwrap()
}

#[tokio::test]
async fn get_put_and_delete_are_retried_after_a_500() {
    let server = MockServer::start().await;
    let failed = || json(500, &envelope("api_error", "internal", "Oops"));
    let location = location("loc_1").to_string();
    fails_once(
        &server,
        "GET",
        "/locations/loc_1",
        failed(),
        json(200, &location),
    )
    .await;
    let accepted = json(202, r#"{"message": "Accepted"}"#);
    fails_once(&server, "DELETE", "/locations/loc_1", failed(), accepted).await;
    let batch = json(200, r#"{"id": "bat_1", "object": "meter_batch"}"#);
    fails_once(&server, "PUT", "/meters/interval", failed(), batch).await;
    let client = retrying(&server, quick_retries(3));

    client.retrieve_location().id("loc_1").send().await.unwrap();
    client.delete_location().id("loc_1").send().await.unwrap();
    let records = vec![meter_record()];
    client
        .submit_meter_interval_reads()
        .body(records)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn post_and_patch_are_not_retried_after_a_500() {
    let server = MockServer::start().await;
    let failed = || json(500, &envelope("api_error", "internal", "Oops"));
    mount_verb(&server, "POST", "/locations", failed(), 1).await;
    mount_verb(&server, "PATCH", "/locations/loc_1", failed(), 1).await;
    let client = retrying(&server, quick_retries(3));

    let created = create_location(&client).await.map(drop);
    let updated = client
        .update_location()
        .id("loc_1")
        .body(flatpeak::zero::types::LocationUpdate::default())
        .send()
        .await;

    for err in [created.unwrap_err(), Error::from(updated.unwrap_err())] {
        assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err:?}");
    }
}

#[tokio::test]
async fn a_post_is_not_retried_after_a_timeout() {
    let server = MockServer::start().await;
    let slow = json(201, &location("loc_1").to_string()).set_delay(Duration::from_secs(1));
    mount_verb(&server, "POST", "/locations", slow, 1).await;
    let client = bearer(&server.uri())
        .timeout(Duration::from_millis(100))
        .retry(quick_retries(3))
        .build()
        .unwrap();

    let err = create_location(&client).await.unwrap_err();

    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
}

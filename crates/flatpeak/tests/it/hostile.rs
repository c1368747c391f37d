//! Hostile and broken responses: each ends in a typed error, never a panic, and never with
//! more than the body limit in memory.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::time::Duration;

use common::*;
use flatpeak::{DEFAULT_MAX_BODY_BYTES, Error};
use tokio::io::AsyncWriteExt;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn assert_decode(err: &Error, body: &[u8]) {
    match err {
        Error::Decode { body: kept, .. } => assert_eq!(kept.as_bytes(), body),
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn truncated_json() {
    let body = &DEVICE[..DEVICE.len() / 2];
    assert_decode(&error_for(json(200, body)).await, body.as_bytes());
}

#[tokio::test]
async fn an_empty_200() {
    assert_decode(&error_for(ResponseTemplate::new(200)).await, b"");
}

#[tokio::test]
async fn a_wrong_content_type() {
    let body = "<device><id>dev_1</id></device>";
    let err = error_for(ResponseTemplate::new(200).set_body_raw(body, "application/xml")).await;
    assert_decode(&err, body.as_bytes());
}

#[tokio::test]
async fn valid_json_under_a_wrong_content_type_is_accepted() {
    // Liberal in what it accepts: a proxy that mislabels JSON does not break the call.
    let server = MockServer::start().await;
    let mislabelled = ResponseTemplate::new(200).set_body_raw(DEVICE, "text/plain");
    mount(&server, DEVICE_PATH, mislabelled, 1).await;
    device(&bearer(&server.uri()).build().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn html_on_a_200() {
    let page = "<!doctype html><html><head><title>Sign in to Wi-Fi</title></head></html>";
    let err = error_for(ResponseTemplate::new(200).set_body_raw(page, "text/html")).await;
    assert_decode(&err, page.as_bytes());
}

#[tokio::test]
async fn json_nested_100_000_deep() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_decode(&error_for(json(200, &deep)).await, deep.as_bytes());
    // The same as an error body: no stack overflow either, and the body is kept.
    let err = error_for(json(500, &deep)).await;
    let api = err.api().unwrap();
    assert_eq!(api.body().unwrap().len(), deep.len());
    // At most 200 characters of it, and how many more there were.
    let message = api.message();
    assert!(
        message.chars().count() <= 230 && message.ends_with(" more characters)"),
        "{message}"
    );
}

#[tokio::test]
async fn a_50_mb_body_is_refused_from_its_content_length() {
    let huge = vec![b' '; 50 * 1024 * 1024];
    let err = error_for(ResponseTemplate::new(200).set_body_raw(huge, "application/json")).await;
    match err {
        Error::BodyTooLarge { status, limit } => {
            assert_eq!((status.as_u16(), limit), (200, DEFAULT_MAX_BODY_BYTES));
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn an_endless_chunked_body_is_cut_at_the_limit_while_reading() {
    // No Content-Length, and the server would never stop: the limit has to act mid-stream.
    let (base, _) = raw_server(|_, mut stream| async move {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        answer(&mut stream, head.as_bytes()).await;
        let chunk = format!("4000\r\n{}\r\n", " ".repeat(0x4000));
        while stream.write_all(chunk.as_bytes()).await.is_ok() {}
    })
    .await;
    let client = bearer(&base).max_body_bytes(64 * 1024).build().unwrap();
    let err = device(&client).await.unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 65536, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "HTTP 200 OK response body is larger than the 65536-byte limit"
    );
}

#[tokio::test]
async fn an_oversized_error_body_is_not_retried() {
    let server = MockServer::start().await;
    mount(
        &server,
        DEVICE_PATH,
        ResponseTemplate::new(503).set_body_raw(vec![b'x'; 2048], "text/plain"),
        1,
    )
    .await;
    let client = bearer(&server.uri())
        .max_body_bytes(1024)
        .retry(quick_retries(3))
        .build()
        .unwrap();
    let err = device(&client).await.unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn a_body_slower_than_the_timeout() {
    let (base, _) = raw_server(|_, mut stream| async move {
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2000\r\n\r\n{";
        answer(&mut stream, head.as_bytes()).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let client = bearer(&base)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = device(&client).await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(err.to_string().starts_with("timed out: "), "{err}");
}

#[tokio::test]
async fn headers_slower_than_the_timeout() {
    let slow = json(200, DEVICE).set_delay(Duration::from_secs(5));
    let server = MockServer::start().await;
    mount(&server, DEVICE_PATH, slow, 1).await;
    let client = bearer(&server.uri())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    assert!(matches!(device(&client).await, Err(Error::Timeout(_))));
}

#[tokio::test]
async fn a_connection_closed_mid_body() {
    let (base, _) = raw_server(|_, mut stream| async move {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"id\":";
        answer(&mut stream, head.as_bytes()).await;
        // Dropping the stream closes the connection 994 bytes short.
    })
    .await;
    let err = device(&bearer(&base).build().unwrap()).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn a_connection_closed_mid_body_is_retried() {
    let (base, connections) = raw_server(|n, mut stream| async move {
        let bytes = http_200(DEVICE);
        let cut = if n == 0 { bytes.len() / 2 } else { bytes.len() };
        answer(&mut stream, &bytes[..cut]).await;
    })
    .await;
    let client = bearer(&base).retry(quick_retries(2)).build().unwrap();
    device(&client).await.unwrap();
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(200, DEVICE))
        .expect(0)
        .mount(&elsewhere)
        .await;
    let target = format!("{}{DEVICE_PATH}", elsewhere.uri());
    let redirect = ResponseTemplate::new(302).insert_header("location", target.as_str());
    for builder in [bearer, account] {
        let server = MockServer::start().await;
        mount(&server, DEVICE_PATH, redirect.clone(), 1).await;
        mount(
            &server,
            "/login",
            json(200, &login_body("tok_1", 3600)),
            0..=1,
        )
        .await;
        let err = device(&builder(&server.uri()).build().unwrap())
            .await
            .unwrap_err();
        match &err {
            Error::UnexpectedStatus {
                status, location, ..
            } => {
                assert_eq!(
                    (status.as_u16(), location.as_deref()),
                    (302, Some(target.as_str()))
                );
            }
            other => panic!("expected UnexpectedStatus, got {other:?}"),
        }
        assert!(err.to_string().contains("not followed"), "{err}");
    }
    // Nothing reached the other host, with or without an Authorization header.
    let reached = elsewhere.received_requests().await.unwrap();
    assert!(reached.is_empty(), "{reached:?}");
}

/// The exec hook reads every body; the response progenitor's `UnexpectedResponse` hands a
/// caller of `send()` is a copy whose body can still be read, for a redirect as for an error.
#[tokio::test]
async fn an_unexpected_response_from_send_keeps_a_body_that_can_be_read() {
    for (status, body) in [(302, "moved elsewhere"), (418, "short and stout")] {
        let server = MockServer::start().await;
        let answer = ResponseTemplate::new(status)
            .insert_header("location", "https://elsewhere.example/")
            .set_body_string(body);
        mount(&server, DEVICE_PATH, answer, 1).await;
        let client = bearer(&server.uri()).build().unwrap();
        let sent = client.retrieve_device().id("dev_1").send().await;
        match sent {
            Err(flatpeak::SendError::UnexpectedResponse(response)) => {
                assert_eq!(response.status().as_u16(), status);
                assert_eq!(response.text().await.unwrap(), body);
            }
            other => panic!("{status}: expected UnexpectedResponse, got {other:?}"),
        }
    }
}

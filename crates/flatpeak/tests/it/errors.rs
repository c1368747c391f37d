//! The public error: API errors expose status, envelope fields and response headers; bodies
//! that are not the envelope still give a useful error that keeps the raw body and status;
//! `Display` is one line.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use common::*;
use flatpeak::{Error, ErrorType, SendError};
use wiremock::{MockServer, ResponseTemplate};

fn assert_one_line(err: &Error) {
    let shown = err.to_string();
    assert!(!shown.contains('\n') && !shown.contains('\r'), "{shown:?}");
}

#[tokio::test]
async fn the_envelope_is_exposed_with_version_and_request_id() {
    let response = json(
        404,
        &envelope("invalid_request", "not_found", "No such device"),
    )
    .insert_header("flatpeak-version", "2025-09-14.anode")
    .insert_header("x-request-id", "req_123");
    let err = error_for(response).await;
    let api = err.api().unwrap();
    assert_eq!(api.status().as_u16(), 404);
    assert_eq!(api.error_type(), Some(&ErrorType::InvalidRequest));
    assert_eq!(api.code(), Some("not_found"));
    assert_eq!(api.message(), "No such device");
    assert_eq!(api.context(), Some("api.device_retrieve"));
    assert_eq!(api.flatpeak_version(), Some("2025-09-14.anode"));
    assert_eq!(api.request_id(), Some("req_123"));
    // The envelope is read, and the body it was read from is kept.
    assert!(api.envelope().is_some());
    let sent = envelope("invalid_request", "not_found", "No such device");
    assert_eq!(api.body().unwrap().as_bytes(), sent.as_bytes());
    assert_eq!(
        err.to_string(),
        "HTTP 404 Not Found: No such device (type invalid_request, code not_found, \
         context api.device_retrieve, request id req_123)"
    );
}

#[tokio::test]
async fn a_bare_message_body_keeps_status_message_and_raw_body() {
    let body = r#"{"message": "Not Found"}"#;
    let err = error_for(json(404, body)).await;
    let api = err.api().unwrap();
    assert_eq!((api.status().as_u16(), api.message()), (404, "Not Found"));
    assert_eq!((api.code(), api.error_type()), (None, None));
    assert_eq!(api.body().unwrap().as_bytes(), body.as_bytes());
    assert_eq!(err.to_string(), "HTTP 404 Not Found: Not Found");
}

#[tokio::test]
async fn an_html_502_from_a_proxy_is_a_useful_error() {
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center>nginx</center></body>\r\n</html>";
    let err = error_for(ResponseTemplate::new(502).set_body_raw(page, "text/html")).await;
    let api = err.api().unwrap();
    assert_eq!(api.status().as_u16(), 502);
    assert_eq!(api.message(), "502 Bad Gateway");
    assert_eq!(api.body().unwrap().as_bytes(), page.as_bytes());
    assert_one_line(&err);
}

#[tokio::test]
async fn a_documented_status_with_a_foreign_body_keeps_its_status_in_send_error() {
    // progenitor alone would give `InvalidResponsePayload`, which has no status.
    let server = MockServer::start().await;
    mount(&server, DEVICE_PATH, json(500, r#"{"error": "boom"}"#), 1).await;
    let client = bearer(&server.uri()).build().unwrap();
    let err = client
        .retrieve_device()
        .id("dev_1")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, SendError::UnexpectedResponse(r) if r.status().as_u16() == 500));
    let err = Error::from(err);
    let api = err.api().unwrap();
    assert_eq!(api.message(), r#"{"error": "boom"}"#);
    assert_eq!(
        err.to_string(),
        r#"HTTP 500 Internal Server Error: {"error": "boom"}"#
    );
}

#[tokio::test]
async fn an_envelope_with_an_unknown_type_and_a_multiline_message_is_kept_on_one_line() {
    let body = serde_json::json!({"type": "quota_exceeded", "code": "quota", "message": "line one\nline two"});
    let err = error_for(json(403, &body.to_string())).await;
    let api = err.api().unwrap();
    assert_eq!(
        api.error_type(),
        Some(&ErrorType::Unknown("quota_exceeded".into()))
    );
    assert_eq!(api.message(), "line one line two");
    assert_one_line(&err);
}

#[tokio::test]
async fn an_empty_error_body_gives_the_reason_phrase() {
    let err = error_for(ResponseTemplate::new(503)).await;
    assert_eq!(err.api().unwrap().message(), "Service Unavailable");
    assert_eq!(
        err.to_string(),
        "HTTP 503 Service Unavailable: Service Unavailable"
    );
}

#[tokio::test]
async fn an_answer_that_says_when_to_ask_again_says_it_in_its_message() {
    let body = envelope("rate_limit", "too_many_requests", "Slow down");
    let err = error_for(json(429, &body).insert_header("retry-after", "120")).await;
    assert_eq!(
        err.api().unwrap().retry_after(),
        Some(std::time::Duration::from_secs(120))
    );
    let shown = err.to_string();
    assert!(
        shown.starts_with("HTTP 429 Too Many Requests: Slow down ("),
        "{shown}"
    );
    assert!(shown.ends_with(", retry after 120 s)"), "{shown}");
}

#[tokio::test]
async fn an_undocumented_success_status_is_unexpected() {
    let err = error_for(ResponseTemplate::new(204)).await;
    assert!(
        matches!(&err, Error::UnexpectedStatus { status, .. } if status.as_u16() == 204),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "unexpected HTTP 204 No Content");
}

#[tokio::test]
async fn an_undocumented_success_status_with_the_documented_body_is_that_success() {
    // `retrieve_device` documents `200` only; a `203` (a proxy's, say) with a device in it is
    // the device, and the status it came with is kept.
    let server = MockServer::start().await;
    let device = include_str!("../fixtures/device.json");
    mount(&server, DEVICE_PATH, json(203, device), 1).await;
    let client = bearer(&server.uri()).build().unwrap();
    let value = client.retrieve_device().id("dev_1").send().await.unwrap();
    assert_eq!(value.status().as_u16(), 203);
    let expected: serde_json::Value = serde_json::from_str(device).unwrap();
    assert_eq!(serde_json::to_value(value.into_inner()).unwrap(), expected);

    // A body that is not a device under an undocumented `2xx` stays unexpected, body and all.
    let err = error_for(json(203, r#"{"id": 7}"#)).await;
    match &err {
        Error::UnexpectedStatus { status, body, .. } => {
            assert_eq!(status.as_u16(), 203);
            assert_eq!(body.as_bytes(), br#"{"id": 7}"#);
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_required_field_is_a_decode_error_with_the_body() {
    let body = r#"{"id": "dev_1"}"#;
    let err = error_for(json(200, body)).await;
    let Error::Decode {
        body: kept,
        source,
        answered_by: None,
    } = &err
    else {
        panic!("expected Decode, got {err:?}")
    };
    assert_eq!(kept.as_bytes(), body.as_bytes());
    assert!(source.to_string().contains("missing field"), "{source}");
    assert_one_line(&err);
}

#[tokio::test]
async fn an_invalid_id_is_an_invalid_request() {
    let server = MockServer::start().await;
    let client = bearer(&server.uri()).build().unwrap();
    let err: Error = client
        .retrieve_device()
        .id("nope")
        .send()
        .await
        .unwrap_err()
        .into();
    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("for id")),
        "{err:?}"
    );
    assert!(err.status().is_none());
}

#[test]
fn a_build_error_converts_too() {
    let err: Error = flatpeak::zero::Client::builder()
        .build()
        .unwrap_err()
        .into();
    assert!(matches!(err, Error::Build(_)));
    assert!(
        err.to_string()
            .starts_with("invalid client configuration: no credentials")
    );
}

/// A connection error's message quotes the URL, and a connect token travels in the query: the
/// error shows where the request went, never the token (it reaches logs and terminals).
#[tokio::test]
async fn a_transport_error_does_not_show_a_sensitive_query_value() {
    let client = bearer(&closed_port_url()).build().unwrap();
    let err = client
        .exchange_connect_token()
        .connect_token("ctk_Connect0Secret")
        .send()
        .await
        .unwrap_err();
    let err = Error::from(err);
    assert!(
        matches!(&err, Error::Transport(e) if e.is_connect()),
        "{err:?}"
    );
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(
            shown.contains("/connect/tariff/token?connect_token="),
            "{shown}"
        );
        assert!(!shown.contains("ctk_Connect0Secret"), "{shown}");
    }
}

/// A redirect is not followed and its error names where it led: a connect token the server
/// left in that URL's query is hidden there too.
#[tokio::test]
async fn a_redirect_does_not_show_a_sensitive_query_value() {
    let server = MockServer::start().await;
    let target = format!(
        "{}/elsewhere/connect/tariff/token?connect_token=ctk_Redirect0Secret&page=2",
        server.uri()
    );
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", target.as_str()))
        .mount(&server)
        .await;
    let client = bearer(&server.uri()).build().unwrap();
    let err = client
        .exchange_connect_token()
        .connect_token("ctk_Redirect0Secret")
        .send()
        .await
        .unwrap_err();
    let err = Error::from(err);
    assert!(
        matches!(&err, Error::UnexpectedStatus { location: Some(l), .. }
            if l.ends_with("/elsewhere/connect/tariff/token?connect_token=%5Bredacted%5D&page=2")),
        "{err:?}"
    );
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains("ctk_Redirect0Secret"), "{shown}");
    }
}

//! Logging in with account credentials: one login, cached, refreshed before expiry, shared by
//! concurrent calls, and refreshed once (never in a loop) after a `401`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use flatpeak::Error;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn basic() -> String {
    let pair = format!("{ACCOUNT}:{API_KEY}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// `GET /login` with the right Basic credentials answers `token`, at most `times` times if
/// given, and is expected `calls` times.
async fn login(server: &MockServer, token: &str, expires_in: i64, times: Option<u64>, calls: u64) {
    let mut mock = Mock::given(method("GET"))
        .and(path("/login"))
        .and(header("authorization", basic().as_str()))
        .respond_with(json(200, &login_body(token, expires_in)));
    if let Some(times) = times {
        mock = mock.up_to_n_times(times).with_priority(1);
    }
    mock.expect(calls).mount(server).await;
}

/// `GET /devices/dev_1` with `Bearer token` answers `response`, expected `calls` times.
async fn device_with(server: &MockServer, token: &str, response: ResponseTemplate, calls: u64) {
    Mock::given(method("GET"))
        .and(path(DEVICE_PATH))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(response)
        .expect(calls)
        .mount(server)
        .await;
}

fn unauthorized() -> ResponseTemplate {
    json(
        401,
        &envelope("invalid_request", "token_expired", "Token expired"),
    )
}

#[tokio::test]
async fn logs_in_once_and_reuses_the_token() {
    let server = MockServer::start().await;
    login(&server, "tok_1", 3600, None, 1).await;
    device_with(&server, "tok_1", json(200, DEVICE), 3).await;
    let client = account(&server.uri()).build().unwrap();
    for _ in 0..3 {
        device(&client).await.unwrap();
    }
}

#[tokio::test]
async fn token_is_renewed_before_it_expires() {
    // `expires_in: 0`: the token is due for renewal as soon as it is received.
    let server = MockServer::start().await;
    login(&server, "tok_1", 0, None, 2).await;
    device_with(&server, "tok_1", json(200, DEVICE), 2).await;
    let client = account(&server.uri()).build().unwrap();
    device(&client).await.unwrap();
    device(&client).await.unwrap();
}

#[tokio::test]
async fn concurrent_calls_share_one_login() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/login"))
        .respond_with(json(200, &login_body("tok_1", 3600)).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&server)
        .await;
    device_with(&server, "tok_1", json(200, DEVICE), 20).await;
    let client = account(&server.uri()).build().unwrap();
    concurrently(&client, 20).await;
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_retries_once() {
    let server = MockServer::start().await;
    login(&server, "tok_1", 3600, Some(1), 1).await;
    login(&server, "tok_2", 3600, None, 1).await;
    device_with(&server, "tok_1", unauthorized(), 1).await;
    device_with(&server, "tok_2", json(200, DEVICE), 1).await;
    let client = account(&server.uri()).build().unwrap();
    device(&client).await.unwrap();
}

#[tokio::test]
async fn a_second_401_is_returned_not_looped() {
    let server = MockServer::start().await;
    login(&server, "tok_1", 3600, None, 2).await;
    device_with(&server, "tok_1", unauthorized(), 2).await;
    let client = account(&server.uri()).build().unwrap();
    let err = device(&client).await.unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 401, "{err}");
    assert_eq!(err.api().unwrap().code(), Some("token_expired"));
}

#[tokio::test]
async fn concurrent_401s_share_one_refresh() {
    let server = MockServer::start().await;
    login(&server, "tok_1", 3600, Some(1), 1).await;
    login(&server, "tok_2", 3600, None, 1).await;
    Mock::given(method("GET"))
        .and(path(DEVICE_PATH))
        .and(header("authorization", "Bearer tok_1"))
        .respond_with(unauthorized())
        .mount(&server)
        .await;
    device_with(&server, "tok_2", json(200, DEVICE), 10).await;
    let client = account(&server.uri()).build().unwrap();
    concurrently(&client, 10).await;
}

#[tokio::test]
async fn a_401_with_a_fixed_token_is_not_retried() {
    let server = MockServer::start().await;
    device_with(&server, TOKEN, unauthorized(), 1).await;
    let client = bearer(&server.uri()).build().unwrap();
    let err = device(&client).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.status().as_u16() == 401),
        "{err:?}"
    );
}

#[tokio::test]
async fn refused_credentials_are_a_login_error_and_the_call_is_not_sent() {
    let server = MockServer::start().await;
    let refused = json(
        401,
        &envelope("invalid_request", "invalid_credentials", "Bad key"),
    );
    mount(&server, "/login", refused, 1).await;
    mount(&server, DEVICE_PATH, json(200, DEVICE), 0).await;
    let client = account(&server.uri()).build().unwrap();
    let err = device(&client).await.unwrap_err();
    let Error::Login(inner) = &err else {
        panic!("expected Login, got {err:?}")
    };
    assert_eq!(inner.api().unwrap().code(), Some("invalid_credentials"));
    assert_eq!(err.status().unwrap().as_u16(), 401);
    let shown = format!("{err} {err:?}");
    assert!(shown.starts_with("login failed: HTTP 401"), "{shown}");
    assert!(
        !shown.contains(API_KEY) && !shown.contains(&basic()),
        "{shown}"
    );
}

#[tokio::test]
async fn a_login_answer_without_a_token_is_a_login_error_that_hides_the_body() {
    let server = MockServer::start().await;
    let odd = r#"{"bearer_token": "tok_Leaked_Secret", "expires_in": "soon", "live_mode": true}"#;
    mount(&server, "/login", json(200, odd), 1).await;
    let client = account(&server.uri()).build().unwrap();
    let err = device(&client).await.unwrap_err();
    let Error::Login(inner) = &err else {
        panic!("expected Login, got {err:?}")
    };
    let Error::Decode { body, source, .. } = inner.as_ref() else {
        panic!("expected Decode, got {inner:?}")
    };
    assert!(body.is_empty(), "the login body holds the token: {body:?}");
    assert!(source.to_string().contains("soon"), "{source}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("tok_Leaked_Secret"), "{shown}");
}

#[tokio::test]
async fn login_is_retried_like_any_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/login"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    login(&server, "tok_1", 3600, None, 1).await;
    device_with(&server, "tok_1", json(200, DEVICE), 1).await;
    let client = account(&server.uri())
        .retry(quick_retries(3))
        .build()
        .unwrap();
    device(&client).await.unwrap();
}

#[tokio::test]
async fn the_generated_login_operation_sends_the_basic_credentials() {
    let server = MockServer::start().await;
    login(&server, "tok_1", 3600, None, 1).await;
    let client = account(&server.uri()).build().unwrap();
    let token = client.login().send().await.unwrap().into_inner();
    assert_eq!(token.bearer_token, "tok_1");
}

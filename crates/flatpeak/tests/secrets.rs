//! The bearer token, the API key and the Basic credentials never appear in `Debug`, `Display`,
//! error messages or logs (ours, reqwest's and hyper's, captured at TRACE); our spans carry
//! operation, attempt, status and elapsed time, and no headers or bodies.
#![cfg(feature = "tracing")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use base64::Engine as _;
use common::*;
use wiremock::MockServer;

/// The forms a credential could leak in.
fn secrets() -> Vec<String> {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{API_KEY}"));
    vec![
        TOKEN.into(),
        API_KEY.into(),
        basic,
        "tok_Login_Secret".into(),
    ]
}

fn assert_hidden(text: &str) {
    for secret in secrets() {
        assert!(!text.contains(&secret), "{secret} leaked in:\n{text}");
    }
}

#[tokio::test]
async fn logs_carry_operation_attempt_status_and_no_secrets_headers_or_bodies() {
    let (captured, _guard) = Captured::start();
    let server = MockServer::start().await;
    mount(
        &server,
        DEVICE_PATH,
        wiremock::ResponseTemplate::new(503),
        1,
    )
    .await;
    mount(&server, "/devices/dev_2", json(200, DEVICE), 1).await;
    let client = bearer(&server.uri())
        .retry(quick_retries(1))
        .build()
        .unwrap();
    let err = device(&client).await.unwrap_err();
    client.retrieve_device().id("dev_2").send().await.unwrap();

    let logs = captured.text();
    assert!(logs.contains("flatpeak.request"), "{logs}");
    assert!(
        logs.contains("operation=\"retrieve_device\"") && logs.contains("attempt=1"),
        "{logs}"
    );
    assert!(
        logs.contains("status=503") && logs.contains("status=200"),
        "{logs}"
    );
    assert!(logs.contains("elapsed_ms="), "{logs}");
    assert!(!logs.to_lowercase().contains("authorization"), "{logs}");
    assert!(
        !logs.contains("Europe/London"),
        "a body was logged:\n{logs}"
    );
    assert_hidden(&logs);
    assert_hidden(&format!("{err} {err:?} {client:?}"));
}

#[tokio::test]
async fn a_login_refresh_and_a_refused_login_leak_nothing() {
    let (captured, _guard) = Captured::start();
    let server = MockServer::start().await;
    mount(
        &server,
        "/login",
        json(200, &login_body("tok_Login_Secret", 0)),
        1..,
    )
    .await;
    let expired = json(
        401,
        &envelope("invalid_request", "token_expired", "Expired"),
    );
    mount(&server, DEVICE_PATH, expired, 2).await;
    let client = account(&server.uri())
        .retry(quick_retries(2))
        .build()
        .unwrap();
    let err = device(&client).await.unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 401);
    assert_hidden(&format!("{err} {err:?} {err:#} {client:?}"));

    let refusing = MockServer::start().await;
    let refused = json(
        401,
        &envelope("invalid_request", "invalid_credentials", "Bad key"),
    );
    mount(&refusing, "/login", refused, 1).await;
    let client = account(&refusing.uri()).build().unwrap();
    let err = device(&client).await.unwrap_err();
    assert!(matches!(err, flatpeak::Error::Login(_)), "{err:?}");
    assert_hidden(&format!("{err} {err:?} {client:?}"));
    // The logs were captured (the logins and the calls are in them), and hold no secret.
    let logs = captured.text();
    assert!(
        logs.contains("operation=\"login\"") && logs.contains("status=401"),
        "{logs}"
    );
    assert_hidden(&logs);
}

/// A server (or a proxy) that echoes the request's `Authorization` into its error: the error's
/// message, `Debug` and chain say `[redacted]` where the credential was; for the bearer token,
/// and for the login's Basic value and the API key inside it. (Its log is captured too, as in
/// every test of this file: a thread without a subscriber would make `tracing` cache the
/// client's call sites as uninteresting for the threads that capture.)
#[tokio::test]
async fn an_error_that_echoes_the_credentials_sent_shows_them_redacted() {
    let (captured, _guard) = Captured::start();
    let server = MockServer::start().await;
    let echo = format!("bad header Authorization: Bearer {TOKEN}; again {TOKEN}");
    let body = envelope("invalid_request", "bad_header", &echo);
    mount(&server, DEVICE_PATH, json(400, &body), 1).await;
    let client = bearer(&server.uri()).build().unwrap();
    let err = device(&client).await.unwrap_err();
    let shown = format!("{err} {err:?} {err:#}");
    assert!(
        shown.contains("bad header Authorization: Bearer [redacted]; again [redacted]"),
        "{shown}"
    );
    assert_hidden(&shown);

    let refusing = MockServer::start().await;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{API_KEY}"));
    let echo = format!("Basic {basic} refused: key {API_KEY} is disabled");
    let refused = envelope("invalid_request", "invalid_credentials", &echo);
    mount(&refusing, "/login", json(401, &refused), 1).await;
    let client = account(&refusing.uri()).build().unwrap();
    let err = device(&client).await.unwrap_err();
    let shown = format!("{err} {err:?} {err:#}");
    assert!(
        shown.contains("Basic [redacted] refused: key [redacted]"),
        "{shown}"
    );
    assert_hidden(&shown);
    let logs = captured.text();
    assert!(
        logs.contains("status=400") && logs.contains("status=401"),
        "{logs}"
    );
    assert_hidden(&logs);
}

#[test]
fn builders_and_secrets_print_no_secret() {
    let bearer = flatpeak::zero::Client::builder().bearer_token(TOKEN);
    let account = flatpeak::zero::Client::builder().credentials(ACCOUNT, API_KEY);
    let shown = format!("{bearer:?} {account:?}");
    // The credentials are shown, as placeholders.
    assert_eq!(shown.matches("Secret(***)").count(), 2, "{shown}");
    assert!(shown.contains(ACCOUNT), "{shown}");
    assert_hidden(&shown);
    let key = flatpeak::Secret::new(API_KEY);
    let shown = format!("{key} {key:?}");
    assert_eq!(shown, "*** Secret(***)");
    assert_hidden(&shown);
}

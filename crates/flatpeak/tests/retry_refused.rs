//! A `POST` is retried when the connection is refused: the request was never sent. The
//! attempts are counted from the client's own log (a `flatpeak.request` span per attempt that
//! ends with "no response", a "retrying" event per retry), which never shows a sensitive value
//! of the URL the error names.
//!
//! Alone in its test binary on purpose: a subscriber set for one thread can miss an event
//! whose call site another test thread registers at the same moment (tracing caches each call
//! site's interest globally), which would make the count flaky.
#![cfg(feature = "tracing")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use common::*;
use flatpeak::Error;

#[tokio::test]
async fn a_post_is_retried_when_the_connection_is_refused() {
    let (captured, _guard) = Captured::start();
    // Every connection is refused, so nothing was ever sent.
    let client = bearer(&closed_port_url())
        .retry(quick_retries(3))
        .build()
        .unwrap();

    let err = create_location(&client).await.unwrap_err();

    assert!(
        matches!(&err, Error::Transport(e) if e.is_connect()),
        "{err:?}"
    );
    // Each attempt is a `flatpeak.request` span that ends with "no response"; each retry is
    // announced with "retrying".
    let logs = captured.text();
    let ours = |what: &str| {
        logs.lines()
            .filter(|l| l.contains(what) && l.contains("operation=\"create_location\""))
            .count()
    };
    assert_eq!((ours("no response"), ours("retrying")), (3, 2), "{logs}");

    // The "no response" event quotes the error, and so its URL: a connect token in the query
    // is hidden there too (in this test, where the log is known to be captured).
    let exchange = client
        .exchange_connect_token()
        .connect_token("ctk_Log0Secret");
    assert!(exchange.send().await.is_err());
    let logs = captured.text();
    let failed = logs
        .lines()
        .filter(|l| l.contains("no response") && l.contains("exchange_connect_token"))
        .count();
    assert_eq!(failed, 3, "{logs}");
    assert!(logs.contains("connect_token=%5Bredacted%5D"), "{logs}");
    assert!(!logs.contains("ctk_Log0Secret"), "{logs}");
}

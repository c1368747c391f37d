//! `tracing` spans and events (cargo feature `tracing`, on by default): one span per HTTP
//! attempt with the operation, attempt number, status and elapsed time, and an event per
//! retry. Never a header or a body: they hold tokens and customer data.

use std::future::Future;
use std::time::Duration;

use reqwest::Response;

/// Runs one attempt inside a `flatpeak.request` span and records how it ended.
#[cfg(feature = "tracing")]
pub(crate) async fn attempt(
    operation: &'static str,
    attempt: u32,
    exchange: impl Future<Output = reqwest::Result<Response>>,
) -> reqwest::Result<Response> {
    use tracing::Instrument as _;
    use tracing::field::Empty;

    let span = tracing::debug_span!(
        "flatpeak.request",
        operation,
        attempt,
        status = Empty,
        elapsed_ms = Empty
    );
    // Nobody listens (no subscriber, or one that filters these out): no clock, no wrapper.
    if span.is_disabled() && !tracing::event_enabled!(tracing::Level::DEBUG) {
        return exchange.await;
    }
    let started = std::time::Instant::now();
    let outcome = exchange.instrument(span.clone()).await;
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    span.record("elapsed_ms", elapsed_ms);
    span.in_scope(|| match &outcome {
        Ok(response) => {
            let status = response.status().as_u16();
            span.record("status", status);
            tracing::debug!(status, elapsed_ms, "response");
        }
        // reqwest's message names the URL and the cause; it never holds headers or bodies.
        Err(error) => tracing::debug!(elapsed_ms, %error, "no response"),
    });
    outcome
}

/// Without the `tracing` feature: the attempt alone.
#[cfg(not(feature = "tracing"))]
pub(crate) async fn attempt(
    _operation: &'static str,
    _attempt: u32,
    exchange: impl Future<Output = reqwest::Result<Response>>,
) -> reqwest::Result<Response> {
    exchange.await
}

/// Reports that `attempt` failed and the next one starts after `wait`.
pub(crate) fn retrying(operation: &'static str, attempt: u32, wait: Duration) {
    #[cfg(feature = "tracing")]
    tracing::debug!(
        operation,
        attempt,
        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
        "retrying"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (operation, attempt, wait);
}

/// Reports, once per client, that recording failed (a full disk, a directory without
/// permission): the calls go on, unrecorded.
pub(crate) fn recording_failed(dir: &std::path::Path, error: &std::io::Error) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        dir = %dir.display(),
        %error,
        "recording failed; calls go on, and later failures are counted, not logged"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (dir, error);
}

/// Reports, once per client, that a response came from another release than the one the client
/// sends (`Flatpeak-Version`): the account or a proxy answered with other shapes.
pub(crate) fn other_release(release: &'static str, sent: &str, answered: &str) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        release,
        sent,
        answered,
        "a response came from another Flatpeak release than the client's; its shapes may differ \
         (later responses from it are not logged)"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (release, sent, answered);
}

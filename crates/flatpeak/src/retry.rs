//! When a failed attempt is tried again, and how long to wait first.

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Request, Response};

use crate::call::Call;
use crate::record::Snapshot;
use crate::release::OperationFacts;
use crate::{body, telemetry};

/// How a client ([`ClientBuilder::retry`](crate::ClientBuilder::retry)) retries calls: idempotent ones (`GET`, `PUT`, `DELETE` and
/// the other methods HTTP calls idempotent) after a connection error, a timeout, a `429` or a
/// `5xx`; the others (`POST`, `PATCH`) only when the connection could not be made, so the
/// request cannot have reached the server, never after a timeout or an answer.
///
/// Waits grow exponentially from [`initial_backoff`](Self::initial_backoff) up to
/// [`max_backoff`](Self::max_backoff), each drawn at random from its upper half (jitter, so
/// that many clients do not retry in step). A `Retry-After` header (seconds or an HTTP date)
/// replaces the computed wait. No retry starts once [`deadline`](Self::deadline) has passed
/// since the call began, or when its wait would end after it; the last response or error is
/// returned instead. Other `4xx` statuses, including Flatpeak's `422` codes that must not be
/// retried within 15 minutes, are never retried.
///
/// ```
/// use std::time::Duration;
/// use flatpeak::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(500))
///     .deadline(Duration::from_secs(60));
/// let none = RetryPolicy::disabled();
/// # let _ = (patient, none);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    deadline: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, waits from 250 ms up to 5 s, no retry after 30 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt per call: nothing is retried. (A `401` on a client built from credentials
    /// still causes one token refresh and one retry: that is authentication, not a retry.)
    pub fn disabled() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts per call, the first included. `1` disables retries; `0` counts as `1`.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry; it doubles for each further retry.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest computed wait (a server's `Retry-After` may ask for longer).
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Time from the start of a call after which no retry starts. An attempt already running
    /// is bounded by the client's `timeout`, not by this.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How long to wait before retrying after `outcome` of a request that is `idempotent` or
    /// not, in a call that began at `started`, or `None` for no retry. (The clock is read only
    /// when there is a wait to bound: most calls end at their first answer.)
    fn wait(
        &self,
        attempt: u32,
        outcome: &reqwest::Result<Response>,
        idempotent: bool,
        started: Instant,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let wait = match outcome {
            Err(error) if transient(error) && (idempotent || never_sent(error)) => {
                self.backoff(attempt)
            }
            Ok(response) if idempotent && retryable(response) => {
                retry_after(response.headers(), SystemTime::now())
                    .unwrap_or_else(|| self.backoff(attempt))
            }
            _ => return None,
        };
        (started.elapsed().saturating_add(wait) <= self.deadline).then_some(wait)
    }

    /// The jittered exponential wait after attempt number `attempt` (1-based).
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let half = ceiling / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half.saturating_add(Duration::from_nanos(fastrand::u64(..=spread)))
    }
}

/// Sends `request` with `authorization`, retrying it as `call`'s policy allows.
pub(crate) async fn run(
    call: &Call<'_>,
    mut request: Request,
    operation: &'static OperationFacts,
    authorization: Option<&HeaderValue>,
) -> reqwest::Result<Response> {
    if let Some(value) = authorization {
        request.headers_mut().insert(AUTHORIZATION, value.clone());
    }
    let policy = &call.state.retry;
    let idempotent = request.method().is_idempotent();
    let mut attempt = 1;
    loop {
        // A request with a streamed body cannot be cloned: it gets one attempt. The last
        // attempt needs no copy.
        let spare = if attempt < policy.max_attempts {
            request.try_clone()
        } else {
            None
        };
        let snapshot = call
            .state
            .recorder
            .as_ref()
            .map(|_| Snapshot::of(&request, call.state.flatpeak_version.as_ref()));
        let exchange = async {
            let outcome = body::attempt(call.http, request, call.state.max_body_bytes).await;
            // Before telemetry logs it: the error's URL may hold a connect token.
            outcome.map_err(|error| crate::wire::redacted(operation, error))
        };
        let outcome = telemetry::attempt(operation.id, attempt, exchange).await;
        if let (Some(recorder), Some(snapshot), Ok(response)) =
            (&call.state.recorder, &snapshot, &outcome)
        {
            recorder.record(operation, snapshot, response);
        }
        let wait = policy.wait(attempt, &outcome, idempotent, call.started);
        let (Some(next), Some(wait)) = (spare, wait) else {
            return outcome.map(|response| body::without_credentials(response, authorization));
        };
        drop(outcome);
        telemetry::retrying(operation.id, attempt, wait);
        tokio::time::sleep(wait).await;
        (request, attempt) = (next, attempt + 1);
    }
}

/// A transport failure worth another attempt: anything but a request we built wrong.
fn transient(error: &reqwest::Error) -> bool {
    !error.is_builder() && !error.is_redirect() && !error.is_status()
}

/// A failure to connect (refused, unreachable, no TLS session): the request was not sent, so
/// even a `POST` can be tried again.
fn never_sent(error: &reqwest::Error) -> bool {
    error.is_connect()
}

/// `429` and `5xx`, unless the hooks gave up on the body (it would be too large again).
fn retryable(response: &Response) -> bool {
    let status = response.status();
    (status.as_u16() == 429 || status.is_server_error()) && body::gave_up(response).is_none()
}

/// The wait a `Retry-After` header asks for: delay-seconds or an HTTP date (a date in the past
/// means now). `None` when absent or unreadable.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, retry_after.parse().unwrap());
        headers
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            retry_after(&headers("120"), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(retry_after(&headers(" 0 "), now), Some(Duration::ZERO));
        let later = headers("Sun, 06 Nov 1994 08:50:07 GMT");
        assert_eq!(retry_after(&later, now), Some(Duration::from_secs(30)));
        let past = headers("Sun, 06 Nov 1994 08:00:00 GMT");
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&headers("-5"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_doubles_within_its_jitter_band_and_is_capped() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        for _ in 0..100 {
            let first = policy.backoff(1);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let second = policy.backoff(2);
            assert!((Duration::from_millis(100)..=Duration::from_millis(200)).contains(&second));
            let capped = policy.backoff(30);
            assert!((Duration::from_millis(175)..=Duration::from_millis(350)).contains(&capped));
        }
        assert!(RetryPolicy::default().backoff(u32::MAX) <= Duration::from_secs(5));
    }

    #[test]
    fn disabled_means_one_attempt() {
        assert_eq!(RetryPolicy::disabled().max_attempts, 1);
        assert_eq!(RetryPolicy::default().max_attempts(0).max_attempts, 1);
    }
}

//! The crate's one public error, and how the generated `send()`'s error becomes it.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};

use crate::body::{self, GaveUp};
use crate::release::SlowRetry;
use crate::{BuildError, ErrorEnvelope, ErrorType, SendError, retry};

/// Response headers that may carry a request id, in the order they are looked for.
const REQUEST_ID_HEADERS: [&str; 3] = ["flatpeak-request-id", "request-id", "x-request-id"];

/// How much of a non-envelope body becomes an error's message.
const MESSAGE_CHARS: usize = 200;

/// Everything that can go wrong in a call.
///
/// The generated `send()` methods return [`SendError`] (progenitor's error); `?` in a function
/// returning `Result<_, flatpeak::Error>` converts it, as does `Error::from`. No variant's
/// `Display` or `Debug` holds a token or an API key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status (`4xx` or `5xx`).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request was refused before anything was sent, for example an id that does not
    /// match `^[a-z]{2,4}_[A-Za-z0-9]+$`.
    #[error("invalid request, nothing was sent: {0}")]
    InvalidRequest(String),
    /// A success status whose body is not what the operation returns: truncated, empty, not
    /// JSON, nested too deep, or missing a required field.
    #[error(
        "cannot decode the response body ({} bytes){}: {source}",
        body.len(),
        release_note(answered_by.as_deref())
    )]
    Decode {
        /// The body as received (empty for a login response, which would hold the token).
        body: Body,
        /// Why it does not decode.
        source: serde_json::Error,
        /// The `flatpeak-version` that answered, when it is not the release the client is
        /// pinned to: the body has another release's shape.
        answered_by: Option<String>,
    },
    /// A status the operation does not document and that is not an error: a success whose
    /// body is not the operation's success type (one that is, is that success), or a redirect
    /// (the client never follows redirects, so credentials cannot reach another host).
    #[error("unexpected HTTP {status}{}", redirect_note(location.as_deref()))]
    UnexpectedStatus {
        /// The status received.
        status: StatusCode,
        /// A redirect's `Location`, when there was one.
        location: Option<String>,
        /// The body as received.
        body: Body,
    },
    /// The response body exceeded the client's limit (see
    /// [`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes)); reading
    /// stopped there.
    #[error("HTTP {status} response body is larger than the {limit}-byte limit")]
    BodyTooLarge {
        /// The status received.
        status: StatusCode,
        /// The limit in bytes.
        limit: u64,
    },
    /// The request or the body took longer than the client's `timeout`. A request that changes
    /// something (`POST`, `PUT`, `PATCH`, `DELETE`) may have been applied all the same: the
    /// server may have acted before the answer was lost, so look before sending it again (the
    /// client retries only what is safe to repeat).
    #[error("timed out: {}", describe(.0))]
    Timeout(#[source] reqwest::Error),
    /// The connection failed: refused, reset, closed in the middle of the body, TLS. As with
    /// [`Error::Timeout`], a request that changes something and whose connection failed after
    /// it was sent may have been applied.
    #[error("connection failed: {}", describe(.0))]
    Transport(#[source] reqwest::Error),
    /// `GET /login` gave no token: the credentials were refused, or the answer was no token.
    #[error("login failed: {0}")]
    Login(#[source] Box<Error>),
    /// The client could not be built.
    #[error("invalid client configuration: {0}")]
    Build(#[from] BuildError),
    /// A list's next page began or ended with an item of a page before it: the server ignored
    /// the cursor, and paging on would not end. The stream stops here.
    #[error(
        "the page after `{cursor}` repeated items of a page before: the server ignores the cursor"
    )]
    RepeatedPage {
        /// The cursor the repeated page was asked for with.
        cursor: String,
    },
    /// A failure progenitor reports that none of the above describes (none is known).
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(api) => Some(api.status),
            Self::UnexpectedStatus { status, .. } | Self::BodyTooLarge { status, .. } => {
                Some(*status)
            }
            Self::Timeout(error) | Self::Transport(error) => error.status(),
            Self::Login(inner) => inner.status(),
            _ => None,
        }
    }

    /// The API error, when the server answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(api) => Some(api),
            _ => None,
        }
    }

    fn from_reqwest(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout(error)
        } else {
            Self::Transport(error)
        }
    }

    /// A response progenitor did not decode: see `body.rs` for how it got here.
    fn from_response(response: &reqwest::Response) -> Self {
        let error = Self::from_undecoded(response);
        if body::gave_up(response) == Some(GaveUp::LoginRejected) {
            Self::Login(Box::new(error))
        } else {
            error
        }
    }

    fn from_undecoded(response: &reqwest::Response) -> Self {
        let (status, headers) = (response.status(), response.headers());
        let body = body::raw_body(response).cloned().unwrap_or_default();
        let gave_up = body::gave_up(response);
        if let Some(GaveUp::TooLarge { limit }) = gave_up {
            return Self::BodyTooLarge { status, limit };
        }
        if let Some(other) = body::other_release(response) {
            return Self::Decode {
                body: Body(body),
                source: <serde_json::Error as serde::de::Error>::custom(&other.reason),
                answered_by: Some(other.answered.clone()),
            };
        }
        if status.is_client_error() || status.is_server_error() {
            let mut api = ApiError::from_body(status, headers.clone(), body);
            api.slow_retry = body::answered(response).map(|release| release.slow_retry);
            return Self::Api(Box::new(api));
        }
        if gave_up == Some(GaveUp::LoginRejected) && status.is_success() {
            let source = login_decode_error(&body);
            return Self::Decode {
                body: Body::default(),
                source,
                answered_by: None,
            };
        }
        let location = headers.get(LOCATION).and_then(|v| v.to_str().ok());
        Self::UnexpectedStatus {
            status,
            location: location.map(str::to_string),
            body: Body(body),
        }
    }
}

impl From<SendError> for Error {
    fn from(error: SendError) -> Self {
        match error {
            SendError::InvalidRequest(message) => Self::InvalidRequest(message),
            SendError::CommunicationError(e)
            | SendError::ResponseBodyError(e)
            | SendError::InvalidUpgrade(e) => Self::from_reqwest(e),
            SendError::ErrorResponse(value) => {
                let (status, headers) = (value.status(), value.headers().clone());
                Self::Api(Box::new(ApiError::from_envelope(
                    status,
                    headers,
                    value.into_inner(),
                )))
            }
            SendError::InvalidResponsePayload(body, source) => Self::Decode {
                body: Body(body),
                source,
                answered_by: None,
            },
            SendError::UnexpectedResponse(response) => Self::from_response(&response),
            SendError::Custom(message) => Self::Other(message),
        }
    }
}

/// An error status from the API, with the envelope's fields when the body had them.
///
/// Flatpeak's envelope is `{"object":"error","type":..,"code":..,"message":..,"context":..}`
/// ([`ErrorEnvelope`], read leniently). A body that is not the envelope (an HTML page from a
/// proxy) still gives a message. The raw bytes are kept in [`body`](Self::body) either way.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    headers: HeaderMap,
    envelope: Option<ErrorEnvelope>,
    error_type: Option<ErrorType>,
    code: Option<String>,
    message: String,
    context: Option<String>,
    body: Option<Body>,
    /// The answering release's codes that must not be retried soon, when known.
    slow_retry: Option<SlowRetry>,
}

impl ApiError {
    fn from_envelope(status: StatusCode, headers: HeaderMap, envelope: ErrorEnvelope) -> Self {
        Self {
            status,
            headers,
            error_type: envelope.type_.clone(),
            code: envelope.code.clone(),
            message: one_line(&envelope.message),
            context: envelope.context.clone(),
            envelope: Some(envelope),
            body: None,
            slow_retry: None,
        }
    }

    /// From a body that may be the envelope, part of it, other JSON, or not JSON at all.
    fn from_body(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        if let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(&body) {
            let mut api = Self::from_envelope(status, headers, envelope);
            api.body = Some(Body(body));
            return api;
        }
        let json = serde_json::from_slice::<serde_json::Value>(&body).ok();
        let field = |name: &str| json.as_ref()?.get(name)?.as_str().map(one_line);
        let message = field("message")
            .or_else(|| text_message(&body))
            .or_else(|| status.canonical_reason().map(str::to_string))
            .unwrap_or_default();
        Self {
            status,
            headers,
            envelope: None,
            error_type: field("type").as_deref().map(ErrorType::parse),
            code: field("code"),
            message,
            context: field("context"),
            body: Some(Body(body)),
            slow_retry: None,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The envelope's `type`: `invalid_request` (4xx), `rate_limit` (429), `api_error` (5xx).
    pub fn error_type(&self) -> Option<&ErrorType> {
        self.error_type.as_ref()
    }

    /// The envelope's machine-readable `code`, for example `no_tariff_connected`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The envelope's `message`; else the body's `message`, the start of a text body, or the
    /// status's reason phrase. Always one line.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The envelope's `context`: the API call that failed, for example `api.location_create`.
    pub fn context(&self) -> Option<&str> {
        self.context.as_deref()
    }

    /// The whole envelope, when the body was one.
    pub fn envelope(&self) -> Option<&ErrorEnvelope> {
        self.envelope.as_ref()
    }

    /// The body as received (kept whether or not it was the envelope; `None` only for an
    /// envelope handed over without its bytes).
    pub fn body(&self) -> Option<&Body> {
        self.body.as_ref()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The API version that answered (`flatpeak-version` response header).
    pub fn flatpeak_version(&self) -> Option<&str> {
        self.headers
            .get(&crate::release::VERSION_HEADER)?
            .to_str()
            .ok()
    }

    /// The request id (`flatpeak-request-id`, `request-id` or `x-request-id` header), to
    /// quote to Flatpeak support.
    pub fn request_id(&self) -> Option<&str> {
        REQUEST_ID_HEADERS.iter().find_map(|name| self.header(name))
    }

    /// How long to wait before trying again: the `Retry-After` header; else 15 minutes for
    /// the `422` codes Flatpeak asks not to retry sooner (`no_tariff_connected`, ...).
    pub fn retry_after(&self) -> Option<Duration> {
        retry::retry_after(&self.headers, SystemTime::now()).or_else(|| {
            let (slow, code) = (self.slow_retry.as_ref()?, self.code()?);
            slow.wait(code)
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

impl fmt::Display for ApiError {
    /// `HTTP 404 Not Found: No such device (type invalid_request, code not_found, ...)`, and
    /// when to ask again if the answer says ([`ApiError::retry_after`]: `retry after 120 s`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.message)?;
        let wait = self
            .retry_after()
            .map(|wait| format!("{} s", wait.as_secs()));
        let details: Vec<String> = [
            ("type", self.error_type.as_ref().map(ToString::to_string)),
            ("code", self.code.clone()),
            ("context", self.context.clone()),
            ("request id", self.request_id().map(str::to_string)),
            ("retry after", wait),
        ]
        .into_iter()
        // Server-sent strings: kept to one line each.
        .filter_map(|(label, value)| Some(format!("{label} {}", one_line(&value?))))
        .collect();
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

/// A response body kept for diagnosis. `Debug` shows its length and start, not all of it, and
/// only its length when anything in it is shaped like a credential (a bearer token, a JWT, a
/// well-known key prefix: a server or proxy that echoes the request's headers back), since
/// `Debug` output ends up in logs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Body(Bytes);

impl Body {
    /// The bytes as received.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes as received, without copying.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The whole body is looked at: a credential past the start could still begin in it.
        if flatpeak_redact::holds_token(&String::from_utf8_lossy(&self.0)) {
            return write!(
                f,
                "Body({} bytes, not shown: it holds a credential-shaped value)",
                self.0.len()
            );
        }
        let start = String::from_utf8_lossy(&self.0[..self.0.len().min(64)]);
        write!(f, "Body({} bytes: {start:?})", self.0.len())
    }
}

/// One line of at most [`MESSAGE_CHARS`] characters: runs of whitespace and control characters
/// become one space. A longer line is cut there, and says how much was cut (`… (1234 more
/// characters)`): a proxy's HTML page can be long.
fn one_line(text: &str) -> String {
    let words = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty());
    let line = words.collect::<Vec<_>>().join(" ");
    let total = line.chars().count();
    if total <= MESSAGE_CHARS {
        return line;
    }
    let kept: String = line.chars().take(MESSAGE_CHARS).collect();
    format!("{kept}… ({} more characters)", total - MESSAGE_CHARS)
}

/// A message from a body that is not JSON: an HTML page's `<title>`, or the start of the text.
fn text_message(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let title = text
        .split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(title, _)| title);
    Some(one_line(title.unwrap_or(&text))).filter(|m| !m.is_empty())
}

/// How a decoding error names the release that answered, when it is not the client's.
fn release_note(answered_by: Option<&str>) -> String {
    answered_by
        .map(|version| format!(" from release `{}`", one_line(version)))
        .unwrap_or_default()
}

fn redirect_note(location: Option<&str>) -> String {
    location
        .map(|l| format!(" (redirect to {} not followed)", one_line(l)))
        .unwrap_or_default()
}

/// reqwest's message and, when it adds something, the innermost cause, on one line.
fn describe(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let (outer, inner) = (error.to_string(), cause.to_string());
    if inner == outer {
        one_line(&outer)
    } else {
        one_line(&format!("{outer}: {inner}"))
    }
}

/// Why a `200` login body is no token, from a copy with `bearer_token` blanked, so that the
/// message cannot quote the token.
fn login_decode_error(body: &[u8]) -> serde_json::Error {
    let redacted = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut json) => {
            if let Some(token) = json.get_mut("bearer_token").filter(|t| t.is_string()) {
                *token = "***".into();
            }
            json.to_string().into_bytes()
        }
        Err(_) => body.to_vec(),
    };
    match serde_json::from_slice::<crate::auth::LoginToken>(&redacted) {
        Err(error) => error,
        // The token itself could not go in a header: say so without quoting it.
        Ok(_) => serde_json::Error::io(std::io::Error::other(
            "the bearer_token cannot be sent in an HTTP header",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_debug_shows_its_start_unless_it_holds_a_credential() {
        let plain = Body(Bytes::from_static(br#"{"message":"not found"}"#));
        assert_eq!(
            format!("{plain:?}"),
            r#"Body(23 bytes: "{\"message\":\"not found\"}")"#
        );
        // A proxy that echoes the request's headers: the token straddles the 64th byte, so the
        // start alone would show half of it.
        let echoed =
            r#"{"message":"unauthorised","padding":"xxx","echo":"Bearer tok_SECRET_abc123"}"#;
        assert_eq!(echoed.find("Bearer"), Some(50));
        let shown = format!("{:?}", Body(Bytes::from_static(echoed.as_bytes())));
        assert_eq!(
            shown,
            format!(
                "Body({} bytes, not shown: it holds a credential-shaped value)",
                echoed.len()
            )
        );
        assert!(!shown.contains("tok_SEC"), "{shown}");
    }

    #[test]
    fn one_line_collapses_and_truncates() {
        assert_eq!(one_line("  a\n\tb \u{7}c "), "a b c");
        let long = "x ".repeat(500);
        let cut = one_line(&long);
        assert!(cut.ends_with("… (799 more characters)"), "{cut}");
        assert_eq!(
            cut.split('…').next().unwrap().chars().count(),
            MESSAGE_CHARS
        );
    }

    #[test]
    fn html_title_becomes_the_message() {
        let page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        assert_eq!(text_message(page).as_deref(), Some("502 Bad Gateway"));
        assert_eq!(text_message(b"  \n"), None);
    }

    #[test]
    fn a_page_without_a_title_is_cut_saying_how_much() {
        let page = format!("<html><body>{}</body></html>", "<p>oops</p>".repeat(300));
        let message = text_message(page.as_bytes()).unwrap();
        let cut = page.chars().count() - MESSAGE_CHARS;
        assert!(
            message.ends_with(&format!("… ({cut} more characters)")),
            "{message}"
        );
        assert!(message.chars().count() < MESSAGE_CHARS + 30, "{message}");
    }

    #[test]
    fn login_decode_error_never_quotes_the_token() {
        let body = br#"{"bearer_token":"tok_SECRET","expires_in":"tok_SECRET"}"#;
        let message = login_decode_error(body).to_string();
        assert!(
            message.contains("expires_in") || message.contains("invalid type"),
            "{message}"
        );
        let body = br#"{"bearer_token":"tok_SECRET","expires_in":[1],"live_mode":true}"#;
        assert!(!login_decode_error(body).to_string().contains("tok_SECRET"));
    }
}

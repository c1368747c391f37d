//! One HTTP exchange read to its end under the size limit, and the data the hooks attach to
//! the response for [`crate::Error`].
//!
//! Why the body is read here: the exec hook reads every body in full (stopping at the limit)
//! so that a failure mid-body can be retried and so that nothing downstream can read more than
//! the limit. The bytes go into the response's extensions as a [`RawBody`], which every later
//! step reads: the post hook, the recorder, `send()`'s decoding (`crate::hooks::decode`) and
//! [`crate::Error`]. A response handed on to progenitor's `UnexpectedResponse` is a copy
//! rebuilt around the bytes (so that its body can still be read), made by the post hook for
//! every status that is not a `2xx`; `From<SendError>` reads it without `.await`.
//!
//! Why the post hook turns every error status into `UnexpectedResponse`: progenitor's own path
//! for an error status decodes the envelope into a `ResponseValue`, which drops the raw body,
//! and for a body that is not the envelope (a bare `{"message": ..}`, an HTML page from a
//! proxy) ends in `InvalidResponsePayload(bytes, serde_error)`, which loses the status and
//! headers. `UnexpectedResponse` keeps the whole response, so [`crate::Error`] reads the
//! envelope itself, leniently, and keeps the body; the response also carries its release
//! ([`Answered`]), whose spec says which error codes must not be retried soon. The same route
//! carries the responses the hooks gave up on (body over the limit, a refused login), with the
//! reason as a [`GaveUp`] in the extensions, since a hook can only fail with one of
//! progenitor's variants. Its URL is redacted as an error's is (`wire::url_redacted`): a
//! response's `Debug` shows it. A `2xx` is decoded by `send()` from the [`RawBody`]
//! (`crate::hooks::decode`).

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Request, Response, ResponseBuilderExt, StatusCode};

use crate::release::{OperationFacts, ReleaseFacts};

/// The body as received, attached to every response the exec hook returns.
#[derive(Clone, Debug)]
pub(crate) struct RawBody(pub(crate) Bytes);

/// Why the hooks gave up on a response: nothing more is learnt by retrying it, and
/// [`crate::Error`] says why. The one mark a response carries besides its [`RawBody`]; a new
/// reason is a new variant here, copied by [`rebuild`] with the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GaveUp {
    /// The body was longer than `limit` bytes; it was not read further.
    TooLarge {
        /// The limit it exceeded.
        limit: u64,
    },
    /// This is the response of a `GET /login` that gave no token.
    LoginRejected,
    /// Another release than the client's answered, and the body is not this release's type
    /// (the details are an [`OtherRelease`] beside it).
    OtherRelease,
}

/// Which release answered instead of the client's, and why its body does not decode.
#[derive(Clone, Debug)]
pub(crate) struct OtherRelease {
    /// The `flatpeak-version` of the response.
    pub(crate) answered: String,
    /// The decoding error, as text.
    pub(crate) reason: String,
}

/// The [`OtherRelease`] a response is marked with.
pub(crate) fn other_release(response: &Response) -> Option<&OtherRelease> {
    response.extensions().get::<OtherRelease>()
}

/// The release whose client received a response, attached by the post hook to the responses
/// it hands [`crate::Error`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Answered(pub(crate) &'static ReleaseFacts);

/// Sends one request and reads its body in full, stopping at `limit` bytes: the response
/// comes back with its body read into a [`RawBody`] (empty, and marked [`GaveUp::TooLarge`],
/// past the limit).
pub(crate) async fn attempt(
    http: &reqwest::Client,
    request: Request,
    limit: u64,
) -> reqwest::Result<Response> {
    let mut response = http.execute(request).await?;
    let body = read_limited(&mut response, limit).await?;
    let extensions = response.extensions_mut();
    if body.is_none() {
        extensions.insert(GaveUp::TooLarge { limit });
    }
    extensions.insert(RawBody(body.unwrap_or_default()));
    Ok(response)
}

/// The body, or `None` as soon as it is known to exceed `limit`: from `Content-Length` when the
/// server sends one, else while streaming, so memory never holds more than `limit` bytes.
/// Most bodies arrive in one chunk, which is kept as it came (sharing hyper's read buffer, as
/// reqwest's own `bytes()` does): only a second chunk starts a copy.
async fn read_limited(response: &mut Response, limit: u64) -> reqwest::Result<Option<Bytes>> {
    let declared = response.content_length().unwrap_or(0);
    if declared > limit {
        return Ok(None);
    }
    let Some(first) = response.chunk().await? else {
        return Ok(Some(Bytes::new()));
    };
    if first.len() as u64 > limit {
        return Ok(None);
    }
    let Some(mut chunk) = response.chunk().await? else {
        return Ok(Some(first));
    };
    let capacity = usize::try_from(declared).unwrap_or(0).max(first.len());
    let mut body = BytesMut::with_capacity(capacity);
    body.extend_from_slice(&first);
    loop {
        if (body.len() + chunk.len()) as u64 > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
        match response.chunk().await? {
            Some(next) => chunk = next,
            None => return Ok(Some(body.freeze())),
        }
    }
}

/// What replaces a credential the client sent when an answer quotes it.
const REDACTED: &[u8] = b"[redacted]";

/// The shortest credential masked in an answer: a shorter one (a test's `x`) would match
/// ordinary text.
const SHORTEST_MASKED: usize = 8;

/// `response`, whose body is what every error message is made of, with each credential of
/// `authorization` (the `Authorization` value it answers: a bearer token, a Basic value's
/// base64 and the API key inside it) replaced by `[redacted]` when it is not a success: a
/// server or proxy that echoes the request's headers into its error must not put the token into
/// an [`Error`](crate::Error)'s message, `Debug` or logs. A success's body is the caller's data
/// and is left as it came (the login's answer holds a new token, which is not one of these).
pub(crate) fn without_credentials(
    response: Response,
    authorization: Option<&HeaderValue>,
) -> Response {
    let (Some(authorization), false) = (authorization, response.status().is_success()) else {
        return response;
    };
    let Some(raw) = raw_body(&response) else {
        return response;
    };
    let credentials = credentials_in(authorization);
    let mut masked: Option<Vec<u8>> = None;
    for credential in credentials.iter().filter(|c| c.len() >= SHORTEST_MASKED) {
        let text = masked.as_deref().unwrap_or(raw);
        if let Some(replaced) = replace_all(text, credential.as_bytes()) {
            masked = Some(replaced);
        }
    }
    match masked {
        Some(body) => rebuild(&response, Bytes::from(body)),
        None => response,
    }
}

/// The credentials an `Authorization` value carries: `Bearer T` gives `T`; `Basic B` gives `B`
/// and the password inside it (an API key).
fn credentials_in(authorization: &HeaderValue) -> Vec<String> {
    let value = String::from_utf8_lossy(authorization.as_bytes());
    let (scheme, credential) = value.split_once(' ').unwrap_or(("", &value));
    let mut found = vec![credential.trim().to_string()];
    if scheme.eq_ignore_ascii_case("basic")
        && let Ok(pair) = base64::engine::general_purpose::STANDARD.decode(credential.trim())
        && let Some((_, key)) = String::from_utf8_lossy(&pair).split_once(':')
    {
        found.push(key.to_string());
    }
    found
}

/// `text` with every occurrence of `needle` replaced by [`REDACTED`]; `None` when it has none.
fn replace_all(text: &[u8], needle: &[u8]) -> Option<Vec<u8>> {
    let mut found = memchr::memmem::find_iter(text, needle).peekable();
    found.peek()?;
    let mut out = Vec::with_capacity(text.len());
    let mut from = 0;
    for at in found {
        out.extend_from_slice(&text[from..at]);
        out.extend_from_slice(REDACTED);
        from = at + needle.len();
    }
    out.extend_from_slice(&text[from..]);
    Some(out)
}

/// A response like `from` (status, headers, URL, its [`GaveUp`], [`OtherRelease`] and
/// [`Answered`]) whose body is `body`.
pub(crate) fn rebuild(from: &Response, body: Bytes) -> Response {
    rebuilt(from, body, from.url())
}

/// A copy of `from` (the body it was read with, its marks) whose URL is `url`.
pub(crate) fn with_url(from: &Response, url: &url::Url) -> Response {
    rebuilt(from, raw_body(from).cloned().unwrap_or_default(), url)
}

fn rebuilt(from: &Response, body: Bytes, url: &url::Url) -> Response {
    let mut response = from_parts(from.status(), from.headers().clone(), body, Some(url));
    let extensions = response.extensions_mut();
    if let Some(reason) = gave_up(from) {
        extensions.insert(reason);
    }
    if let Some(other) = other_release(from) {
        extensions.insert(other.clone());
    }
    if let Some(release) = from.extensions().get::<Answered>() {
        extensions.insert(*release);
    }
    response
}

/// A response made of parts, carrying its body as [`RawBody`] too.
pub(crate) fn from_parts(
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    url: Option<&url::Url>,
) -> Response {
    // The builder is the one way to set the URL reqwest reports (its `ResponseUrl` is private).
    let builder = match url {
        Some(url) => http::Response::builder().url(url.clone()),
        None => http::Response::builder(),
    };
    let mut response = builder
        .body(body.clone())
        .unwrap_or_else(|_| http::Response::new(body.clone()));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response.extensions_mut().insert(RawBody(body));
    Response::from(response)
}

/// The post hook's rule (see the module docs): `Err` with a copy of the response, marked with
/// `release`, when it must become `UnexpectedResponse`: any status but a `2xx` (an error
/// status, a redirect), or a response the hooks gave up on.
pub(crate) fn check(
    release: &'static ReleaseFacts,
    response: &Response,
) -> Result<(), Box<Response>> {
    let Some(body) = raw_body(response) else {
        return Ok(());
    };
    if gave_up(response).is_some() || !response.status().is_success() {
        let mut copy = rebuild(response, body.clone());
        copy.extensions_mut().insert(Answered(release));
        return Err(Box::new(copy));
    }
    Ok(())
}

/// `Err` with a copy of `response` when its status is a `2xx` that `operation` does not
/// document and its body is not the success type ([`OperationFacts::answers`]): it goes to
/// [`crate::Error::UnexpectedStatus`] whole. Any other response is `Ok`.
pub(crate) fn undocumented_success(
    operation: &OperationFacts,
    response: &Response,
) -> Result<(), Box<Response>> {
    let status = response.status();
    // Every call passes here: a documented status (nearly all) is settled without the body.
    if !status.is_success() || operation.is_success(status.as_u16()) {
        return Ok(());
    }
    match raw_body(response) {
        Some(body) if !operation.answers(status.as_u16(), body) => {
            Err(Box::new(rebuild(response, body.clone())))
        }
        _ => Ok(()),
    }
}

/// The release whose client received this response, when the post hook marked it.
pub(crate) fn answered(response: &Response) -> Option<&'static ReleaseFacts> {
    response.extensions().get::<Answered>().map(|a| a.0)
}

/// A response the spec says may come without a body (`x-optional-body`, the deletes' `202`),
/// with an empty body read as `{}`, so that the operation's type (all of whose fields are
/// optional) decodes from it. Any other response is returned as it is.
pub(crate) fn fill_optional(operation: &OperationFacts, mut response: Response) -> Response {
    let status = response.status().as_u16();
    let empty = raw_body(&response).is_some_and(Bytes::is_empty);
    if !empty || !operation.optional_body.contains(&status) {
        return response;
    }
    response.headers_mut().insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    response
        .extensions_mut()
        .insert(RawBody(Bytes::from_static(b"{}")));
    response
}

/// The body the exec hook read, if this response came from it.
pub(crate) fn raw_body(response: &Response) -> Option<&Bytes> {
    response.extensions().get::<RawBody>().map(|raw| &raw.0)
}

/// Why the hooks gave up on this response, if they did.
pub(crate) fn gave_up(response: &Response) -> Option<GaveUp> {
    response.extensions().get::<GaveUp>().copied()
}

/// Marks `response` as given up on, for `reason`.
pub(crate) fn give_up(mut response: Response, reason: GaveUp) -> Response {
    response.extensions_mut().insert(reason);
    response
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use super::*;

    /// A body that arrives in the given chunks.
    struct Chunks(VecDeque<Bytes>);

    impl futures_core::Stream for Chunks {
        type Item = Result<Bytes, std::io::Error>;

        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.pop_front().map(Ok))
        }
    }

    fn streamed(chunks: &[&'static str]) -> Response {
        let chunks = chunks.iter().map(|c| Bytes::from_static(c.as_bytes()));
        let body = reqwest::Body::wrap_stream(Chunks(chunks.collect()));
        Response::from(http::Response::new(body))
    }

    #[tokio::test]
    async fn a_body_is_read_whole_in_one_chunk_or_many_and_cut_at_the_limit() {
        let one = read_limited(&mut streamed(&["{\"a\":1}"]), 100).await;
        assert_eq!(one.unwrap().unwrap(), "{\"a\":1}");
        let many = read_limited(&mut streamed(&["{\"a\"", ":", "1}"]), 100).await;
        assert_eq!(many.unwrap().unwrap(), "{\"a\":1}");
        let none = read_limited(&mut streamed(&[]), 100).await;
        assert_eq!(none.unwrap().unwrap(), "");
        let exact = read_limited(&mut streamed(&["12345", "67890"]), 10).await;
        assert_eq!(exact.unwrap().unwrap(), "1234567890");
        let over = read_limited(&mut streamed(&["12345", "67890", "1"]), 10).await;
        assert!(over.unwrap().is_none());
        let one_over = read_limited(&mut streamed(&["12345678901"]), 10).await;
        assert!(one_over.unwrap().is_none());
        let second_over = read_limited(&mut streamed(&["12345", "678901"]), 10).await;
        assert!(second_over.unwrap().is_none());
    }
}

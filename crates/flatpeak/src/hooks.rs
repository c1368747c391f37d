//! The three hooks every generated `send()` calls, written once for every release. The
//! generator hands each call its operation's facts (`xtask/src/generate/send_hooks.rs`), so
//! nothing here looks an operation up.
//!
//! - `pre`: refuses a request whose ids (or other patterned strings) in path, query or body do
//!   not match the spec, or whose path is not its operation's, before anything is sent
//!   (`wire.rs`).
//! - `exec`: authenticates, sends with retries, reads the body under the limit, refreshes the
//!   token once after a `401` (`auth.rs`, `retry.rs`), notes once per client an answer from
//!   another release than the one pinned, and reads a documented empty answer (a delete's
//!   `202`) as `{}`.
//! - `post`: hands every status that is not a `2xx` (an error, a redirect), and every response
//!   the hooks gave up on, to [`crate::Error`] whole, as a copy whose body can be read and whose
//!   URL shows no sensitive value (`body.rs`); and so an undocumented `2xx` whose body is not the
//!   success type (the generated code takes any `2xx` as success: `OperationFacts::answers`);
//!   a success from another release that does not decode becomes a decoding error naming that
//!   release.
//!
//! Then `send()` decodes the body the exec hook read ([`decode`], [`stream`]) where progenitor's
//! code would read the response's body again.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::body::{self, GaveUp};
use crate::call::Call;
use crate::release::VERSION_HEADER;
use crate::{ByteStream, ResponseValue};
use crate::{ClientInfo, ClientState, OperationFacts};

/// The pre hook: `Err` with why the request must not be sent. (Its error type is the one
/// the generated `send()` returns.)
#[allow(clippy::result_large_err)]
pub(crate) fn pre<C, E>(
    client: &C,
    request: &reqwest::Request,
    operation: &'static OperationFacts,
) -> Result<(), progenitor_client::Error<E>>
where
    C: ClientInfo<ClientState>,
{
    crate::wire::check(operation, client.baseurl(), request)
        .map_err(|refused| progenitor_client::Error::InvalidRequest(refused.to_string()))
}

/// The exec hook.
pub(crate) async fn exec<C>(
    client: &C,
    request: reqwest::Request,
    operation: &'static OperationFacts,
) -> reqwest::Result<reqwest::Response>
where
    C: ClientInfo<ClientState>,
{
    let state = client.inner();
    let call = Call::new(client.client(), client.baseurl(), state);
    let mut response = crate::auth::execute(&call, request, operation).await?;
    if response.status().is_redirection() {
        crate::wire::redact_location(operation, &mut response);
    }
    note_release(state, &response);
    Ok(body::fill_optional(operation, response))
}

/// The post hook. (Its error type is the one the generated `send()` returns.)
#[allow(clippy::result_large_err)]
pub(crate) fn post<C, E>(
    client: &C,
    result: &reqwest::Result<reqwest::Response>,
    operation: &'static OperationFacts,
) -> Result<(), progenitor_client::Error<E>>
where
    C: ClientInfo<ClientState>,
{
    let Ok(response) = result else {
        return Ok(());
    };
    let state = client.inner();
    body::check(state.release, response)
        .and_then(|()| body::undocumented_success(operation, response))
        .and_then(|()| decodes_here(state, response, operation))
        .map_err(|response| {
            let response = crate::wire::url_redacted(operation, *response);
            progenitor_client::Error::UnexpectedResponse(response)
        })
}

/// The release the response says answered, when it is not the one the client sent.
pub(crate) fn other_release(state: &ClientState, response: &reqwest::Response) -> Option<String> {
    let sent = state.flatpeak_version.as_ref()?;
    let answered = response.headers().get(&VERSION_HEADER)?;
    (answered != sent).then(|| String::from_utf8_lossy(answered.as_bytes()).into_owned())
}

/// Logs, once per client, that another release answered than the one it sends.
fn note_release(state: &ClientState, response: &reqwest::Response) {
    if let Some(answered) = other_release(state, response)
        && !state
            .other_release_noted
            .swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        let sent = state
            .flatpeak_version
            .as_ref()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        crate::telemetry::other_release(state.release.name, &sent, &answered);
    }
}

/// `Err` with the response marked when a success status came from another release and its body
/// does not decode as this release's type: the decoding error then names the release.
fn decodes_here(
    state: &ClientState,
    response: &reqwest::Response,
    operation: &OperationFacts,
) -> Result<(), Box<reqwest::Response>> {
    let Some(answered) = other_release(state, response) else {
        return Ok(());
    };
    let Some(raw) = body::raw_body(response) else {
        return Ok(());
    };
    if !operation.is_success(response.status().as_u16()) {
        return Ok(());
    }
    match (operation.decodes)(raw) {
        Ok(()) => Ok(()),
        Err(error) => {
            let mut copy = body::rebuild(response, raw.clone());
            copy.extensions_mut().insert(GaveUp::OtherRelease);
            copy.extensions_mut().insert(body::OtherRelease {
                answered,
                reason: error.to_string(),
            });
            Err(Box::new(copy))
        }
    }
}

/// What `send()` calls in place of progenitor's `ResponseValue::from_response`: the body the
/// exec hook read, decoded as `T`, with the response's status and headers (moved, not copied).
/// A body that is not a `T` is `InvalidResponsePayload` with the bytes, as progenitor's is.
pub(crate) async fn decode<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, progenitor_client::Error<E>> {
    let Some(raw) = body::raw_body(&response).cloned() else {
        // Not a response of the exec hook (none reaches `send()` today): read it as progenitor does.
        return ResponseValue::from_response(response).await;
    };
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    match serde_json::from_slice(&raw) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(error) => Err(progenitor_client::Error::InvalidResponsePayload(raw, error)),
    }
}

/// What `send()` calls in place of progenitor's `ResponseValue::stream`: the body the exec
/// hook read, as a stream of one chunk (an empty body: of none). No operation of our specs
/// answers with a byte stream today; the generator writes this call for one that does.
#[allow(dead_code)]
pub(crate) fn stream(mut response: reqwest::Response) -> ResponseValue<ByteStream> {
    let raw = body::raw_body(&response).cloned().unwrap_or_default();
    let chunks: Vec<reqwest::Result<Bytes>> = match raw.is_empty() {
        true => Vec::new(),
        false => vec![Ok(raw)],
    };
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let stream = ByteStream::new(Box::pin(futures_util::stream::iter(chunks)));
    ResponseValue::new(stream, status, headers)
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt as _;
    use reqwest::StatusCode;
    use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

    use super::*;

    fn read(body: &'static str) -> reqwest::Response {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        body::from_parts(
            StatusCode::OK,
            headers,
            Bytes::from_static(body.as_bytes()),
            None,
        )
    }

    #[tokio::test]
    async fn send_decodes_the_body_the_exec_hook_read_and_keeps_status_and_headers() {
        let value: ResponseValue<serde_json::Value> =
            decode::<_, ()>(read(r#"{"a":1}"#)).await.unwrap();
        assert_eq!(value.status(), StatusCode::OK);
        assert_eq!(value.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(value.into_inner(), serde_json::json!({"a": 1}));

        let error = decode::<u32, ()>(read("[1")).await.unwrap_err();
        match error {
            progenitor_client::Error::InvalidResponsePayload(bytes, _) => assert_eq!(bytes, "[1"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_streamed_answer_is_the_body_the_exec_hook_read() {
        let mut streamed = stream(read("raw bytes")).into_inner();
        assert_eq!(streamed.next().await.unwrap().unwrap(), "raw bytes");
        assert!(streamed.next().await.is_none());
        let mut empty = stream(read("")).into_inner();
        assert!(empty.next().await.is_none());
    }
}

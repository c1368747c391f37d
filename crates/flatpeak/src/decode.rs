//! Decoding a response the way `send()` does, with no network: for the fuzz target, the
//! property tests, and anyone checking a recorded response.
//!
//! It takes the same path as a real call after the body is read: the post hook's rule (see
//! [`Error`]), then the generated code's choice by status, then the conversion to [`Error`].
//!
//! Each release module's `Operation` has a `decode` method that calls [`decode`] with the
//! operation's types:
//!
//! ```
//! # #[cfg(feature = "zero")] {
//! use flatpeak::zero::Operation;
//!
//! let body = br#"{"message": "Not Found"}"#;
//! let err = Operation::RetrieveDevice
//!     .decode(http::StatusCode::NOT_FOUND, Default::default(), body.as_slice().into())
//!     .unwrap_err();
//! assert_eq!(err.api().unwrap().message(), "Not Found");
//! # }
//! ```

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::release::{OperationFacts, ReleaseFacts};
use crate::{Error, ResponseValue, SendError, body};

/// Decodes a response to `operation` of `release` into `T`, as its `send()` would after
/// reading the body: the statuses the spec documents as success give `T`, and so does any
/// other `2xx` whose body is a `T`; an error status gives [`Error::Api`] (with the error
/// envelope when the body is one), any other status [`Error::UnexpectedStatus`].
#[doc(hidden)]
pub fn decode<T: DeserializeOwned>(
    release: &'static ReleaseFacts,
    operation: &'static OperationFacts,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
) -> Result<T, Error> {
    let response = body::from_parts(status, headers, body, None);
    let response = body::fill_optional(operation, response);
    match now(like_send::<T>(release, operation, response)) {
        Some(result) => result.map_err(Error::from),
        None => Err(Error::Other("decoding did not finish at once".to_string())),
    }
}

/// The post hook's rule, then what the generated `send()` does with the response.
async fn like_send<T: DeserializeOwned>(
    release: &'static ReleaseFacts,
    operation: &'static OperationFacts,
    response: reqwest::Response,
) -> Result<T, SendError> {
    use progenitor_client::Error as Sent;
    body::check(release, &response).map_err(|response| Sent::UnexpectedResponse(*response))?;
    let status = response.status().as_u16();
    let body = body::raw_body(&response).map_or(&[][..], |b| b.as_ref());
    if operation.answers(status, body) {
        return crate::hooks::decode(response)
            .await
            .map(ResponseValue::into_inner);
    }
    Err(Sent::UnexpectedResponse(response))
}

/// Polls `future` once: a body already in memory needs no more, so no runtime is needed.
fn now<F: Future>(future: F) -> Option<F::Output> {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

#[cfg(all(test, feature = "zero"))]
mod tests {
    use super::*;
    use crate::zero::Operation;

    #[test]
    fn an_empty_202_of_a_delete_is_an_empty_answer_not_a_decode_error() {
        Operation::DeleteLocation
            .decode(StatusCode::ACCEPTED, HeaderMap::new(), Bytes::new())
            .unwrap();
    }

    #[test]
    fn an_error_status_keeps_its_envelope_and_its_body() {
        let body = br#"{"object":"error","type":"invalid_request","code":"account_disabled","message":"Disabled","time_created":"2022-01-24T14:15:22.003"}"#;
        let err = Operation::RetrieveDevice
            .decode(
                StatusCode::UNPROCESSABLE_ENTITY,
                HeaderMap::new(),
                Bytes::from_static(body),
            )
            .unwrap_err();
        let api = err.api().unwrap();
        assert_eq!(api.code(), Some("account_disabled"));
        assert!(api.envelope().is_some());
        assert_eq!(api.body().unwrap().as_bytes(), body);
    }
}

//! Decoding a response the way `send()` does, with no network: for the fuzz target, the
//! property tests, and anyone checking a recorded response.
//!
//! It takes the same path as a real call after the body is read: the post hook's rule (see
//! [`Error`]), then the generated code's choice by status, then the conversion to [`Error`].
//!
//! ```
//! use flatpeak::decode::Operation;
//!
//! let body = br#"{"message": "Not Found"}"#;
//! let err = Operation::RetrieveDevice
//!     .decode(http::StatusCode::NOT_FOUND, Default::default(), body.as_slice().into())
//!     .unwrap_err();
//! assert_eq!(err.api().unwrap().message(), "Not Found");
//! ```

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::{Error, ResponseValue, body};

pub use crate::generated::operations::Operation;

/// Decodes a response to `operation` into `T`, as its `send()` would after reading the body:
/// the statuses the spec documents as success give `T`, the documented error statuses give
/// [`Error::Api`] from the error envelope `E`, any other status [`Error::UnexpectedStatus`]
/// (or, for an error status, [`Error::Api`] without the envelope).
pub fn decode<T, E>(
    operation: Operation,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
) -> Result<T, Error>
where
    T: DeserializeOwned,
    E: DeserializeOwned,
    Error: From<progenitor_client::Error<E>>,
{
    let response = body::from_parts(status, headers, body, None);
    let response = body::fill_optional(operation, response);
    match now(like_send::<T, E>(operation, response)) {
        Some(result) => result.map_err(Error::from),
        None => Err(Error::Other("decoding did not finish at once".to_string())),
    }
}

/// The post hook's rule, then what the generated `send()` does with the response.
async fn like_send<T, E>(
    operation: Operation,
    response: reqwest::Response,
) -> Result<T, progenitor_client::Error<E>>
where
    T: DeserializeOwned,
    E: DeserializeOwned,
{
    use progenitor_client::Error as Sent;
    body::check(&response).map_err(|response| Sent::UnexpectedResponse(*response))?;
    let status = response.status().as_u16();
    if operation.success_statuses().contains(&status) {
        return ResponseValue::from_response(response)
            .await
            .map(ResponseValue::into_inner);
    }
    if operation.error_statuses().contains(&status) {
        let envelope = ResponseValue::<E>::from_response::<E>(response);
        return Err(Sent::ErrorResponse(envelope.await?));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The operations and their documented error statuses, read from the spec itself.
    fn spec_operations() -> Vec<(String, Vec<u16>)> {
        let spec: serde_json::Value =
            serde_norway::from_str(include_str!("../../../openapi/flatpeak.yaml")).unwrap();
        let mut found = Vec::new();
        for item in spec["paths"].as_object().unwrap().values() {
            for (method, operation) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                let responses = operation["responses"].as_object().unwrap();
                let errors = responses
                    .keys()
                    .filter_map(|s| s.parse().ok())
                    .filter(|s| *s >= 400);
                found.push((
                    operation["operationId"].as_str().unwrap().to_string(),
                    errors.collect(),
                ));
            }
        }
        found.sort();
        found
    }

    #[test]
    fn the_generated_operations_are_the_specs() {
        let mut ours: Vec<(String, Vec<u16>)> = Operation::ALL
            .iter()
            .map(|op| (op.id().to_string(), op.error_statuses().to_vec()))
            .collect();
        ours.sort();
        assert_eq!(ours, spec_operations());
        for op in Operation::ALL {
            assert_eq!(Operation::from_id(op.id()), Some(op));
        }
    }

    #[test]
    fn an_empty_202_of_a_delete_is_an_empty_answer_not_a_decode_error() {
        let accepted = decode::<crate::types::Accepted, crate::types::Error>(
            Operation::DeleteLocation,
            StatusCode::ACCEPTED,
            HeaderMap::new(),
            Bytes::new(),
        )
        .unwrap();
        assert_eq!(accepted.message, None);
    }
}

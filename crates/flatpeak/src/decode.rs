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

use crate::{Error, ResponseValue, SendError, body, types};

/// An operation of the API, with the statuses its `send()` decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /login`: [`types::AuthToken`].
    Login,
    /// `GET /devices/{device_id}`: [`types::Device`].
    RetrieveDevice,
    /// `GET /locations/{id}/status`: [`types::LocationStatus`].
    RetrieveLocationStatus,
}

impl Operation {
    /// Every operation in `openapi/flatpeak.yaml` (a test compares the two).
    pub const ALL: [Self; 3] = [
        Self::Login,
        Self::RetrieveDevice,
        Self::RetrieveLocationStatus,
    ];

    /// The spec's `operationId`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::RetrieveDevice => "retrieve_device",
            Self::RetrieveLocationStatus => "retrieve_location_status",
        }
    }

    /// The error statuses the spec documents for the operation (decoded as the envelope).
    /// Every operation's one success status is `200`.
    pub fn error_statuses(self) -> &'static [u16] {
        match self {
            Self::Login => &[401, 403, 429, 500],
            Self::RetrieveDevice => &[401, 403, 404, 429, 500],
            Self::RetrieveLocationStatus => &[401, 403, 404, 422, 429, 500],
        }
    }

    /// Decodes a response into the operation's own type and drops the value.
    pub fn decode(self, status: StatusCode, headers: HeaderMap, body: Bytes) -> Result<(), Error> {
        match self {
            Self::Login => decode::<types::AuthToken>(self, status, headers, body).map(drop),
            Self::RetrieveDevice => decode::<types::Device>(self, status, headers, body).map(drop),
            Self::RetrieveLocationStatus => {
                decode::<types::LocationStatus>(self, status, headers, body).map(drop)
            }
        }
    }
}

/// Decodes a response to `operation` into `T`, as its `send()` would after reading the body.
pub fn decode<T: DeserializeOwned>(
    operation: Operation,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
) -> Result<T, Error> {
    let response = body::from_parts(status, headers, body, None);
    match now(like_send(operation, response)) {
        Some(result) => result.map_err(Error::from),
        None => Err(Error::Other("decoding did not finish at once".to_string())),
    }
}

/// The post hook's rule, then what the generated `send()` does with the response.
async fn like_send<T: DeserializeOwned>(
    operation: Operation,
    response: reqwest::Response,
) -> Result<T, SendError> {
    body::check(&response).map_err(|response| SendError::UnexpectedResponse(*response))?;
    match response.status().as_u16() {
        200 => ResponseValue::from_response(response)
            .await
            .map(ResponseValue::into_inner),
        status if operation.error_statuses().contains(&status) => {
            let envelope = ResponseValue::<types::Error>::from_response::<types::Error>(response);
            Err(SendError::ErrorResponse(envelope.await?))
        }
        _ => Err(SendError::UnexpectedResponse(response)),
    }
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

    /// The operations and their documented error statuses, read from the spec.
    fn spec_operations() -> Vec<(String, Vec<u16>)> {
        let spec: serde_json::Value =
            serde_norway::from_str(include_str!("../../../openapi/flatpeak.yaml")).unwrap();
        let mut found = Vec::new();
        for item in spec["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
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
    fn operations_match_the_spec() {
        let mut ours: Vec<(String, Vec<u16>)> = Operation::ALL
            .iter()
            .map(|op| (op.id().to_string(), op.error_statuses().to_vec()))
            .collect();
        ours.sort();
        assert_eq!(ours, spec_operations());
    }
}

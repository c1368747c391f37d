//! Arbitrary bytes as the body of a response to every operation, under a status the input
//! chooses and under `200`: decoding must return `Ok` or a typed error, never panic.

#![no_main]

use bytes::Bytes;
use flatpeak::zero::Operation;
use http::{HeaderMap, StatusCode};
use libfuzzer_sys::fuzz_target;

/// The statuses worth most attention: every documented one, a redirect, an undocumented
/// success and error.
const STATUSES: [u16; 12] = [200, 401, 403, 404, 422, 429, 500, 502, 503, 302, 204, 418];

fuzz_target!(|data: &[u8]| {
    let (status, body) = split(data);
    let body = Bytes::copy_from_slice(body);
    for operation in Operation::ALL {
        for status in [status, StatusCode::OK] {
            if let Err(error) = operation.decode(status, HeaderMap::new(), body.clone()) {
                // Formatting is part of the contract too: one line, no panic.
                assert!(!error.to_string().contains('\n'));
                let _ = format!("{error:?}");
            }
        }
    }
});

/// The first byte picks a status from [`STATUSES`], or with the second byte any status from
/// 100 to 599; the rest is the body.
fn split(data: &[u8]) -> (StatusCode, &[u8]) {
    let (code, body) = match data {
        [pick, rest @ ..] if usize::from(*pick) < STATUSES.len() => {
            (STATUSES[usize::from(*pick)], rest)
        }
        [high, low, rest @ ..] => (100 + u16::from_be_bytes([*high, *low]) % 500, rest),
        _ => (200, data),
    };
    (StatusCode::from_u16(code).unwrap_or(StatusCode::OK), body)
}

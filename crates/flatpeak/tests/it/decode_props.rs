//! Property tests over the response decoding of every operation (the same path as the fuzz
//! target in `fuzz/`): arbitrary bytes, mangled seed bodies and arbitrary envelopes never
//! panic, and every outcome is the typed error the status calls for.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use bytes::Bytes;
use flatpeak::Error;
use flatpeak::zero::Operation;
use http::{HeaderMap, StatusCode};
use proptest::prelude::*;
use serde_json::Value;

const DEVICE: &str = include_str!("../fixtures/device.json");
const LOCATION_STATUS: &str = include_str!("../fixtures/location_status.json");

fn operation() -> impl Strategy<Value = Operation> {
    prop::sample::select(Operation::ALL.to_vec())
}

fn status() -> impl Strategy<Value = StatusCode> {
    let documented = prop::sample::select(vec![
        200u16, 201, 202, 400, 401, 403, 404, 409, 422, 429, 500,
    ]);
    prop_oneof![documented, 100u16..600].prop_map(|code| StatusCode::from_u16(code).unwrap())
}

/// Checks what every decoding promises, whatever the input.
fn check(operation: Operation, status: StatusCode, body: &[u8]) -> Result<(), TestCaseError> {
    let outcome = operation.decode(status, HeaderMap::new(), Bytes::copy_from_slice(body));
    let success = operation.success_statuses().contains(&status.as_u16());
    let Err(err) = outcome else {
        // A documented success, or another `2xx` whose body was the success type.
        prop_assert!(
            success || status.is_success(),
            "{} decoded under {}",
            operation.id(),
            status
        );
        return Ok(());
    };
    let shown = err.to_string();
    prop_assert!(!shown.contains('\n'), "not one line: {:?}", shown);
    match &err {
        Error::Api(api) => {
            prop_assert!(status.as_u16() >= 400);
            prop_assert_eq!(api.status(), status);
            prop_assert!(api.envelope().is_some() || api.body().unwrap().as_bytes() == body);
        }
        Error::Decode { body: kept, .. } => {
            prop_assert!(success);
            prop_assert_eq!(kept.as_bytes(), body);
        }
        Error::UnexpectedStatus { status: got, .. } => {
            prop_assert!(got.as_u16() < 400 && !success);
        }
        other => prop_assert!(false, "unexpected error kind {:?}", other),
    }
    Ok(())
}

/// A seed body with one edit: a field removed, replaced by another JSON value, or the text cut.
fn mangled_seed() -> impl Strategy<Value = Vec<u8>> {
    let seed = prop::sample::select(vec![DEVICE, LOCATION_STATUS]);
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    (
        seed,
        any::<prop::sample::Index>(),
        scalar,
        0u8..3,
        any::<prop::sample::Index>(),
    )
        .prop_map(|(seed, which, value, edit, cut)| {
            let mut json: Value = serde_json::from_str(seed).unwrap();
            let object = json.as_object_mut().unwrap();
            let key = object
                .keys()
                .nth(which.index(object.len()))
                .unwrap()
                .clone();
            match edit {
                0 => drop(object.remove(&key)),
                1 => drop(object.insert(key, value)),
                _ => return seed.as_bytes()[..cut.index(seed.len())].to_vec(),
            }
            json.to_string().into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(op in operation(), status in status(), body in prop::collection::vec(any::<u8>(), 0..512)) {
        check(op, status, &body)?;
    }

    #[test]
    fn mangled_seed_bodies_never_panic(op in operation(), status in status(), body in mangled_seed()) {
        check(op, status, &body)?;
    }

    #[test]
    fn deep_nesting_never_overflows(op in operation(), status in status(), depth in 0usize..20_000, open in "[\\[{]") {
        let body = if open == "[" {
            format!("{}{}", "[".repeat(depth), "]".repeat(depth))
        } else {
            format!("{}null{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
        };
        check(op, status, body.as_bytes())?;
    }

    /// Any envelope, whatever its strings, gives back exactly its code and message.
    #[test]
    fn envelopes_round_trip(op in operation(), code in "\\PC{0,40}", message in "[^\\s\\p{C}]{1,40}", context in proptest::option::of("[a-z_.]{1,20}")) {
        let status = StatusCode::from_u16(*op.error_statuses().first().unwrap()).unwrap();
        let mut body = serde_json::json!({
            "object": "error", "live_mode": true, "type": "invalid_request",
            "code": code, "message": message, "time_created": "2024-01-01T00:00:00Z"
        });
        if let Some(context) = &context {
            body["context"] = context.clone().into();
        }
        let err = op.decode(status, HeaderMap::new(), body.to_string().into()).unwrap_err();
        let api = err.api().unwrap();
        prop_assert_eq!(api.code(), Some(code.as_str()));
        prop_assert_eq!(api.message(), message.as_str());
        prop_assert_eq!(api.context(), context.as_deref());
    }
}

#[test]
fn the_seeds_decode() {
    let ok = StatusCode::OK;
    Operation::RetrieveDevice
        .decode(ok, HeaderMap::new(), DEVICE.into())
        .unwrap();
    Operation::RetrieveLocationStatus
        .decode(ok, HeaderMap::new(), LOCATION_STATUS.into())
        .unwrap();
}

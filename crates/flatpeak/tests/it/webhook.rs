//! `flatpeak::webhook` from the outside, as a receiver uses it: deliveries made by the test
//! signer, verified or refused for the right reason; keys fetched from a loopback JWKS server;
//! a handler without a web framework, end to end; arbitrary input never panics.
//!
//! The cryptographic edge cases (Wycheproof's vectors, other salt lengths, PKCS#1 v1.5) are unit
//! tests in `src/webhook/`, which can reach the signer's private key.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use flatpeak::webhook::testing::{
    SignedDelivery, TEST_FLATPEAK_VERSION, TestSigner, event_body, jwks_json,
};
use flatpeak::webhook::{
    Authenticity, Error, Event, EventType, Header, KeySet, NotAnEvent, ObjectKind, RemoteKeys,
    Verifier,
};
use futures_util::FutureExt as _;
use http::HeaderMap;
use proptest::prelude::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The time every fixed-clock test runs at.
const NOW: i64 = 1_776_847_880;
/// Text put in bodies to check that no error or log line quotes them.
const MARKER: &str = "customer-secret-7f3a";

/// Three signers (one key pair each), made once: generating keys is slow in debug builds.
fn signers() -> &'static [TestSigner; 3] {
    static SIGNERS: OnceLock<[TestSigner; 3]> = OnceLock::new();
    SIGNERS.get_or_init(|| {
        ["wsk_live_a1", "wsk_live_b2", "wsk_test_c3"].map(|id| TestSigner::generate(id).unwrap())
    })
}

fn signer() -> &'static TestSigner {
    &signers()[0]
}

/// A key set of all three signers' keys.
fn all_keys() -> KeySet {
    KeySet::from_jwks_json(jwks_json(signers().iter().map(TestSigner::jwk))).unwrap()
}

fn at(seconds: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds as u64)
}

/// A verifier of all three keys whose clock says `NOW`.
fn verifier() -> Verifier {
    Verifier::builder(all_keys()).clock(|| at(NOW)).build()
}

fn body() -> Vec<u8> {
    let data =
        json!({ "id": "loc_641b90b758fb8e6293716e40", "object": "location", "note": MARKER });
    event_body("evt_66167787c1652b3fbeba5f01", "location.update", data)
}

fn delivery() -> SignedDelivery {
    signer().sign(NOW, body()).unwrap()
}

/// Verifies with a verifier whose keys are given: nothing is awaited, so no runtime is needed.
fn check(verifier: &Verifier, headers: &HeaderMap, body: &[u8]) -> Result<Event, Error> {
    verifier.verify(headers, body).now_or_never().unwrap()
}

fn check_pairs(verifier: &Verifier, pairs: &[(&str, &str)], body: &[u8]) -> Result<Event, Error> {
    let pairs = pairs.iter().copied();
    verifier.verify_pairs(pairs, body).now_or_never().unwrap()
}

/// The delivery's headers with `name` set to `value`.
fn with_header(delivery: &SignedDelivery, name: &'static str, value: &str) -> HeaderMap {
    let mut headers = delivery.headers.clone();
    headers.insert(name, value.parse().unwrap());
    headers
}

fn signature_of(delivery: &SignedDelivery) -> Vec<u8> {
    let value = delivery.headers["flatpeak-signature"].to_str().unwrap();
    URL_SAFE_NO_PAD.decode(&value[3..]).unwrap()
}

#[test]
fn a_delivery_from_each_key_of_a_multi_key_set_verifies() {
    let verifier = verifier();
    for signer in signers() {
        let delivery = signer.sign(NOW, body()).unwrap();
        let event = check(&verifier, &delivery.headers, &delivery.body).unwrap();
        assert_eq!(event.id(), "evt_66167787c1652b3fbeba5f01");
        assert_eq!(event.event_type(), &EventType::LocationUpdate);
        assert_eq!(event.object_kind(), ObjectKind::Location);
        assert_eq!(event.flatpeak_version(), TEST_FLATPEAK_VERSION);
        assert_eq!(
            event.authenticity(),
            &Authenticity::Signed {
                key_id: signer.key_id().to_string(),
                timestamp: NOW
            }
        );
        assert_eq!(event.data()["id"], "loc_641b90b758fb8e6293716e40");
    }
}

#[test]
fn the_signers_jwk_is_a_canonical_ps256_key() {
    for signer in signers() {
        let jwk = signer.jwk();
        assert_eq!(
            (&jwk["kty"], &jwk["alg"], &jwk["use"], &jwk["kid"]),
            (
                &json!("RSA"),
                &json!("PS256"),
                &json!("sig"),
                &json!(signer.key_id())
            )
        );
        // Base64urlUInt: the fewest octets, so no leading zero (RFC 7518 section 6.3.1).
        let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
        assert_eq!(n.len(), 256);
        assert_ne!(n[0], 0);
        assert_eq!(jwk["e"], "AQAB");
    }
}

#[test]
fn data_decodes_into_the_callers_type_of_the_release() {
    #[derive(serde::Deserialize)]
    struct Location {
        id: String,
        object: String,
    }
    let delivery = delivery();
    let event = check(&verifier(), &delivery.headers, &delivery.body).unwrap();
    let location: Location = event.data_as().unwrap();
    assert_eq!(
        (location.id.as_str(), location.object.as_str()),
        ("loc_641b90b758fb8e6293716e40", "location")
    );
}

/// A device as both Zero and Anode describe it (`data` of a `device.*` event).
fn device_data() -> serde_json::Value {
    json!({
        "id": "dev_63a6087272941ef077a8fd3e",
        "object": "device",
        "live_mode": true,
        "reference_id": MARKER,
        "last_seen": "2022-03-22T11:12:21Z",
        "time_created": "2022-01-24T14:15:22Z",
        "account_id": "acc_661677911f2197045e6cf1b1"
    })
}

/// A verified event of release `version` whose `data` is `data`.
fn event_of(version: &str, event_type: &str, data: serde_json::Value) -> Event {
    let body = event_body("evt_66167787c1652b3fbeba5f01", event_type, data);
    let delivery = signer().sign_as(version, NOW, body).unwrap();
    check(&verifier(), &delivery.headers, &delivery.body).unwrap()
}

#[test]
fn data_of_each_release_decodes_with_that_releases_types() {
    use flatpeak::ReleaseClient as _;
    use flatpeak::webhook::ReleaseData;

    let zero = flatpeak::zero::Client::FLATPEAK_VERSION.unwrap();
    let event = event_of(zero, "device.update", device_data());
    let data = event.release_data().unwrap();
    assert_eq!(data.release(), Some("zero"));
    let ReleaseData::Zero(flatpeak::zero::types::EventData::Device(device)) = &data else {
        panic!("{data:?}");
    };
    assert_eq!(device.id.as_str(), "dev_63a6087272941ef077a8fd3e");
    assert_eq!(device.reference_id.as_deref(), Some(MARKER));

    let anode = flatpeak::anode::Client::FLATPEAK_VERSION.unwrap();
    assert_eq!(anode, TEST_FLATPEAK_VERSION);
    let event = event_of(anode, "device.create", device_data());
    let data = event.clone().into_release_data().unwrap();
    assert_eq!(data.release(), Some("anode"));
    let ReleaseData::Anode(flatpeak::anode::types::EventData::Device(device)) = &data else {
        panic!("{data:?}");
    };
    assert!(device.live_mode);
    assert_eq!(data.to_json()["id"], "dev_63a6087272941ef077a8fd3e");
    // The typed value does not leave the event's data behind it.
    assert_eq!(event.data(), &device_data());

    // An object kind the release does not type is its own `Unknown`, with the JSON.
    let tariff = json!({ "tariff_id": "trf_6597ef46529ab4467502af0b" });
    let event = event_of(anode, "tariff.expiring", tariff.clone());
    assert!(matches!(
        event.release_data().unwrap(),
        ReleaseData::Anode(flatpeak::anode::types::EventData::Unknown(json)) if json == tariff
    ));
}

#[test]
fn data_of_a_version_without_event_types_stays_json() {
    use flatpeak::webhook::ReleaseData;

    for version in [
        "2027-03-01.quasar", // a release this crate does not know
        "2026-01-01.anode",  // another revision of a known release
        "2026-08-01.busbar", // a release whose spec describes no events
        "none",
    ] {
        let event = event_of(version, "device.update", device_data());
        let data = event.release_data().unwrap();
        assert_eq!(data.release(), None, "{version}");
        let ReleaseData::Unknown {
            version: named,
            data: json,
        } = &data
        else {
            panic!("{version}: {data:?}");
        };
        assert_eq!((named.as_str(), json), (version, &device_data()));
        let debug = format!("{data:?}");
        assert!(
            debug.contains(version) && !debug.contains(MARKER),
            "{debug}"
        );
    }
}

/// `Flatpeak-Version` is not signed: a delivery replayed within the tolerance with another
/// version still verifies, and `release_data` follows the header it now has. What the docs of
/// `release_data` warn of; the data stays the signed bytes.
#[test]
fn a_relabelled_version_still_verifies_and_changes_only_how_data_is_decoded() {
    use flatpeak::ReleaseClient as _;

    let zero = flatpeak::zero::Client::FLATPEAK_VERSION.unwrap();
    let anode = flatpeak::anode::Client::FLATPEAK_VERSION.unwrap();
    let body = event_body(
        "evt_66167787c1652b3fbeba5f01",
        "device.update",
        device_data(),
    );
    let delivery = signer().sign_as(zero, NOW, body).unwrap();
    let original = check(&verifier(), &delivery.headers, &delivery.body).unwrap();
    assert_eq!(original.release_data().unwrap().release(), Some("zero"));
    for (version, release) in [(anode, Some("anode")), ("2027-03-01.quasar", None)] {
        let relabelled = with_header(&delivery, "flatpeak-version", version);
        let event = check(&verifier(), &relabelled, &delivery.body).unwrap();
        assert_eq!(event.flatpeak_version(), version);
        assert_eq!(event.authenticity(), original.authenticity());
        assert_eq!(event.data(), original.data());
        assert_eq!(event.release_data().unwrap().release(), release);
    }
}

#[test]
fn data_not_of_its_releases_shape_is_an_error_that_keeps_it() {
    use std::error::Error as _;

    let mut broken = device_data();
    broken["live_mode"] = json!(MARKER);
    for (release, version) in flatpeak::webhook::ReleaseData::typed_releases() {
        let event = event_of(version, "device.update", broken.clone());
        let error = event.release_data().unwrap_err();
        assert_eq!(
            (error.release(), error.flatpeak_version()),
            (release, version)
        );
        assert_eq!(error.data(), &broken);
        let (display, debug) = (error.to_string(), format!("{error:?}"));
        for text in [&display, &debug] {
            assert!(text.contains(release) && !text.contains(MARKER), "{text}");
        }
        // serde's error names the field that does not decode, which a `Value` alone would not.
        let source = error.source().unwrap().to_string();
        assert!(source.ends_with("(at `live_mode`)"), "{source}");
        assert_eq!(error.into_data(), broken);
    }
}

/// Every release module whose spec has event types is a variant of `ReleaseData`: a release
/// that gains an `EventData` schema must gain one too.
#[test]
fn every_release_with_event_types_is_typed() {
    let generated = concat!(env!("CARGO_MANIFEST_DIR"), "/src/generated");
    let mut with_events: Vec<String> = std::fs::read_dir(generated)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            text.contains("pub enum EventData")
        })
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    with_events.sort();
    let mut typed: Vec<String> = flatpeak::webhook::ReleaseData::typed_releases()
        .map(|(name, _)| name.to_string())
        .collect();
    typed.sort();
    assert_eq!(typed, with_events);
}

#[test]
fn header_names_are_compared_without_regard_to_case() {
    let delivery = delivery();
    let lines = delivery.header_lines();
    let mut pairs: Vec<(String, String)> = lines
        .lines()
        .map(|line| line.split_once(": ").unwrap())
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let cases = [str::to_uppercase, str::to_lowercase];
    for (i, (name, _)) in pairs.iter_mut().enumerate() {
        *name = cases[i % 2](name);
    }
    pairs.push(("Content-Type".into(), "application/json".into()));
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert!(pairs.iter().any(|(n, _)| *n == "FLATPEAK-SIGNATURE"));
    assert!(check_pairs(&verifier(), &pairs, &delivery.body).is_ok());
}

#[test]
fn a_changed_body_is_refused() {
    let delivery = delivery();
    let verifier = verifier();
    let mut changed = delivery.body.clone();
    let last = changed.len() - 2;
    changed[last] ^= 0x01;
    let appended = [&delivery.body[..], b" "].concat();
    let reformatted = serde_json::to_vec_pretty(
        &serde_json::from_slice::<serde_json::Value>(&delivery.body).unwrap(),
    )
    .unwrap();
    for body in [changed, appended, reformatted] {
        let result = check(&verifier, &delivery.headers, &body);
        assert!(
            matches!(&result, Err(Error::BadSignature { key_id }) if key_id == "wsk_live_a1"),
            "{result:?}"
        );
    }
}

#[test]
fn a_changed_timestamp_is_refused() {
    let delivery = delivery();
    for timestamp in [NOW + 1, NOW - 1] {
        let headers = with_header(&delivery, "flatpeak-timestamp", &timestamp.to_string());
        let result = check(&verifier(), &headers, &delivery.body);
        assert!(
            matches!(result, Err(Error::BadSignature { .. })),
            "{result:?}"
        );
    }
    // The same value written differently is a different signed message.
    let headers = with_header(&delivery, "flatpeak-timestamp", &format!("0{NOW}"));
    let result = check(&verifier(), &headers, &delivery.body);
    assert!(
        matches!(result, Err(Error::BadSignature { .. })),
        "{result:?}"
    );
}

#[test]
fn a_signature_by_another_key_is_refused() {
    // Signed by b2, claiming a1: both keys are in the set.
    let mut delivery = signers()[1].sign(NOW, body()).unwrap();
    delivery
        .headers
        .insert("flatpeak-key-id", "wsk_live_a1".parse().unwrap());
    let result = check(&verifier(), &delivery.headers, &delivery.body);
    assert!(
        matches!(&result, Err(Error::BadSignature { key_id }) if key_id == "wsk_live_a1"),
        "{result:?}"
    );
}

#[test]
fn an_unknown_key_id_is_refused_and_final_with_a_fixed_key_set() {
    // Signed by a key the verifier does not have, and a fixed set never gains one: a retry
    // cannot succeed, so a forged key id must not earn Flatpeak's retry schedule.
    let verifier = Verifier::builder(signers()[1].key_set())
        .clock(|| at(NOW))
        .build();
    let result = check(&verifier, &delivery().headers, &delivery().body);
    match result {
        Err(
            error @ Error::UnknownKey {
                keys_can_change: false,
                ..
            },
        ) => {
            assert!(!error.is_retryable(), "{error:?}");
            assert_eq!(error.to_string(), "no key `wsk_live_a1` in the key set");
        }
        other => panic!("{other:?}"),
    }
    // The same through `From<Arc<KeySet>>` and with a random key id.
    let shared = Verifier::builder(std::sync::Arc::new(signers()[1].key_set()))
        .clock(|| at(NOW))
        .build();
    let forged = with_header(&delivery(), "flatpeak-key-id", "wsk_live_f0rg3d");
    let result = check(&shared, &forged, &delivery().body);
    assert!(
        matches!(&result, Err(e @ Error::UnknownKey { .. }) if !e.is_retryable()),
        "{result:?}"
    );
}

#[test]
fn padded_or_standard_base64_signatures_are_malformed() {
    let delivery = delivery();
    let signature = signature_of(&delivery);
    let standard = STANDARD_NO_PAD.encode(&signature);
    assert_ne!(
        standard,
        URL_SAFE_NO_PAD.encode(&signature),
        "no + or / to tell"
    );
    for encoded in [
        URL_SAFE.encode(&signature), // padded: 256 bytes end in `==`
        STANDARD.encode(&signature),
        standard,
        format!("{}=", URL_SAFE_NO_PAD.encode(&signature)),
        format!("{} ", URL_SAFE_NO_PAD.encode(&signature)).replace(' ', "%20"),
        String::new(),
    ] {
        let headers = with_header(&delivery, "flatpeak-signature", &format!("v1={encoded}"));
        let result = check(&verifier(), &headers, &delivery.body);
        assert!(
            matches!(
                result,
                Err(Error::MalformedHeader {
                    header: Header::Signature,
                    ..
                })
            ),
            "{encoded:?}: {result:?}"
        );
    }
}

/// Several signatures in one header (`v1=<a>,v1=<b>`, or separated by `;` or a space) are
/// refused as more than one signature, which the scheme does not define; the message quotes
/// no signature.
#[test]
fn several_signatures_in_one_header_are_refused_as_such() {
    let delivery = delivery();
    let good = URL_SAFE_NO_PAD.encode(signature_of(&delivery));
    let other = URL_SAFE_NO_PAD.encode([7u8; 256]);
    for value in [
        format!("v1={good},v1={other}"),
        format!("v1={other},v1={good}"),
        format!("v1={good}, v1={good}"),
        format!("v1={good};v1={other}"),
        format!("v1={good} v1={other}"),
        format!("v1={good},v0={other}"),
        format!("v0={other},v1={good}"),
        "v1=AQID,v1=BAUG".to_string(),
    ] {
        let headers = with_header(&delivery, "flatpeak-signature", &value);
        let result = check(&verifier(), &headers, &delivery.body);
        let Err(error) = result else {
            panic!("{value}: accepted");
        };
        assert!(
            matches!(
                error,
                Error::MalformedHeader {
                    header: Header::Signature,
                    ..
                }
            ),
            "{value}: {error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("more than one signature"), "{message}");
        assert!(!message.contains("base64"), "{message}");
        for quoted in [&good[..12], &other[..12], "AQID"] {
            assert!(!message.contains(quoted), "{message}");
        }
    }
    // One signature with a stray separator is still just malformed base64url.
    for value in [format!("v1={good},"), format!("v1={good}=")] {
        let headers = with_header(&delivery, "flatpeak-signature", &value);
        let message = check(&verifier(), &headers, &delivery.body)
            .unwrap_err()
            .to_string();
        assert!(message.contains("not base64url"), "{value}: {message}");
    }
}

#[test]
fn other_schemes_are_unsupported() {
    let delivery = delivery();
    let encoded = URL_SAFE_NO_PAD.encode(signature_of(&delivery));
    let cases = [
        ("flatpeak-signature", format!("v0={encoded}"), "v0"),
        ("flatpeak-signature", format!("v2={encoded}"), "v2"),
        ("flatpeak-signature-scheme", "v2".to_string(), "v2"),
    ];
    for (name, value, scheme) in cases {
        let headers = with_header(&delivery, name, &value);
        match check(&verifier(), &headers, &delivery.body) {
            Err(Error::UnsupportedScheme { scheme: found }) => assert_eq!(found, scheme),
            other => panic!("{name}: {value}: {other:?}"),
        }
    }
    let headers = with_header(&delivery, "flatpeak-signature", &encoded);
    assert!(matches!(
        check(&verifier(), &headers, &delivery.body),
        Err(Error::MalformedHeader {
            header: Header::Signature,
            ..
        })
    ));
}

/// What Flatpeak sends when it cannot sign: the signature `none`, no timestamp, no key id.
fn unsigned_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("flatpeak-signature", "none".parse().unwrap());
    headers.insert("flatpeak-version", TEST_FLATPEAK_VERSION.parse().unwrap());
    headers
}

#[test]
fn unsigned_deliveries_are_refused_unless_allowed() {
    let refused = check(&verifier(), &unsigned_headers(), &body());
    assert!(matches!(refused, Err(Error::Unsigned)), "{refused:?}");
    let lenient = Verifier::builder(all_keys())
        .allow_unsigned()
        .clock(|| at(NOW))
        .build();
    let event = check(&lenient, &unsigned_headers(), &body()).unwrap();
    assert_eq!(event.authenticity(), &Authenticity::Unsigned);
    assert_eq!(event.id(), "evt_66167787c1652b3fbeba5f01");
    // Allowing unsigned deliveries does not weaken the check of signed ones.
    let delivery = delivery();
    let forged = [&delivery.body[..], b" "].concat();
    assert!(matches!(
        check(&lenient, &delivery.headers, &forged),
        Err(Error::BadSignature { .. })
    ));
}

/// `Flatpeak-Signature: none` beside a timestamp or a key id: Flatpeak's unsigned deliveries
/// carry neither, so it is a signed delivery whose signature was stripped (a downgrade). It is
/// refused even when unsigned deliveries are allowed, naming the header that gives it away.
#[test]
fn none_beside_a_timestamp_or_key_id_is_refused_even_when_unsigned_is_allowed() {
    let lenient = Verifier::builder(all_keys())
        .allow_unsigned()
        .clock(|| at(NOW))
        .build();
    let delivery = delivery();
    let stripped = with_header(&delivery, "flatpeak-signature", "none");
    let mut with_timestamp = unsigned_headers();
    with_timestamp.insert("flatpeak-timestamp", NOW.to_string().parse().unwrap());
    let mut with_key_id = unsigned_headers();
    with_key_id.insert("flatpeak-key-id", "wsk_live_a1".parse().unwrap());
    let cases = [
        (stripped, Header::Timestamp),
        (with_timestamp, Header::Timestamp),
        (with_key_id, Header::KeyId),
    ];
    for (headers, header) in cases {
        let named = header.name();
        for verifier in [&lenient, &verifier()] {
            let result = check(verifier, &headers, &delivery.body);
            let Err(error) = result else {
                panic!("{named}: accepted: {result:?}");
            };
            assert!(
                matches!(error, Error::UnsignedWithSigningHeader(found) if found == header),
                "{named}: {error:?}"
            );
            let message = error.to_string();
            assert!(
                message.contains("none") && message.contains(named),
                "{named}: {message}"
            );
            assert!(!error.is_retryable(), "{error:?}");
            assert!(!message.contains(MARKER), "{message}");
        }
    }
    // The scheme header alone does not count against it.
    let mut with_scheme = unsigned_headers();
    with_scheme.insert("flatpeak-signature-scheme", "v1".parse().unwrap());
    let event = check(&lenient, &with_scheme, &body()).unwrap();
    assert_eq!(event.authenticity(), &Authenticity::Unsigned);
}

#[cfg(feature = "tracing")]
#[test]
fn each_accepted_unsigned_delivery_is_logged_as_a_warning_without_the_body() {
    let lenient = Verifier::builder(all_keys()).allow_unsigned().build();
    let (log, guard) = crate::common::Captured::start();
    for _ in 0..2 {
        check(&lenient, &unsigned_headers(), &body()).unwrap();
    }
    let _ = check(&verifier(), &unsigned_headers(), &body());
    drop(guard);
    let text = log.text();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 2, "{text}");
    assert!(warnings[0].contains("unsigned"), "{text}");
    assert!(!text.contains(MARKER), "{text}");
}

#[test]
fn each_missing_header_is_named() {
    let delivery = delivery();
    for header in Header::ALL {
        let mut headers = delivery.headers.clone();
        headers.remove(header.name());
        let result = check(&verifier(), &headers, &delivery.body);
        assert!(
            matches!(result, Err(Error::MissingHeader(missing)) if missing == header),
            "{header}: {result:?}"
        );
    }
    let mut unsigned = unsigned_headers();
    unsigned.remove("flatpeak-version");
    let lenient = Verifier::builder(all_keys()).allow_unsigned().build();
    assert!(matches!(
        check(&lenient, &unsigned, &body()),
        Err(Error::MissingHeader(Header::Version))
    ));
}

#[test]
fn a_header_given_twice_is_refused_even_with_the_same_value() {
    let delivery = delivery();
    for header in Header::ALL {
        let mut headers = delivery.headers.clone();
        let value = headers[header.name()].clone();
        headers.append(header.name(), value);
        let result = check(&verifier(), &headers, &delivery.body);
        assert!(
            matches!(result, Err(Error::DuplicateHeader(twice)) if twice == header),
            "{header}: {result:?}"
        );
    }
    let lines = delivery.header_lines();
    let mut pairs: Vec<(&str, &str)> = lines.lines().map(|l| l.split_once(": ").unwrap()).collect();
    pairs.push(("flatpeak-key-id", "wsk_live_b2"));
    assert!(matches!(
        check_pairs(&verifier(), &pairs, &delivery.body),
        Err(Error::DuplicateHeader(Header::KeyId))
    ));
}

#[test]
fn timestamps_are_checked_to_the_second_at_both_ends() {
    let verify_signed_at = |timestamp: i64, verifier: &Verifier| {
        let delivery = signer().sign(timestamp, body()).unwrap();
        check(verifier, &delivery.headers, &delivery.body).map(|_| ())
    };
    let default = verifier();
    assert!(verify_signed_at(NOW - 300, &default).is_ok());
    assert!(matches!(
        verify_signed_at(NOW - 301, &default),
        Err(Error::StaleTimestamp {
            age_secs: 301,
            tolerance_secs: 300
        })
    ));
    assert!(verify_signed_at(NOW + 60, &default).is_ok());
    assert!(matches!(
        verify_signed_at(NOW + 61, &default),
        Err(Error::FutureTimestamp {
            ahead_secs: 61,
            skew_secs: 60
        })
    ));
    let strict = Verifier::builder(all_keys())
        .tolerance(Duration::from_secs(10))
        .clock_skew(Duration::ZERO)
        .clock(|| at(NOW))
        .build();
    assert!(verify_signed_at(NOW - 10, &strict).is_ok());
    assert!(verify_signed_at(NOW, &strict).is_ok());
    assert!(matches!(
        verify_signed_at(NOW - 11, &strict),
        Err(Error::StaleTimestamp { .. })
    ));
    assert!(matches!(
        verify_signed_at(NOW + 1, &strict),
        Err(Error::FutureTimestamp { .. })
    ));
    // A timestamp far from any real time, without overflow.
    assert!(matches!(
        verify_signed_at(999_999_999_999_999_999, &default),
        Err(Error::FutureTimestamp { .. })
    ));
    assert!(matches!(
        verify_signed_at(0, &default),
        Err(Error::StaleTimestamp { .. })
    ));
}

#[test]
fn the_real_clock_accepts_a_delivery_signed_now() {
    let delivery = signer().sign_now(body()).unwrap();
    assert!(
        check(
            &Verifier::new(all_keys()),
            &delivery.headers,
            &delivery.body
        )
        .is_ok()
    );
}

#[test]
fn a_body_over_the_limit_is_refused_before_anything_else() {
    let limited = Verifier::builder(all_keys())
        .max_body_bytes(1000)
        .clock(|| at(NOW))
        .build();
    let padded = |len: usize| {
        let mut body = body();
        let pad = len - body.len();
        body.truncate(body.len() - 1);
        body.extend(format!(",\"pad\":\"{}\"}}", "x".repeat(pad - 9)).bytes());
        assert_eq!(body.len(), len);
        body
    };
    let at_limit = signer().sign(NOW, padded(1000)).unwrap();
    assert!(check(&limited, &at_limit.headers, &at_limit.body).is_ok());
    let over = signer().sign(NOW, padded(1001)).unwrap();
    assert!(matches!(
        check(&limited, &over.headers, &over.body),
        Err(Error::BodyTooLarge {
            len: 1001,
            limit: 1000
        })
    ));
    // No header is looked at: even none at all gives the size error.
    assert!(matches!(
        check(&limited, &HeaderMap::new(), &over.body),
        Err(Error::BodyTooLarge { .. })
    ));
    // The default limit: 1 MiB.
    let huge = vec![b' '; 1024 * 1024 + 1];
    assert!(matches!(
        check(&verifier(), &HeaderMap::new(), &huge),
        Err(Error::BodyTooLarge {
            limit: 1_048_576,
            ..
        })
    ));
}

#[test]
fn authentic_bodies_that_are_not_events_say_why_without_quoting_them() {
    let cases: [(&[u8], NotAnEvent); 5] = [
        (b"", NotAnEvent::NotJson { line: 1, column: 0 }),
        (
            b"customer-secret-7f3a",
            NotAnEvent::NotJson { line: 1, column: 1 },
        ),
        (b"[\"customer-secret-7f3a\"]", NotAnEvent::NotAnObject),
        (
            b"{\"object\":\"event\",\"id\":\"evt_1\",\"type\":\"x\"}",
            NotAnEvent::MissingField("data"),
        ),
        (
            b"{\"object\":\"customer-secret-7f3a\"}",
            NotAnEvent::NotAnEventObject,
        ),
    ];
    for (body, why) in cases {
        let delivery = signer().sign(NOW, body).unwrap();
        match check(&verifier(), &delivery.headers, &delivery.body) {
            Err(error @ Error::NotAnEvent(_)) => {
                assert!(matches!(&error, Error::NotAnEvent(found) if *found == why));
                assert!(!error.to_string().contains(MARKER), "{error}");
                assert!(!format!("{error:?}").contains(MARKER), "{error:?}");
            }
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
}

#[test]
fn no_refusal_quotes_the_body() {
    let delivery = delivery();
    let forged = [&delivery.body[..], b" "].concat();
    let mut missing = delivery.headers.clone();
    missing.remove("flatpeak-timestamp");
    let refusals = [
        check(&verifier(), &delivery.headers, &forged),
        check(&verifier(), &missing, &delivery.body),
        check(&verifier(), &unsigned_headers(), &delivery.body),
        check(
            &Verifier::builder(all_keys()).build(),
            &delivery.headers,
            &delivery.body,
        ),
    ];
    for refusal in refusals {
        let error = refusal.unwrap_err();
        assert!(!error.to_string().contains(MARKER), "{error}");
        assert!(!format!("{error:?}").contains(MARKER), "{error:?}");
    }
    let event = check(&verifier(), &delivery.headers, &delivery.body).unwrap();
    assert!(!format!("{event:?}").contains(MARKER));
}

#[test]
fn malformed_values_name_their_header() {
    let delivery = delivery();
    let cases = [
        ("flatpeak-timestamp", "1776847880.0", Header::Timestamp),
        ("flatpeak-timestamp", "-1776847880", Header::Timestamp),
        ("flatpeak-key-id", "wsk live", Header::KeyId),
        ("flatpeak-key-id", "wsk\"live", Header::KeyId),
        ("flatpeak-version", "2025-09-14 anode", Header::Version),
        ("flatpeak-signature-scheme", "V1", Header::SignatureScheme),
        ("flatpeak-signature", "v1", Header::Signature),
        ("flatpeak-signature", "None", Header::Signature),
    ];
    for (name, value, header) in cases {
        let headers = with_header(&delivery, name, value);
        let result = check(&verifier(), &headers, &delivery.body);
        assert!(
            matches!(result, Err(Error::MalformedHeader { header: found, .. }) if found == header),
            "{name}: {value}: {result:?}"
        );
    }
    let long_key = "k".repeat(129);
    let headers = with_header(&delivery, "flatpeak-key-id", &long_key);
    assert!(matches!(
        check(&verifier(), &headers, &delivery.body),
        Err(Error::MalformedHeader {
            header: Header::KeyId,
            ..
        })
    ));
}

/// A webhook endpoint without a web framework: verify, deduplicate by event id, hand the
/// event on, answer with a status. What `examples/webhook_receiver.rs` does with axum.
struct Receiver {
    verifier: Verifier,
    seen: Mutex<HashSet<String>>,
    handled: Mutex<Vec<Event>>,
}

impl Receiver {
    async fn receive(&self, headers: &[(String, String)], body: &[u8]) -> u16 {
        let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        match self.verifier.verify_pairs(pairs, body).await {
            Ok(event) => {
                if self.seen.lock().unwrap().insert(event.id().to_string()) {
                    self.handled.lock().unwrap().push(event);
                }
                200
            }
            Err(refused) if refused.is_retryable() => 503,
            Err(_) => 400,
        }
    }
}

fn pairs_of(delivery: &SignedDelivery) -> Vec<(String, String)> {
    let lines = delivery.header_lines();
    let pairs = lines.lines().map(|l| l.split_once(": ").unwrap());
    pairs.map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn a_handler_verifies_deduplicates_and_answers_end_to_end() {
    let receiver = Receiver {
        verifier: Verifier::new(signers()[0].key_set()),
        seen: Mutex::default(),
        handled: Mutex::default(),
    };
    let first = signer()
        .sign_now(event_body("evt_1", "tariff.expiring", json!({})))
        .unwrap();
    let second = signer().sign_now(event_body("evt_2", "tariff.pricing.changed", json!({})));
    let second = second.unwrap();
    assert_eq!(receiver.receive(&pairs_of(&first), &first.body).await, 200);
    // Flatpeak's retry of the same event, signed again.
    let retry = signer().sign_now(first.body.clone()).unwrap();
    assert_eq!(receiver.receive(&pairs_of(&retry), &retry.body).await, 200);
    assert_eq!(
        receiver.receive(&pairs_of(&second), &second.body).await,
        200
    );
    let forged = [&first.body[..], b"\n"].concat();
    assert_eq!(receiver.receive(&pairs_of(&first), &forged).await, 400);
    // A key the fixed set does not have: no retry can help.
    let rotated = signers()[2].sign_now(first.body.clone()).unwrap();
    assert_eq!(
        receiver.receive(&pairs_of(&rotated), &rotated.body).await,
        400
    );
    let handled = receiver.handled.lock().unwrap();
    let seen: Vec<(&str, String)> = handled
        .iter()
        .map(|e| (e.id(), e.event_type().to_string()))
        .collect();
    assert_eq!(
        seen,
        [
            ("evt_1", "tariff.expiring".to_string()),
            ("evt_2", "tariff.pricing.changed".to_string())
        ]
    );
    assert_eq!(
        handled[1].event_type(),
        &EventType::Unknown("tariff.pricing.changed".into())
    );
    assert_eq!(handled[1].object_kind(), ObjectKind::Tariff);
}

// --- Keys fetched from a JWKS URL (a wiremock server on loopback) ---

async fn jwks_server(signers: &[&TestSigner]) -> MockServer {
    let server = MockServer::start().await;
    let jwks = jwks_json(signers.iter().map(|s| s.jwk()));
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(jwks))
        .mount(&server)
        .await;
    server
}

fn remote(server: &MockServer, refetch_interval: Duration) -> RemoteKeys {
    RemoteKeys::builder()
        .url(format!("{}/jwks.json", server.uri()))
        .refetch_interval(refetch_interval)
        .build()
        .unwrap()
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn fetched_keys_are_cached() {
    let server = jwks_server(&[&signers()[0], &signers()[1]]).await;
    let keys = remote(&server, Duration::from_secs(300));
    let verifier = Verifier::new(keys.clone());
    assert!(keys.cached().is_none());
    for signer in &signers()[..2] {
        for _ in 0..3 {
            let delivery = signer.sign_now(body()).unwrap();
            verifier
                .verify(&delivery.headers, &delivery.body)
                .await
                .unwrap();
        }
    }
    assert_eq!(requests(&server).await, 1);
    assert_eq!(keys.cached().map(|k| k.len()), Some(2));
}

#[tokio::test]
async fn an_unknown_key_id_refetches_at_most_once_per_interval() {
    let server = MockServer::start().await;
    // The first fetch sees key a1 only; later ones also b2 (Flatpeak rotated its key).
    let before = jwks_json([signers()[0].jwk()]);
    let after = jwks_json([signers()[0].jwk(), signers()[1].jwk()]);
    Mock::given(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(before))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(after))
        .mount(&server)
        .await;
    let interval = Duration::from_millis(600);
    let verifier = Verifier::new(remote(&server, interval));
    let send = |signer: &'static TestSigner| {
        let verifier = verifier.clone();
        async move {
            let delivery = signer.sign_now(body()).unwrap();
            verifier.verify(&delivery.headers, &delivery.body).await
        }
    };
    send(&signers()[0]).await.unwrap();
    assert_eq!(requests(&server).await, 1);
    // Within the interval: no refetch, so b2 is unknown, and retryable: the fetched set
    // changes (here a later fetch does have b2).
    let unknown = send(&signers()[1]).await;
    match unknown {
        Err(
            error @ Error::UnknownKey {
                keys_can_change: true,
                ..
            },
        ) => {
            assert!(error.is_retryable());
            assert_eq!(
                error.to_string(),
                "no key `wsk_live_b2` in the key set (the keys are fetched: a later fetch may \
                 have it)"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        send(&signers()[2]).await,
        Err(Error::UnknownKey { .. })
    ));
    assert_eq!(requests(&server).await, 1);
    tokio::time::sleep(interval).await;
    // After it: one refetch finds b2; c3, unknown to Flatpeak too, fetches nothing more.
    send(&signers()[1]).await.unwrap();
    assert!(matches!(
        send(&signers()[2]).await,
        Err(Error::UnknownKey { .. })
    ));
    assert!(matches!(
        send(&signers()[2]).await,
        Err(Error::UnknownKey { .. })
    ));
    assert_eq!(requests(&server).await, 2);
    tokio::time::sleep(interval).await;
    assert!(matches!(
        send(&signers()[2]).await,
        Err(Error::UnknownKey { .. })
    ));
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deliveries_share_one_fetch() {
    let server = MockServer::start().await;
    let jwks = jwks_json([signers()[0].jwk()]);
    Mock::given(path("/jwks.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(jwks)
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    let verifier = Verifier::new(remote(&server, Duration::ZERO));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let verifier = verifier.clone();
            let delivery = signer().sign_now(body()).unwrap();
            tokio::spawn(async move { verifier.verify(&delivery.headers, &delivery.body).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn an_unreachable_key_set_is_retryable_and_recovers() {
    let server = MockServer::start().await;
    Mock::given(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let jwks = jwks_json([signers()[0].jwk()]);
    Mock::given(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(jwks))
        .mount(&server)
        .await;
    let interval = Duration::from_millis(300);
    let verifier = Verifier::new(remote(&server, interval));
    let delivery = signer().sign_now(body()).unwrap();
    let refused = verifier.verify(&delivery.headers, &delivery.body).await;
    match refused {
        Err(error @ Error::KeysUnavailable { .. }) => {
            assert!(error.is_retryable());
            assert!(error.to_string().contains("HTTP 503"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    // Within the interval the failure stands, without a second request.
    let again = verifier.verify(&delivery.headers, &delivery.body).await;
    assert!(matches!(again, Err(Error::KeysUnavailable { .. })));
    assert_eq!(requests(&server).await, 1);
    tokio::time::sleep(interval).await;
    verifier
        .verify(&delivery.headers, &delivery.body)
        .await
        .unwrap();
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn an_old_set_is_refetched_and_a_withdrawn_key_stops_verifying() {
    let server = MockServer::start().await;
    let both = jwks_json([signers()[0].jwk(), signers()[1].jwk()]);
    let only_b = jwks_json([signers()[1].jwk()]);
    Mock::given(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(both))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(only_b))
        .mount(&server)
        .await;
    let keys = RemoteKeys::builder()
        .url(format!("{}/jwks.json", server.uri()))
        .refetch_interval(Duration::ZERO)
        .max_age(Duration::from_millis(300))
        .build()
        .unwrap();
    let verifier = Verifier::new(keys);
    let delivery = signer().sign_now(body()).unwrap();
    verifier
        .verify(&delivery.headers, &delivery.body)
        .await
        .unwrap();
    verifier
        .verify(&delivery.headers, &delivery.body)
        .await
        .unwrap();
    assert_eq!(requests(&server).await, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let withdrawn = verifier.verify(&delivery.headers, &delivery.body).await;
    assert!(
        matches!(withdrawn, Err(Error::UnknownKey { .. })),
        "{withdrawn:?}"
    );
}

#[tokio::test]
async fn refresh_reports_what_is_wrong_with_the_answer() {
    let server = MockServer::start().await;
    Mock::given(path("/not-json"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&server)
        .await;
    Mock::given(path("/huge"))
        .respond_with(ResponseTemplate::new(200).set_body_string(" ".repeat(70_000)))
        .mount(&server)
        .await;
    Mock::given(path("/no-rsa"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"keys":[{"kty":"EC","kid":"e"}]}"#),
        )
        .mount(&server)
        .await;
    let refresh = |path: &str| {
        let keys = RemoteKeys::builder()
            .url(format!("{}{path}", server.uri()))
            .build()
            .unwrap();
        async move { keys.refresh().await.unwrap_err().to_string() }
    };
    assert!(
        refresh("/not-json")
            .await
            .starts_with("the JWKS is not JSON")
    );
    assert!(refresh("/huge").await.contains("larger than 65536 bytes"));
    assert!(refresh("/no-rsa").await.contains("e: not an RSA key (kty)"));
    assert!(refresh("/missing").await.contains("HTTP 404"));
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let built = RemoteKeys::builder()
        .url("http://api.flatpeak.com/jwks.json")
        .build();
    assert!(built.unwrap_err().to_string().contains("loopback"));
}

// --- Arbitrary input never panics ---

/// Header names the verifier reads, in any case, and others.
fn header_name() -> impl Strategy<Value = String> {
    let names = Header::ALL.map(Header::name).to_vec();
    prop_oneof![
        proptest::sample::select(names).prop_map(str::to_string),
        proptest::sample::select(vec!["FLATPEAK-SIGNATURE", "flatpeak-timestamp", "x-other"])
            .prop_map(str::to_string),
        "[a-zA-Z-]{1,20}",
    ]
}

/// Values near the valid ones and arbitrary bytes.
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::sample::select(vec![
            "none",
            "v1",
            "v1=",
            "v0=AA",
            "1776847880",
            "wsk_live_a1"
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        "v1=[A-Za-z0-9_-]{0,400}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..64),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_headers_and_bodies_never_panic(
        headers in proptest::collection::vec((header_name(), header_value()), 0..8),
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let lenient = Verifier::builder(all_keys()).allow_unsigned().clock(|| at(NOW)).build();
        for verifier in [verifier(), lenient] {
            let pairs = headers.iter().map(|(n, v)| (n.as_bytes(), v.as_slice()));
            let result = verifier.verify_pairs(pairs, &body).now_or_never().unwrap();
            // Nothing here is signed: only an unsigned delivery, when allowed, can pass.
            if let Ok(event) = result {
                prop_assert_eq!(event.authenticity(), &Authenticity::Unsigned);
            }
        }
    }

    #[test]
    fn changing_any_byte_of_the_body_breaks_the_signature(index in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let delivery = delivery();
        let mut body = delivery.body.clone();
        let i = index.index(body.len());
        body[i] ^= flip;
        let result = check(&verifier(), &delivery.headers, &body);
        prop_assert!(matches!(result, Err(Error::BadSignature { .. })), "{:?}", result);
    }
}

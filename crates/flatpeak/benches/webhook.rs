//! Verifying a webhook delivery of a realistic 2 KB event, on one thread: the whole check, the
//! parsing around the cryptography alone (headers and JSON envelope, through the unsigned
//! path), and the RSA-PSS check alone (aws-lc-rs, key already parsed), so that one can see
//! what the parsing costs beside the signature.
//!
//! `cargo bench -p flatpeak --features test-util --bench webhook` (on one core:
//! `taskset -c 0 cargo bench ...`)
#![allow(clippy::unwrap_used)] // a benchmark that fails should stop loudly

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use aws_lc_rs::signature::{RSA_PSS_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flatpeak::webhook::Verifier;
use flatpeak::webhook::testing::{TestSigner, event_body};
use futures_util::FutureExt as _;
use http::HeaderMap;
use serde_json::json;

const NOW: i64 = 1_776_847_880;
const BODY_BYTES: usize = 2048;

/// A `location.update` event of exactly `BODY_BYTES` bytes: a location with its address,
/// tariff status and a note padding it out.
fn body() -> Vec<u8> {
    let location = |note: &str| {
        json!({
            "id": "loc_641b90b758fb8e6293716e40",
            "object": "location",
            "live_mode": true,
            "reference_id": "LOC1234567890",
            "customer_id": "cus_65e421d1daa4a24082b4f590",
            "account_id": "acc_661677911f2197045e6cf1b1",
            "timezone": "Europe/London",
            "postal_address": {
                "address_line1": "1-3 Strand",
                "address_line2": "Trafalgar Square",
                "city": "London",
                "state": "Greater London",
                "post_code": "WC2N 5EH",
                "country_code": "GB"
            },
            "geo_location": { "lat": 51.5072, "lng": -0.1276 },
            "tariff_status": {
                "commodity_import": { "status": "CONNECTED", "tariff_id": "trf_6597ef46529ab4467502af0b", "connection_type": "DIRECT" },
                "commodity_export": { "status": "NOT_CONNECTED" }
            },
            "supply_services": [
                { "commodity": "ELECTRICITY", "direction": "IMPORT", "provider_id": "prv_63a0ab8a70e1c9fbc2ffa26f", "market": "GB" },
                { "commodity": "ELECTRICITY", "direction": "EXPORT", "provider_id": "prv_63a0ab8a70e1c9fbc2ffa26f", "market": "GB" }
            ],
            "time_created": "2024-02-01T11:25:39Z",
            "time_updated": "2024-02-01T11:25:39Z",
            "note": note
        })
    };
    let make = |note: &str| {
        event_body(
            "evt_66167787c1652b3fbeba5f01",
            "location.update",
            location(note),
        )
    };
    let short = make("").len();
    let body = make(&"x".repeat(BODY_BYTES - short));
    assert_eq!(body.len(), BODY_BYTES);
    body
}

fn verify(c: &mut Criterion) {
    let signer = TestSigner::generate("wsk_live_bench").unwrap();
    let body = body();
    let delivery = signer.sign(NOW, body.clone()).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(NOW as u64);
    let verifier = Verifier::builder(signer.key_set())
        .clock(move || now)
        .build();
    let unsigned = Verifier::builder(signer.key_set()).allow_unsigned().build();
    let mut unsigned_headers = HeaderMap::new();
    unsigned_headers.insert("flatpeak-signature", "none".parse().unwrap());
    unsigned_headers.insert("flatpeak-version", "2025-09-14.anode".parse().unwrap());
    // The same check as aws-lc-rs alone: the key parsed once, the message built in advance.
    let jwk = signer.jwk();
    let component = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap();
    let components = RsaPublicKeyComponents {
        n: component("n"),
        e: component("e"),
    };
    let key = components
        .to_parsed_public_key(&RSA_PSS_2048_8192_SHA256)
        .unwrap();
    let header = delivery.headers["flatpeak-signature"].to_str().unwrap();
    let signature = URL_SAFE_NO_PAD.decode(&header[3..]).unwrap();
    let message = [format!("{NOW}.").as_bytes(), &body].concat();

    // A static key set never waits: each future is ready at once, so no runtime is timed.
    assert!(
        verifier
            .verify(&delivery.headers, &body)
            .now_or_never()
            .unwrap()
            .is_ok()
    );
    assert!(
        unsigned
            .verify(&unsigned_headers, &body)
            .now_or_never()
            .unwrap()
            .is_ok()
    );
    assert!(key.verify_sig(&message, &signature).is_ok());

    let mut group = c.benchmark_group("webhook_2kb");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify (all of it)", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(&delivery.headers), black_box(&body))
                .now_or_never()
        })
    });
    group.bench_function("parsing only (unsigned path: headers and JSON)", |b| {
        b.iter(|| {
            unsigned
                .verify(black_box(&unsigned_headers), black_box(&body))
                .now_or_never()
        })
    });
    group.bench_function("RSA-PSS only (aws-lc-rs)", |b| {
        b.iter(|| key.verify_sig(black_box(&message), black_box(&signature)))
    });
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);

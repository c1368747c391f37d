//! Deliveries signed with the right key but the wrong algorithm: other PSS salt lengths, other
//! hashes, PKCS#1 v1.5. Here rather than in `tests/it/webhook.rs` because making them needs the
//! test signer's private key, which its public API does not expose.
#![allow(clippy::unwrap_used)] // tests: a panic is a failure

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use aws_lc_rs::signature::{
    RSA_PKCS1_SHA256, RSA_PSS_SHA256, RSA_PSS_SHA384, RSA_PSS_SHA512, RsaEncoding,
    RsaPssSaltLength, RsaSignatureEncoding,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::FutureExt as _;

use super::testing::{TestSigner, event_body, signed_message};
use super::{Error, Verifier};

const NOW: i64 = 1_776_847_880;

fn signer() -> &'static TestSigner {
    static SIGNER: OnceLock<TestSigner> = OnceLock::new();
    SIGNER.get_or_init(|| TestSigner::generate("wsk_test_unit").unwrap())
}

fn verifier() -> Verifier {
    let now = UNIX_EPOCH + Duration::from_secs(NOW as u64);
    Verifier::builder(signer().key_set())
        .clock(move || now)
        .build()
}

/// A delivery whose signature was made with `encoding` instead of PS256.
fn verify_signed_with(encoding: &'static dyn RsaEncoding) -> Result<(), Error> {
    let body = event_body("evt_1", "device.update", serde_json::json!({}));
    let mut delivery = signer().sign(NOW, body.clone()).unwrap();
    let signature = signer()
        .sign_message(encoding, &signed_message(NOW, &body))
        .unwrap();
    let value = format!("v1={}", URL_SAFE_NO_PAD.encode(signature));
    delivery
        .headers
        .insert("flatpeak-signature", value.parse().unwrap());
    // A static key set never waits: the future is ready at once.
    let verifier = verifier();
    let verified = verifier.verify(&delivery.headers, &delivery.body);
    verified.now_or_never().unwrap().map(|_| ())
}

const SALT_0: RsaSignatureEncoding =
    RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(0));
const SALT_20: RsaSignatureEncoding =
    RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(20));
const SALT_31: RsaSignatureEncoding =
    RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(31));
const SALT_33: RsaSignatureEncoding =
    RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(33));
const SALT_64: RsaSignatureEncoding =
    RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(64));
const SALT_MAX: RsaSignatureEncoding = RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Max);
const SALT_32: RsaSignatureEncoding =
    RSA_PSS_SHA256.with_pss_salt_length(RsaPssSaltLength::Custom(32));

#[test]
fn ps256_with_a_32_byte_salt_is_accepted_however_the_salt_is_named() {
    assert!(verify_signed_with(&RSA_PSS_SHA256).is_ok());
    assert!(verify_signed_with(&SALT_32).is_ok());
}

#[test]
fn other_salt_lengths_are_refused() {
    for (salt, encoding) in [
        ("0", &SALT_0),
        ("20", &SALT_20),
        ("31", &SALT_31),
        ("33", &SALT_33),
        ("64", &SALT_64),
        ("max", &SALT_MAX),
    ] {
        let result = verify_signed_with(encoding);
        assert!(
            matches!(result, Err(Error::BadSignature { .. })),
            "salt {salt}: {result:?}"
        );
    }
}

#[test]
fn pkcs1_v1_5_and_other_hashes_are_refused() {
    for (name, encoding) in [
        (
            "PKCS#1 v1.5 SHA-256",
            &RSA_PKCS1_SHA256 as &'static dyn RsaEncoding,
        ),
        ("PSS SHA-384", &RSA_PSS_SHA384),
        ("PSS SHA-512", &RSA_PSS_SHA512),
    ] {
        let result = verify_signed_with(encoding);
        assert!(
            matches!(result, Err(Error::BadSignature { .. })),
            "{name}: {result:?}"
        );
    }
}

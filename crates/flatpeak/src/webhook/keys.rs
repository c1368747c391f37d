//! Flatpeak's public signing keys: a JSON Web Key Set (RFC 7517) read into keys ready to check
//! PS256 signatures, each parsed once.
//!
//! Only RSA keys are used; a key that cannot verify Flatpeak's signatures (another kind,
//! another `use` or `alg`, no `kid`, a modulus under 2048 bits) is skipped and the reason kept
//! ([`KeySet::skipped`]), so that one odd key does not take the others down. Moduli from 2048
//! to 8192 bits are accepted: Flatpeak signs with RSA-2048 today, and a larger key is no
//! weaker, so a future rotation to one does not break receivers. `n` and `e` must be base64url
//! without padding; leading zero octets (which some JWKS writers add) are tolerated, since the
//! integer they encode is the same.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aws_lc_rs::digest;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PSS_2048_8192_SHA256, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::error::{JwksError, SkippedKey};
use super::headers::is_key_id;

/// The smallest modulus accepted, in bits.
const MIN_MODULUS_BITS: usize = 2048;
/// The largest modulus accepted, in bits (the most `RSA_PSS_2048_8192_SHA256` verifies).
const MAX_MODULUS_BITS: usize = 8192;
/// The largest public exponent accepted: AWS-LC refuses exponents over 33 bits.
const MAX_EXPONENT: u64 = (1 << 33) - 1;

/// One public key, parsed for PS256.
pub(crate) struct Key {
    parsed: ParsedPublicKey,
    bits: usize,
}

impl Key {
    /// Whether `signature` is a PS256 signature (RSA-PSS, SHA-256, MGF1-SHA-256, a 32-byte
    /// salt) of the concatenation of `parts`. The parts are hashed in turn, so the body is
    /// never copied to build the signed message.
    pub(crate) fn verifies(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        let mut context = digest::Context::new(&digest::SHA256);
        for part in parts {
            context.update(part);
        }
        self.parsed
            .verify_digest_sig(&context.finish(), signature)
            .is_ok()
    }

    /// A key from its modulus and exponent (big-endian, leading zeros allowed).
    fn from_components(n: &[u8], e: &[u8]) -> Result<Key, String> {
        let (n, e) = (strip_leading_zeros(n), strip_leading_zeros(e));
        let bits = bit_length(n);
        if bits < MIN_MODULUS_BITS {
            return Err(format!("{bits}-bit modulus, less than {MIN_MODULUS_BITS}"));
        }
        if bits > MAX_MODULUS_BITS {
            return Err(format!("{bits}-bit modulus, more than {MAX_MODULUS_BITS}"));
        }
        check_exponent(e)?;
        let components = RsaPublicKeyComponents { n, e };
        let parsed = components
            .to_parsed_public_key(&RSA_PSS_2048_8192_SHA256)
            .map_err(|_| "not a valid RSA public key".to_string())?;
        Ok(Key { parsed, bits })
    }
}

/// The keys a verifier checks signatures with, by key id: read from a JWKS with
/// [`KeySet::from_jwks_json`], or fetched and cached by
/// [`RemoteKeys`](super::RemoteKeys).
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, Arc<Key>>,
    skipped: Vec<SkippedKey>,
}

impl KeySet {
    /// Reads a JSON Web Key Set, `{"keys": [...]}`, such as Flatpeak publishes at
    /// [`FLATPEAK_JWKS_URL`](super::FLATPEAK_JWKS_URL).
    ///
    /// Keys that cannot check Flatpeak's signatures are skipped (see [`KeySet::skipped`]);
    /// a set with none left is an error, since it could verify nothing.
    pub fn from_jwks_json(json: impl AsRef<[u8]>) -> Result<KeySet, JwksError> {
        let document: Value = serde_json::from_slice(json.as_ref()).map_err(JwksError::NotJson)?;
        let keys = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(JwksError::NoKeys)?;
        let mut set = KeySet::default();
        for jwk in keys {
            match parse_jwk(jwk) {
                Ok((kid, _)) if set.keys.contains_key(&kid) => set.skipped.push(SkippedKey {
                    kid: Some(kid),
                    reason: "a key before it has the same kid".to_string(),
                }),
                Ok((kid, key)) => {
                    set.keys.insert(kid, Arc::new(key));
                }
                Err(skipped) => set.skipped.push(skipped),
            }
        }
        if set.keys.is_empty() {
            return Err(JwksError::NoUsableKey(set.skipped));
        }
        Ok(set)
    }

    /// The ids of the usable keys, in no particular order.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// Whether the set has a usable key with this id.
    pub fn contains(&self, key_id: &str) -> bool {
        self.keys.contains_key(key_id)
    }

    /// How many usable keys the set has.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set has no usable key (only a `Default` one; a parsed set never is).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys of the JWKS that are not used, and why.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// The key with this id.
    pub(crate) fn get(&self, key_id: &str) -> Option<&Arc<Key>> {
        self.keys.get(key_id)
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<(&str, usize)> = self
            .keys
            .iter()
            .map(|(id, key)| (id.as_str(), key.bits))
            .collect();
        ids.sort_unstable();
        f.debug_struct("KeySet")
            .field("keys (kid, bits)", &ids)
            .field("skipped", &self.skipped)
            .finish()
    }
}

/// One JWK to its key id and key, or why it is skipped.
fn parse_jwk(jwk: &Value) -> Result<(String, Key), SkippedKey> {
    let field = |name: &str| jwk.get(name);
    let text = |name: &str| field(name).and_then(Value::as_str);
    let skip = |kid: Option<&str>, reason: &str| SkippedKey {
        kid: kid.map(str::to_string),
        reason: reason.to_string(),
    };
    if !jwk.is_object() {
        return Err(skip(None, "not a JSON object"));
    }
    let kid = match text("kid") {
        None => return Err(skip(None, "no kid")),
        Some(kid) if !is_key_id(kid) => {
            return Err(skip(None, "a kid no Flatpeak-Key-ID header can name"));
        }
        Some(kid) => kid,
    };
    let reason = usage_problem(jwk);
    if let Some(reason) = reason {
        return Err(skip(Some(kid), reason));
    }
    let n = component(text("n")).map_err(|r| skip(Some(kid), &format!("n {r}")))?;
    let e = component(text("e")).map_err(|r| skip(Some(kid), &format!("e {r}")))?;
    let key = Key::from_components(&n, &e).map_err(|reason| skip(Some(kid), &reason))?;
    Ok((kid.to_string(), key))
}

/// Why a JWK is not an RSA key for verifying PS256 signatures, if it is not.
fn usage_problem(jwk: &Value) -> Option<&'static str> {
    let text = |name: &str| jwk.get(name).map(Value::as_str);
    if text("kty") != Some(Some("RSA")) {
        return Some("not an RSA key (kty)");
    }
    if matches!(text("use"), Some(u) if u != Some("sig")) {
        return Some("not a signing key (use)");
    }
    if matches!(text("alg"), Some(a) if a != Some("PS256")) {
        return Some("meant for another algorithm than PS256 (alg)");
    }
    if let Some(ops) = jwk.get("key_ops") {
        let verify = ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op.as_str() == Some("verify")));
        if !verify {
            return Some("not for verifying (key_ops)");
        }
    }
    None
}

/// A base64url integer of a JWK, decoded.
fn component(encoded: Option<&str>) -> Result<Vec<u8>, &'static str> {
    let encoded = encoded.ok_or("is missing or not a string")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| "is not base64url without padding")?;
    if strip_leading_zeros(&bytes).is_empty() {
        return Err("is zero");
    }
    Ok(bytes)
}

fn check_exponent(e: &[u8]) -> Result<(), String> {
    let value = match e.len() {
        0..=8 => e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
        _ => u64::MAX,
    };
    if !(3..=MAX_EXPONENT).contains(&value) || value % 2 == 0 {
        return Err("public exponent is not odd, at least 3 and at most 33 bits".to_string());
    }
    Ok(())
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// The number of significant bits of a big-endian integer without leading zero bytes.
fn bit_length(n: &[u8]) -> usize {
    match n.first() {
        None => 0,
        Some(first) => n.len() * 8 - first.leading_zeros() as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A Wycheproof file: its key as a JWK and its vectors (message, signature, expected).
    struct Vectors {
        jwk: Value,
        tests: Vec<(u64, Vec<u8>, Vec<u8>, String)>,
    }

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len() / 2)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    fn wycheproof(name: &str) -> Vectors {
        let path = format!(
            "{}/tests/fixtures/wycheproof/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let groups = file["testGroups"].as_array().unwrap();
        assert_eq!(groups.len(), 1, "{name}: one key per file");
        let group = &groups[0];
        // The PS256 file gives its key as a JWK (kid `none`, alg `PS256`); the others only as
        // hex integers, the modulus with a leading zero octet (kept: it must be tolerated).
        let mut jwk = match group.get("publicKeyJwk") {
            Some(jwk) => jwk.clone(),
            None => {
                let integer = |name: &str| {
                    URL_SAFE_NO_PAD.encode(hex(group["publicKey"][name].as_str().unwrap()))
                };
                json!({ "kty": "RSA", "n": integer("modulus"), "e": integer("publicExponent") })
            }
        };
        // Every key is used as a PS256 key here, whatever its set was made for.
        jwk["kid"] = json!("wycheproof");
        jwk.as_object_mut().unwrap().remove("alg");
        let tests = group["tests"].as_array().unwrap().iter().map(|t| {
            let (msg, sig) = (t["msg"].as_str().unwrap(), t["sig"].as_str().unwrap());
            let result = t["result"].as_str().unwrap().to_string();
            (t["tcId"].as_u64().unwrap(), hex(msg), hex(sig), result)
        });
        let vectors = Vectors {
            jwk,
            tests: tests.collect(),
        };
        assert_eq!(
            vectors.tests.len() as u64,
            file["numberOfTests"].as_u64().unwrap()
        );
        vectors
    }

    fn key_of(jwk: &Value) -> Arc<Key> {
        let set = KeySet::from_jwks_json(json!({ "keys": [jwk] }).to_string()).unwrap();
        set.get("wycheproof").unwrap().clone()
    }

    /// Every vector of Wycheproof's RSA-PSS 2048 / SHA-256 / MGF1-SHA-256 / salt 32 set gives
    /// its expected result; the set has no `acceptable` vectors (if a later copy has some, they
    /// must be refused: PS256 as Flatpeak specifies it has one valid form).
    #[test]
    fn wycheproof_ps256_vectors_give_their_expected_result() {
        let vectors = wycheproof("rsa_pss_2048_sha256_mgf1_32_test");
        let key = key_of(&vectors.jwk);
        let mut valid = 0;
        for (id, msg, sig, result) in &vectors.tests {
            let expected = result == "valid";
            assert!(
                ["valid", "invalid", "acceptable"].contains(&result.as_str()),
                "tcId {id}: result {result}"
            );
            assert_eq!(key.verifies(&[msg], sig), expected, "tcId {id} ({result})");
            valid += usize::from(expected);
        }
        assert_eq!((valid, vectors.tests.len()), (63, 108));
    }

    /// The message may reach the digest in pieces (`{timestamp}`, `.`, `{body}`): cutting each
    /// valid vector's message anywhere gives the same result.
    #[test]
    fn wycheproof_valid_vectors_verify_in_pieces() {
        let vectors = wycheproof("rsa_pss_2048_sha256_mgf1_32_test");
        let key = key_of(&vectors.jwk);
        for (id, msg, sig, result) in vectors.tests.iter().filter(|t| t.3 == "valid") {
            let cut = msg.len() / 2;
            let parts: [&[u8]; 3] = [&msg[..cut], b"", &msg[cut..]];
            assert!(key.verifies(&parts, sig), "tcId {id} ({result})");
        }
    }

    /// Signatures that are valid under other PSS parameters (salt 0, SHA-1, MGF1-SHA-1) are
    /// refused: the verifier checks PS256 exactly, salt length included. Of those sets' invalid
    /// vectors, the one accepted is the one re-signed with PS256's own parameters (the salt-0
    /// set's "s_len changed to 32"), which shows that the salt length is what decides.
    #[test]
    fn wycheproof_vectors_of_other_parameters_are_refused() {
        let mut accepted = Vec::new();
        for name in [
            "rsa_pss_2048_sha256_mgf1_0_test",
            "rsa_pss_2048_sha1_mgf1_20_test",
            "rsa_pss_2048_sha256_mgf1sha1_20_test",
        ] {
            let vectors = wycheproof(name);
            let key = key_of(&vectors.jwk);
            let valid_there = vectors.tests.iter().filter(|t| t.3 == "valid").count();
            assert!(valid_there > 40, "{name}: {valid_there} valid vectors");
            for (id, msg, sig, result) in &vectors.tests {
                if key.verifies(&[msg], sig) {
                    assert_ne!(result, "valid", "{name} tcId {id} is valid there");
                    accepted.push(format!("{name} {id}"));
                }
            }
        }
        assert_eq!(accepted, ["rsa_pss_2048_sha256_mgf1_0_test 69"]);
    }

    fn wycheproof_jwk() -> Value {
        wycheproof("rsa_pss_2048_sha256_mgf1_32_test").jwk
    }

    fn skipped_reason(jwk: Value) -> String {
        match KeySet::from_jwks_json(json!({ "keys": [jwk] }).to_string()) {
            Err(JwksError::NoUsableKey(skipped)) => skipped[0].reason.clone(),
            other => format!("not skipped: {other:?}"),
        }
    }

    #[test]
    fn keys_that_cannot_verify_ps256_are_skipped_with_a_reason() {
        let jwk = wycheproof_jwk();
        let with = |field: &str, value: Value| {
            let mut jwk = jwk.clone();
            jwk[field] = value;
            jwk
        };
        assert!(skipped_reason(with("kty", json!("EC"))).contains("kty"));
        assert!(skipped_reason(with("use", json!("enc"))).contains("use"));
        assert!(skipped_reason(with("alg", json!("RS256"))).contains("alg"));
        assert!(skipped_reason(with("key_ops", json!(["encrypt"]))).contains("key_ops"));
        assert!(skipped_reason(with("kid", json!("a kid with spaces"))).contains("kid"));
        assert!(skipped_reason(with("n", json!("orRRoH0K=="))).contains("n is not base64url"));
        assert!(skipped_reason(with("n", json!("orRR+H0K"))).contains("n is not base64url"));
        assert!(skipped_reason(with("e", json!("AQAC"))).contains("exponent")); // even
        assert!(skipped_reason(with("e", json!("AQ"))).contains("exponent")); // 1
        assert!(skipped_reason(with("e", 65537.into())).contains("e is missing"));
        let mut no_kid = jwk.clone();
        no_kid.as_object_mut().unwrap().remove("kid");
        assert_eq!(skipped_reason(no_kid), "no kid");
        // 1024 bits: the first half of the modulus.
        let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
        let short = URL_SAFE_NO_PAD.encode(&n[..128]);
        assert_eq!(
            skipped_reason(with("n", json!(short))),
            "1024-bit modulus, less than 2048"
        );
    }

    #[test]
    fn leading_zero_octets_and_the_right_alg_and_use_are_accepted() {
        let mut jwk = wycheproof_jwk();
        let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
        let padded: Vec<u8> = [0u8].iter().chain(&n).copied().collect();
        jwk["n"] = json!(URL_SAFE_NO_PAD.encode(padded));
        jwk["alg"] = json!("PS256");
        jwk["use"] = json!("sig");
        jwk["key_ops"] = json!(["verify"]);
        let set = KeySet::from_jwks_json(json!({ "keys": [jwk] }).to_string()).unwrap();
        assert_eq!(set.key_ids().collect::<Vec<_>>(), ["wycheproof"]);
        assert_eq!(set.get("wycheproof").map(|k| k.bits), Some(2048));
    }

    #[test]
    fn a_set_keeps_good_keys_beside_bad_ones_and_the_first_of_a_kid() {
        let good = wycheproof_jwk();
        let jwks = json!({ "keys": [{ "kty": "OKP", "kid": "ed" }, good, good, 7] });
        let set = KeySet::from_jwks_json(jwks.to_string()).unwrap();
        assert_eq!(set.len(), 1);
        let reasons: Vec<&str> = set.skipped().iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "not an RSA key (kty)",
                "a key before it has the same kid",
                "not a JSON object"
            ]
        );
    }

    #[test]
    fn documents_that_are_not_a_key_set_are_errors() {
        assert!(matches!(
            KeySet::from_jwks_json("{"),
            Err(JwksError::NotJson(_))
        ));
        assert!(matches!(
            KeySet::from_jwks_json(r#"{"keys": {}}"#),
            Err(JwksError::NoKeys)
        ));
        assert!(matches!(
            KeySet::from_jwks_json(r#"[]"#),
            Err(JwksError::NoKeys)
        ));
        assert!(matches!(
            KeySet::from_jwks_json(r#"{"keys": []}"#),
            Err(JwksError::NoUsableKey(skipped)) if skipped.is_empty()
        ));
    }
}

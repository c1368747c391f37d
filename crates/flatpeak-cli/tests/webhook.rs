//! `flatpeak webhook verify` as a person runs it: on files made by the crate's test signer,
//! with no credentials in the environment. Authentic and fresh exits 0 and prints the event;
//! refused exits 1 with one line saying why (never the body); unreadable input exits 2.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use flatpeak::webhook::testing::{SignedDelivery, TestSigner, event_body};
use serde_json::{Value, json};

const NOW: i64 = 1_776_847_880;
const MARKER: &str = "customer-secret-9b1e";

fn signer() -> &'static TestSigner {
    static SIGNER: OnceLock<TestSigner> = OnceLock::new();
    SIGNER.get_or_init(|| TestSigner::generate("wsk_live_cli").unwrap())
}

/// A directory with `jwks.json`, `headers.txt` and `body.json` for one delivery.
struct Capture {
    dir: tempfile::TempDir,
}

impl Capture {
    fn of(delivery: &SignedDelivery) -> Capture {
        let capture = Capture {
            dir: tempfile::tempdir().unwrap(),
        };
        capture.write("jwks.json", signer().jwks_json().as_bytes());
        capture.write("headers.txt", delivery.header_lines().as_bytes());
        capture.write("body.json", &delivery.body);
        capture
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap();
    }

    /// Runs `flatpeak webhook verify` on the files, with `extra` arguments.
    fn verify(&self, extra: &[&str]) -> Output {
        let arg = |name: &str| self.path(name).into_os_string();
        Command::new(env!("CARGO_BIN_EXE_flatpeak"))
            .args(["webhook", "verify", "--jwks"])
            .arg(arg("jwks.json"))
            .arg("--headers")
            .arg(arg("headers.txt"))
            .arg("--body")
            .arg(arg("body.json"))
            .args(extra)
            .env_remove("FLATPEAK_TOKEN")
            .env_remove("FLATPEAK_ACCOUNT_ID")
            .env_remove("FLATPEAK_API_KEY")
            .output()
            .unwrap()
    }
}

fn body() -> Vec<u8> {
    let data = json!({ "location_id": "loc_661677cdc31d91695fd8f33d", "note": MARKER });
    event_body("evt_66167787c1652b3fbeba5f01", "tariff.expired", data)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts exit code 1 with exactly one line on stderr containing `why`, and not the body.
fn refused(out: &Output, why: &str) {
    let stderr = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(why), "{stderr}");
    assert!(!stderr.contains(MARKER), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// Asserts exit code 2 with a message containing `why`.
fn input_error(out: &Output, why: &str) {
    let stderr = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(why), "{stderr}");
}

#[test]
fn an_authentic_fresh_delivery_exits_0_and_prints_the_event() {
    let capture = Capture::of(&signer().sign_now(body()).unwrap());
    let out = capture.verify(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sent: Value = serde_json::from_slice(&body()).unwrap();
    assert_eq!(printed["id"], sent["id"]);
    assert_eq!(printed["object"], "event");
    assert_eq!(printed["type"], "tariff.expired");
    assert_eq!(printed["data"], sent["data"]);
}

#[test]
fn a_log_style_headers_file_is_read_whatever_the_case_and_blank_lines() {
    let delivery = signer().sign(NOW, body()).unwrap();
    let capture = Capture::of(&delivery);
    let lines: Vec<String> = delivery
        .header_lines()
        .lines()
        .map(|line| {
            let (name, value) = line.split_once(": ").unwrap();
            format!("{}:{value}\r\n\r\n", name.to_uppercase())
        })
        .collect();
    let file = format!(
        "Content-Type: application/json\n\n{}Host: example.com\n",
        lines.concat()
    );
    capture.write("headers.txt", file.as_bytes());
    let out = capture.verify(&["--now", &NOW.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn an_old_capture_is_stale_unless_checked_as_of_its_time() {
    let capture = Capture::of(&signer().sign(NOW, body()).unwrap());
    refused(&capture.verify(&[]), "not verified: signed");
    refused(&capture.verify(&[]), "more than the 300 s tolerance");
    let out = capture.verify(&["--now", &(NOW + 300).to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn the_tolerance_flag_sets_the_allowed_age() {
    let capture = Capture::of(&signer().sign(NOW - 100, body()).unwrap());
    let now = NOW.to_string();
    refused(
        &capture.verify(&["--now", &now, "--tolerance", "99"]),
        "signed 100 s ago, more than the 99 s tolerance",
    );
    let out = capture.verify(&["--now", &now, "--tolerance", "100"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_changed_body_exits_1_with_one_line_that_does_not_quote_it() {
    let capture = Capture::of(&signer().sign_now(body()).unwrap());
    let mut changed = body();
    changed.push(b'\n'); // what an editor adds on saving
    capture.write("body.json", &changed);
    refused(
        &capture.verify(&[]),
        "not verified: the signature does not verify under key `wsk_live_cli`",
    );
}

#[test]
fn an_unknown_key_or_an_unsigned_delivery_exits_1() {
    let other = TestSigner::generate("wsk_live_other").unwrap();
    let capture = Capture::of(&other.sign_now(body()).unwrap());
    refused(
        &capture.verify(&[]),
        "no key `wsk_live_other` in the key set",
    );
    let capture = Capture::of(&signer().sign_now(body()).unwrap());
    capture.write(
        "headers.txt",
        b"Flatpeak-Signature: none\nFlatpeak-Version: 2025-09-14.anode\n",
    );
    refused(&capture.verify(&[]), "unsigned");
    capture.write("headers.txt", b"flatpeak-signature: v1=abc\n");
    refused(
        &capture.verify(&[]),
        "the `Flatpeak-Version` header is missing",
    );
}

#[test]
fn unreadable_inputs_exit_2() {
    let capture = Capture::of(&signer().sign_now(body()).unwrap());
    std::fs::remove_file(capture.path("body.json")).unwrap();
    input_error(&capture.verify(&[]), "cannot read --body");

    let capture = Capture::of(&signer().sign_now(body()).unwrap());
    capture.write("jwks.json", b"<html>not a key set</html>");
    input_error(&capture.verify(&[]), "the JWKS is not JSON");
    capture.write("jwks.json", br#"{"keys":[{"kty":"EC","kid":"e1"}]}"#);
    input_error(&capture.verify(&[]), "no usable RSA signing key");

    let capture = Capture::of(&signer().sign_now(body()).unwrap());
    let mut headers = signer().sign_now(body()).unwrap().header_lines();
    headers.push_str("\nPOST /webhooks/flatpeak HTTP/1.1\n");
    capture.write("headers.txt", headers.as_bytes());
    input_error(&capture.verify(&[]), "line 7 is not `Name: value`");
}

#[test]
fn a_missing_flag_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_flatpeak"))
        .args(["webhook", "verify", "--jwks", "jwks.json"])
        .output()
        .unwrap();
    input_error(&out, "--headers");
}

//! The shape of a cassette, as the gate and `scrub` read it: both read it through one reader,
//! so a file one refuses the other refuses too, with the place named; a duplicate key is
//! refused rather than merged; a Ruby VCR body recorded in base64 (`base64_string`, or YAML's
//! `string: !binary`) is checked and scrubbed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};

use crate::common::{self, gate_binary, text};

/// The JWT `secret-token-in-a-body.json` holds in its response body.
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhY2NfMSJ9.c2lnbmF0dXJl";

/// The negative set's Yotta cassette with a JWT in its response body, parsed.
fn leaking_cassette() -> Value {
    let path = "tests/negative/yotta/secret-token-in-a-body.json";
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A directory with Yotta's release marker and `files`, by name.
fn directory(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let marker = "tests/negative/yotta/.flatpeak-release";
    std::fs::copy(marker, dir.path().join(".flatpeak-release")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The gate's JSON report on `dir`, and its exit code.
fn gate_report(dir: &Path) -> (Option<i32>, String) {
    let at = dir.to_str().unwrap();
    let out = gate_binary(&["--cassettes", at, "--no-waivers", "--format", "json"]);
    (out.status.code(), text(&out.stdout) + &text(&out.stderr))
}

/// What `scrub` says of each file it could not read.
fn scrub_refusals(dir: &Path) -> Vec<String> {
    let (releases, default) = common::releases();
    let done = conformance::scrub(&releases, &default, &[dir.into()], true).unwrap();
    done.unreadable
        .iter()
        .map(|e| {
            format!(
                "{e}: {}",
                std::error::Error::source(e)
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn a_key_twice_in_a_cassette_is_refused_by_the_gate_and_scrub_naming_file_line_and_key() {
    let one = leaking_cassette()["http_interactions"][0].to_string();
    // Two `http_interactions`: the reader would keep only the second.
    let two_lists = format!(
        "{{\"http_interactions\": [{one}],\n\"recorded_with\": \"t\",\n\"http_interactions\": []}}"
    );
    // Two headers of one name in a YAML request.
    let yaml = "http_interactions:
- request:
    uri: https://api.flatpeak.com/devices/dev_6790a1b2c3d4e5f6a7b8c9d0
    method: get
    body: ''
    headers:
      Accept: [application/json]
      Accept: [text/plain]
  response: {status: {code: 200, message: OK}, headers: {}, body: ''}
  recorded_at: Mon, 02 Mar 2026 10:15:00 GMT
recorded_with: t
";
    // Two responses of one interaction, and two headers of one name, in JSON.
    let response = leaking_cassette()["http_interactions"][0]["response"].to_string();
    let two_responses = one.replacen(
        "\"response\":",
        &format!("\"response\": {response},\n\"response\":"),
        1,
    );
    let two_responses =
        format!("{{\"http_interactions\": [{two_responses}], \"recorded_with\": \"t\"}}");
    let two_headers = one.replacen(
        "\"headers\":{",
        "\"headers\":{\"Accept\":[\"text/plain\"],\n\"Accept\":[\"a/b\"],",
        1,
    );
    assert_ne!(
        two_headers, one,
        "the request's headers are where this test expects"
    );
    let two_headers =
        format!("{{\"http_interactions\": [{two_headers}], \"recorded_with\": \"t\"}}");
    let dir = directory(&[
        ("lists.json", &two_lists),
        ("headers.yaml", yaml),
        ("responses.json", &two_responses),
        ("headers.json", &two_headers),
    ]);
    let (code, report) = gate_report(dir.path());
    assert_eq!(code, Some(2), "nothing read: {report}");
    for expected in [
        "lists.json",
        "duplicate key `http_interactions`",
        "line 3",
        "headers.yaml",
        "duplicate key `Accept`",
        "http_interactions[0].request.headers",
        "responses.json",
        "duplicate key `response`",
        "headers.json",
    ] {
        assert!(report.contains(expected), "{expected}: {report}");
    }
    // Each file's own finding says why.
    let findings: Value = serde_json::from_str(&report[..report.rfind('}').unwrap() + 1]).unwrap();
    for (file, why) in [
        ("headers.json", "duplicate key `Accept`"),
        ("headers.yaml", "duplicate key `Accept`"),
        ("responses.json", "duplicate key `response`"),
        ("lists.json", "duplicate key `http_interactions`"),
    ] {
        let said = findings["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["file"].as_str().unwrap().ends_with(file))
            .map(|f| f["message"].as_str().unwrap())
            .collect::<Vec<_>>();
        assert!(said.len() == 1 && said[0].contains(why), "{file}: {said:?}");
    }
    let refused = scrub_refusals(dir.path());
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(refused[0].contains("duplicate key `Accept`"), "{refused:?}");
    assert!(refused[1].contains("duplicate key `Accept`"), "{refused:?}");
    assert!(
        refused[2].contains("duplicate key `http_interactions`"),
        "{refused:?}"
    );
    assert!(
        refused[3].contains("duplicate key `response`"),
        "{refused:?}"
    );
}

#[test]
fn a_request_without_a_body_is_read_by_both_and_a_file_without_recorded_with_by_neither() {
    let mut bodiless = leaking_cassette();
    let request = bodiless["http_interactions"][0]["request"]
        .as_object_mut()
        .unwrap();
    request.remove("body");
    let mut unsigned = leaking_cassette();
    unsigned.as_object_mut().unwrap().remove("recorded_with");
    let dir = directory(&[
        ("bodiless.json", &bodiless.to_string()),
        ("unsigned.json", &unsigned.to_string()),
    ]);
    let (code, report) = gate_report(dir.path());
    assert_eq!(code, Some(1), "the JWT is found: {report}");
    assert!(report.contains("missing field `recorded_with`"), "{report}");
    assert!(!report.contains("missing field `body`"), "{report}");
    // The bodiless request's response leaks its JWT: found by the gate, scrubbed by scrub.
    assert!(report.contains("bodiless.json"), "{report}");
    let refused = scrub_refusals(dir.path());
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("unsigned.json"), "{refused:?}");
    assert!(
        refused[0].contains("missing field `recorded_with`"),
        "{refused:?}"
    );
    let (releases, default) = common::releases();
    let done = conformance::scrub(&releases, &default, &[dir.path().into()], false).unwrap();
    assert!(
        done.written.iter().any(|p| p.ends_with("bodiless.json")),
        "{done:?}"
    );
}

/// `cassette` with its response body written as Ruby VCR writes a binary one: base64 in lines
/// of 60 characters.
fn base64_body(mut cassette: Value) -> Value {
    let body = &mut cassette["http_interactions"][0]["response"]["body"];
    let string = body["string"].as_str().unwrap().to_string();
    let encoded = base64::engine::general_purpose::STANDARD.encode(string);
    let lines: Vec<String> = encoded
        .as_bytes()
        .chunks(60)
        .map(|l| String::from_utf8(l.to_vec()).unwrap() + "\n")
        .collect();
    *body = json!({"encoding": "ASCII-8BIT", "base64_string": lines.concat()});
    cassette
}

#[test]
fn a_ruby_vcr_base64_body_is_checked_scrubbed_and_written_back_in_base64() {
    let recorded = base64_body(leaking_cassette());
    let dir = directory(&[("binary.json", &recorded.to_string())]);
    let (code, report) = gate_report(dir.path());
    assert_eq!(code, Some(1), "the JWT in the body is found: {report}");
    assert!(report.contains("secret"), "{report}");
    assert!(!report.contains(JWT), "{report}");

    let (releases, default) = common::releases();
    let done = conformance::scrub(&releases, &default, &[dir.path().into()], false).unwrap();
    assert_eq!(done.changes.len(), 1, "{done:?}");
    let path = dir.path().join("binary.json");
    let scrubbed: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let body = &scrubbed["http_interactions"][0]["response"]["body"];
    assert!(body.get("string").is_none(), "{body}");
    let written = body["base64_string"].as_str().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(written)
        .unwrap();
    let decoded = String::from_utf8(decoded).unwrap();
    assert!(
        !decoded.contains(JWT) && decoded.contains("model_name"),
        "{decoded}"
    );
    let (code, report) = gate_report(dir.path());
    assert_eq!(code, Some(0), "{report}");
}

/// The same cassette as older Ruby VCR (Psych) writes it in YAML: the body's `string` tagged
/// `!binary`, its base64 in a block. The gate decodes and checks it; scrub replaces the JWT
/// and writes the body back as `base64_string`, which the gate then passes.
#[test]
fn a_psych_binary_body_in_yaml_is_checked_and_scrubbed_into_base64_string() {
    let recorded = base64_body(leaking_cassette());
    let mut yaml = serde_norway::to_string(&recorded).unwrap();
    let at = yaml.find("base64_string: ").unwrap();
    let rest = &yaml[at + "base64_string: ".len()..];
    // serde_norway writes the lines as a literal block (`|`); Psych tags it `!binary`.
    assert!(rest.starts_with('|'), "{rest}");
    yaml.replace_range(at..at + "base64_string: ".len(), "string: !binary ");
    let dir = directory(&[("binary.yaml", &yaml)]);
    let (code, report) = gate_report(dir.path());
    assert_eq!(code, Some(1), "the JWT in the body is found: {report}");
    assert!(
        report.contains("secret") && !report.contains(JWT),
        "{report}"
    );

    let (releases, default) = common::releases();
    let done = conformance::scrub(&releases, &default, &[dir.path().into()], false).unwrap();
    assert_eq!(done.changes.len(), 1, "{done:?}");
    let written = std::fs::read_to_string(dir.path().join("binary.yaml")).unwrap();
    assert!(
        !written.contains("!binary") && written.contains("base64_string"),
        "{written}"
    );
    let (code, report) = gate_report(dir.path());
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn a_base64_body_that_does_not_decode_is_a_cassette_error_naming_its_place() {
    let mut recorded = base64_body(leaking_cassette());
    recorded["http_interactions"][0]["response"]["body"]["base64_string"] = json!("e30=!");
    let mut both = base64_body(leaking_cassette());
    both["http_interactions"][0]["response"]["body"]["string"] = json!("{}");
    let dir = directory(&[
        ("both.json", &both.to_string()),
        ("broken.json", &recorded.to_string()),
    ]);
    let (code, report) = gate_report(dir.path());
    assert_eq!(code, Some(2), "{report}");
    for expected in [
        "`base64_string` is not valid base64",
        "http_interactions[0].response.body",
        "both `string` and `base64_string`",
    ] {
        assert!(report.contains(expected), "{expected}: {report}");
    }
    let refused = scrub_refusals(dir.path());
    assert_eq!(refused.len(), 2, "{refused:?}");
}

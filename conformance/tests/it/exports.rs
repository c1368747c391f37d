//! The gate where teams run it: recordings as browsers export them (other hosts' traffic, bodies
//! left out), SARIF that validates against the SARIF 2.1.0 schema, and coverage that can be
//! required.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common::{self, gate_binary};

use std::path::{Path, PathBuf};
use std::process::Command;

use conformance::Requirement;
use conformance::report::{Format, render};
use conformance::{Config, Kind, Severity};
use serde_json::{Value, json};

const DEVICE: &str = include_str!("../../../crates/flatpeak/tests/fixtures/device.json");

/// A HAR entry: `url` answered `status` with `body` of `mime` (`None`: the body was seen but
/// not recorded, as browsers export some responses).
fn entry(method: &str, url: &str, status: u16, mime: &str, body: Option<&str>) -> Value {
    let size = body.map_or(1234, str::len);
    let mut content = json!({"size": size, "mimeType": mime});
    if let Some(body) = body {
        content["text"] = body.into();
    }
    json!({
        "startedDateTime": "2026-03-02T10:15:00.000Z", "time": 12.0,
        "request": {"method": method, "url": url, "httpVersion": "HTTP/2", "cookies": [],
            "headers": [{"name": "Accept", "value": "*/*"}], "queryString": [],
            "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/2", "cookies": [],
            "headers": [{"name": "content-type", "value": mime}],
            "content": content, "redirectURL": "", "headersSize": -1, "bodySize": size},
        "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 2}
    })
}

fn har(entries: Vec<Value>) -> String {
    json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [], "entries": entries}})
    .to_string()
}

/// The page, its script, an analytics beacon and the app's own backend, as a browser records
/// them beside the Flatpeak calls.
fn other_hosts() -> Vec<Value> {
    vec![
        entry(
            "GET",
            "https://app.example.com/",
            200,
            "text/html",
            Some("<html></html>"),
        ),
        entry(
            "GET",
            "https://cdn.example.net/app.js",
            200,
            "application/javascript",
            Some("x"),
        ),
        entry(
            "POST",
            "https://analytics.example.org/collect",
            204,
            "text/plain",
            Some(""),
        ),
        entry(
            "GET",
            "https://api.example.com/v1/me",
            200,
            "application/json",
            Some("{}"),
        ),
    ]
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Scrubs the export at `path` as a team would before gating it (`cargo xtask scrub`): the
/// device fixture holds the seed page's coordinates and reference, which the spec marks
/// `x-sensitive`.
fn scrubbed(path: &Path) {
    let (releases, default) = common::releases();
    let done = conformance::scrub(&releases, &default, &[path.to_path_buf()], false).unwrap();
    assert!(done.unreadable.is_empty(), "{:?}", done.unreadable);
}

fn config(dir: &Path) -> Config {
    common::config(vec![dir.to_path_buf()])
}

const DEVICE_URL: &str = "https://api.flatpeak.com/devices/dev_63a6087272941ef077a8fd3e";

#[test]
fn a_browser_export_passes_on_its_flatpeak_calls_and_counts_the_rest_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = other_hosts();
    entries.push(entry(
        "GET",
        DEVICE_URL,
        200,
        "application/json",
        Some(DEVICE),
    ));
    scrubbed(&write(dir.path(), "session.har", &har(entries)));
    let report = common::run(&config(dir.path()));
    assert!(report.conforms(), "{}", render(&report, Format::Text));
    assert_eq!(
        (report.summary.interactions, report.summary.skipped),
        (1, 4)
    );
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert!(
        render(&report, Format::Text).contains("; skipped 4 interactions to other hosts"),
        "{}",
        render(&report, Format::Text)
    );
}

#[test]
fn a_recording_against_a_local_server_is_the_apis_when_its_path_is_an_operation() {
    let dir = tempfile::tempdir().unwrap();
    let local = DEVICE_URL.replace("https://api.flatpeak.com", "http://127.0.0.1:8080");
    let entries = vec![
        entry("GET", &local, 200, "application/json", Some(DEVICE)),
        entry(
            "GET",
            "http://127.0.0.1:8080/healthz",
            200,
            "text/plain",
            Some("ok"),
        ),
    ];
    scrubbed(&write(dir.path(), "local.har", &har(entries)));
    let report = common::run(&config(dir.path()));
    assert!(report.conforms(), "{}", render(&report, Format::Text));
    assert_eq!(
        (report.summary.interactions, report.summary.skipped),
        (1, 1)
    );
}

#[test]
fn a_given_host_is_the_apis_and_its_unknown_paths_are_route_errors() {
    let dir = tempfile::tempdir().unwrap();
    let staging = "https://staging.flatpeak.example";
    let entries = vec![
        entry(
            "GET",
            &format!("{staging}/nonsense"),
            200,
            "application/json",
            Some("{}"),
        ),
        entry(
            "GET",
            &format!("{staging}/devices"),
            200,
            "application/json",
            Some("{}"),
        ),
    ];
    write(dir.path(), "staging.har", &har(entries));
    let mut config = config(dir.path());
    let skipped = common::run(&config);
    assert_eq!(
        (skipped.summary.skipped, skipped.summary.interactions),
        (1, 1)
    );
    config.hosts = vec!["STAGING.flatpeak.example".into()];
    let report = common::run(&config);
    assert_eq!(report.summary.skipped, 0);
    let kinds: Vec<(Option<usize>, Kind)> = report
        .findings
        .iter()
        .map(|f| (f.interaction, f.kind))
        .collect();
    assert_eq!(kinds[0], (Some(0), Kind::Route), "{kinds:?}");
    // `GET /devices` is list_devices: routed, then checked (and failing on its `{}` body).
    assert!(kinds.contains(&(Some(1), Kind::Schema)), "{kinds:?}");
}

#[test]
fn a_body_the_browser_left_out_is_a_cassette_warning_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let entries = vec![entry("GET", DEVICE_URL, 200, "application/json", None)];
    write(dir.path(), "left-out.har", &har(entries));
    let report = common::run(&config(dir.path()));
    let found: Vec<(Kind, Severity)> = report
        .findings
        .iter()
        .map(|f| (f.kind, f.severity))
        .collect();
    assert_eq!(found, [(Kind::Cassette, Severity::Warning)]);
    assert!(
        report.findings[0]
            .message
            .contains("left the response body out (1234 bytes"),
        "{:?}",
        report.findings[0]
    );
    assert!(report.conforms());
    assert_eq!(report.interactions[0].outcome, None, "not replayed");
}

#[test]
fn an_export_of_other_hosts_only_checked_nothing_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "noise.har", &har(other_hosts()));
    let out = gate_binary(&["--cassettes", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("all 4 interactions were to other hosts"),
        "{stderr}"
    );
}

#[test]
fn require_coverage_fails_on_a_missing_operation_and_passes_on_the_bundled_set() {
    let dir = tempfile::tempdir().unwrap();
    let entries = vec![entry(
        "GET",
        DEVICE_URL,
        200,
        "application/json",
        Some(DEVICE),
    )];
    write(dir.path(), "one.har", &har(entries));
    let mut config = config(dir.path());
    config.require_coverage = Some(Requirement::Operations);
    let report = common::run(&config);
    assert!(!report.conforms());
    let gaps: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.kind == Kind::Coverage)
        .filter_map(|f| f.operation.as_deref())
        .collect();
    // The default release's operations (Anode's 39) but the one recorded.
    assert_eq!(gaps.len(), 38, "{gaps:?}");
    assert!(gaps.contains(&"list_locations") && !gaps.contains(&"retrieve_device"));

    let mut bundled = common::config(vec!["cassettes".into()]);
    bundled.waivers = Some("waivers.toml".into());
    bundled.require_coverage = Some(Requirement::Operations);
    let report = common::run(&bundled);
    assert!(report.conforms(), "{}", render(&report, Format::Text));
    // Every release the bundled set holds recordings of is covered whole.
    assert!(!report.coverage.is_empty());
    for coverage in &report.coverage {
        let (seen, all) = coverage.operations_seen();
        assert_eq!(seen, all, "release {}", coverage.release);
    }
}

/// The SARIF 2.1.0 schema that serde-sarif ships, found through `cargo metadata` (for this
/// platform only, so that it needs no download).
fn sarif_schema() -> Value {
    let rustc = Command::new("rustc").arg("-vV").output().unwrap();
    let version = String::from_utf8(rustc.stdout).unwrap();
    let host = version
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", host])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .unwrap()
        .to_string();
    let schema = Path::new(&manifest).with_file_name("src/schema.json");
    let mut schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema).unwrap()).unwrap();
    // The published schema's pattern for `language` has a stray `]`, which a strict regex
    // parser refuses; escaped, it means what ECMAScript engines read (our runs set no language).
    let fixed = escape_stray_bracket(&mut schema);
    assert!(fixed > 0, "the schema's quirk is gone: drop this fix");
    schema
}

fn escape_stray_bracket(value: &mut Value) -> usize {
    const STRAY: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match value {
        Value::Object(map) => {
            let mut fixed = 0;
            for (key, v) in map.iter_mut() {
                if key == "pattern" && v == STRAY {
                    *v = STRAY.replace("}]?", "}\\]?").into();
                    fixed += 1;
                } else {
                    fixed += escape_stray_bracket(v);
                }
            }
            fixed
        }
        Value::Array(items) => items.iter_mut().map(escape_stray_bracket).sum(),
        _ => 0,
    }
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema_with_every_severity() {
    let mut config = common::config(vec!["cassettes".into(), "tests/negative".into()]);
    config.waivers = Some("waivers.toml".into());
    let report = common::run(&config);
    let severities: std::collections::BTreeSet<Severity> =
        report.findings.iter().map(|f| f.severity).collect();
    assert_eq!(severities.len(), 3, "errors, warnings and waived");
    let sarif: Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&sarif_schema())
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let run = &sarif["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for kind in Kind::all() {
        assert!(rules.contains(&kind.name()), "{rules:?}");
    }
    let results = run["results"].as_array().unwrap();
    let of_findings = results
        .iter()
        .filter(|r| r["ruleId"] != "coverage-note")
        .count();
    assert_eq!(of_findings, report.findings.len());
    let seed = "cassettes/yotta/seeds/retrieve-device.json";
    let waived = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == seed)
        .unwrap();
    assert_eq!(waived["level"], "note");
    assert_eq!(
        waived["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "cassettes/yotta/seeds/retrieve-device.json"
    );
    assert_eq!(
        waived["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert!(
        results
            .iter()
            .all(|r| r["locations"].as_array().is_some_and(|l| !l.is_empty()))
    );
}

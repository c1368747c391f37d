//! `cargo xtask diff` as users run it: the real binary on our spec and on mutations of it, each
//! with the change it must find, its effect on code (`client`) and on deployed binaries
//! (`wire`), and the semver level; and `--verify` against cargo-semver-checks on a subset.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{root, xtask};

use serde_json::{Value, json};

/// The base the mutations below change: the workspace's one spec from before it had a spec
/// per release (a realistic document of 38 operations whose places the table names), kept
/// as a fixture so that the table does not move with the releases' specs.
fn spec_path() -> PathBuf {
    root().join("xtask/tests/fixtures/diff-base.yaml")
}

fn our_spec() -> Value {
    spec_model::Spec::load(&spec_path()).unwrap().document
}

/// A mutation of our spec, and what the diff must say about it.
struct Case {
    name: &'static str,
    mutate: fn(&mut Value),
    /// Every change expected: (change, client, wire).
    changes: &'static [(&'static str, &'static str, &'static str)],
    /// The level under post-1.0 rules (`report.level`).
    level: &'static str,
}

fn at<'v>(spec: &'v mut Value, pointer: &str) -> &'v mut Value {
    spec.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in our spec"))
}

fn object<'v>(spec: &'v mut Value, pointer: &str) -> &'v mut serde_json::Map<String, Value> {
    at(spec, pointer).as_object_mut().unwrap()
}

fn list<'v>(spec: &'v mut Value, pointer: &str) -> &'v mut Vec<Value> {
    at(spec, pointer).as_array_mut().unwrap()
}

fn remove_value(spec: &mut Value, pointer: &str, value: &str) {
    let values = list(spec, pointer);
    let before = values.len();
    values.retain(|v| v != value);
    assert_eq!(values.len() + 1, before, "{value} not in {pointer}");
}

const DEVICE: &str = "/components/schemas/Device";
const DEVICES: &str = "/paths/~1devices";
const STATUS_ENUM: &str = "/components/schemas/TariffConnectionStatus/enum";
const MEASURAND: &str = "/components/schemas/Measurand/enum";

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "operation removed",
            mutate: |s| {
                object(s, "/paths").remove("/events/{id}");
            },
            changes: &[("operation-removed", "breaking", "breaking")],
            level: "major",
        },
        Case {
            name: "operation added",
            mutate: |s| {
                let op = json!({"post": {"operationId": "replay_event", "summary": "Replay an event",
                    "responses": {"202": {"$ref": "#/components/responses/Accepted"}}}});
                object(s, "/paths").insert("/events/replay".into(), op);
            },
            changes: &[("operation-added", "compatible", "compatible")],
            level: "minor",
        },
        Case {
            name: "response field added",
            mutate: |s| {
                let field = json!({"description": "Firmware version.", "type": "string"});
                object(s, &format!("{DEVICE}/properties")).insert("firmware_version".into(), field);
            },
            changes: &[("response-field-added", "compatible", "compatible")],
            level: "minor",
        },
        Case {
            name: "response field removed",
            mutate: |s| {
                object(s, &format!("{DEVICE}/properties")).remove("timezone");
                remove_value(s, &format!("{DEVICE}/required"), "timezone");
            },
            changes: &[("response-field-removed", "breaking", "breaking")],
            level: "major",
        },
        Case {
            name: "response field made optional",
            mutate: |s| remove_value(s, &format!("{DEVICE}/required"), "timezone"),
            changes: &[("field-now-optional", "breaking", "breaking")],
            level: "major",
        },
        Case {
            name: "response field made required",
            mutate: |s| list(s, &format!("{DEVICE}/required")).push(json!("last_seen")),
            changes: &[("field-now-required", "breaking", "compatible")],
            level: "major",
        },
        Case {
            name: "type changed",
            mutate: |s| {
                *at(s, "/components/schemas/AuthToken/properties/expires_in") =
                    json!({"description": "Seconds until the token expires.", "type": "string"});
            },
            changes: &[("type-changed", "breaking", "breaking")],
            level: "major",
        },
        Case {
            name: "response enum value added",
            mutate: |s| list(s, STATUS_ENUM).push(json!("PENDING")),
            changes: &[("enum-value-added", "compatible", "compatible")],
            level: "minor",
        },
        Case {
            name: "response enum value removed",
            mutate: |s| remove_value(s, STATUS_ENUM, "ERROR_REPORTED"),
            changes: &[("enum-value-removed", "breaking", "compatible")],
            level: "major",
        },
        Case {
            name: "request enum value added",
            mutate: |s| list(s, MEASURAND).push(json!("DELIVERED")),
            changes: &[("enum-value-added", "compatible", "compatible")],
            level: "minor",
        },
        Case {
            name: "request enum value removed",
            mutate: |s| remove_value(s, MEASURAND, "OFFERED"),
            changes: &[("enum-value-removed", "breaking", "breaking")],
            level: "major",
        },
        Case {
            name: "new required query parameter",
            mutate: |s| {
                let p = json!({"name": "region", "in": "query", "required": true,
                    "description": "Only devices in this region.", "schema": {"type": "string"}});
                list(s, &format!("{DEVICES}/get/parameters")).push(p);
            },
            changes: &[("required-parameter-added", "breaking", "breaking")],
            level: "major",
        },
        Case {
            name: "new optional query parameter",
            mutate: |s| {
                let p = json!({"name": "region", "in": "query",
                    "description": "Only devices in this region.", "schema": {"type": "string"}});
                list(s, &format!("{DEVICES}/get/parameters")).push(p);
            },
            changes: &[("optional-parameter-added", "compatible", "compatible")],
            level: "minor",
        },
        Case {
            name: "new required request body field",
            mutate: |s| {
                let create = "/components/schemas/DeviceCreate";
                let field = json!({"description": "Serial number.", "type": "string"});
                object(s, &format!("{create}/properties")).insert("serial_number".into(), field);
                object(s, create).insert("required".into(), json!(["serial_number"]));
            },
            changes: &[
                ("request-field-added", "breaking", "breaking"),
                ("default-impl-removed", "breaking", "compatible"),
            ],
            level: "major",
        },
        Case {
            name: "request field made required",
            mutate: |s| {
                list(s, "/components/schemas/ConnectTokenRequest/required")
                    .push(json!("customer_id"))
            },
            changes: &[("request-field-now-required", "breaking", "breaking")],
            level: "major",
        },
        Case {
            name: "path parameter renamed",
            mutate: |s| {
                let paths = object(s, "/paths");
                let mut item = paths.remove("/devices/{device_id}").unwrap();
                item["parameters"][0]["name"] = json!("id");
                paths.insert("/devices/{id}".into(), item);
            },
            changes: &[("path-parameter-renamed", "breaking", "compatible")],
            level: "major",
        },
        Case {
            name: "description-only change",
            mutate: |s| {
                *at(s, &format!("{DEVICE}/properties/timezone/description")) =
                    json!("The device's IANA time zone name.");
            },
            changes: &[("description-changed", "compatible", "compatible")],
            level: "patch",
        },
        Case {
            name: "field made x-sensitive",
            mutate: |s| {
                object(s, &format!("{DEVICE}/properties/timezone"))
                    .insert("x-sensitive".into(), json!(true));
            },
            changes: &[("sensitivity-changed", "compatible", "compatible")],
            level: "patch",
        },
        Case {
            name: "$ref target changed",
            mutate: |s| {
                *at(
                    s,
                    "/components/schemas/ConnectTokenRequest/properties/direction/allOf/0",
                ) = json!({"$ref": "#/components/schemas/TariffDirection"});
            },
            changes: &[("ref-changed", "breaking", "compatible")],
            level: "major",
        },
        Case {
            name: "pattern tightened",
            mutate: |s| {
                // Ids are sent (paths, queries, bodies) and read.
                *at(s, "/components/schemas/Id/pattern") = json!("^[a-z]{3}_[A-Za-z0-9]+$");
            },
            changes: &[("pattern-changed", "compatible", "breaking")],
            level: "patch",
        },
    ]
}

/// Writes `spec` as JSON (the diff reads YAML and JSON alike) and diffs our spec against it.
fn diff_json(dir: &Path, name: &str, spec: &Value, extra: &[&str]) -> (Option<i32>, Value) {
    let path = dir.join(format!("{}.json", name.replace([' ', '$'], "-")));
    std::fs::write(&path, serde_json::to_string_pretty(spec).unwrap()).unwrap();
    let old = spec_path();
    let mut args = vec![
        "diff",
        old.to_str().unwrap(),
        path.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = xtask(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{name}: not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

fn changes_of(report: &Value) -> Vec<(String, String, String)> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap().to_string();
            (s("change"), s("client"), s("wire"))
        })
        .collect()
}

/// Pre-1.0 (the crate is 0.x): major becomes a minor bump, anything else a patch bump.
fn bump_before_1_0(level: &str) -> &'static str {
    match level {
        "major" => "minor",
        "minor" | "patch" => "patch",
        _ => "none",
    }
}

#[test]
fn every_mutation_is_classified_as_expected() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    assert!(cases.len() >= 15);
    // Each case is a run of the xtask binary of its own: they run side by side.
    let reports: Vec<(Option<i32>, Value)> = std::thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|case| {
                let dir = dir.path();
                scope.spawn(move || {
                    let mut spec = our_spec();
                    (case.mutate)(&mut spec);
                    diff_json(dir, case.name, &spec, &[])
                })
            })
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    let mut failures = Vec::new();
    for (case, (code, report)) in cases.iter().zip(reports) {
        let found = changes_of(&report);
        let expected: Vec<(String, String, String)> = case
            .changes
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        let breaking = expected
            .iter()
            .any(|(_, c, w)| c == "breaking" || w == "breaking");
        let verdict = (
            found == expected,
            report["level"] == case.level,
            report["semver"] == bump_before_1_0(case.level),
            code == Some(if breaking { 1 } else { 0 }),
        );
        if verdict != (true, true, true, true) {
            failures.push(format!(
                "{}: expected {expected:?}, level {}, exit {}; found {found:?}, level {}, semver {}, exit {code:?}\n{}",
                case.name,
                case.level,
                u8::from(breaking),
                report["level"],
                report["semver"],
                serde_json::to_string_pretty(&report["changes"]).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_change_in_a_shared_schema_is_listed_once_with_every_operation_it_reaches() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = our_spec();
    remove_value(&mut spec, &format!("{DEVICE}/required"), "timezone");
    let (_, report) = diff_json(dir.path(), "shared", &spec, &[]);
    let change = &report["changes"][0];
    assert_eq!(change["operation"], Value::Null, "{change}");
    assert_eq!(
        change["pointer"],
        "/components/schemas/Device/properties/timezone"
    );
    let operations: Vec<&str> = change["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    for op in [
        "retrieve_device",
        "list_devices",
        "update_device",
        "list_events",
    ] {
        assert!(operations.contains(&op), "{op} not in {operations:?}");
    }
    let message = change["message"].as_str().unwrap();
    assert!(
        message.starts_with("`Device.timezone`: was required, now optional"),
        "{message}"
    );
    assert!(message.contains("from `T` to `Option<T>`"), "{message}");
}

#[test]
fn the_spec_against_itself_is_empty_and_exits_0() {
    let spec = spec_path();
    let out = xtask(&[
        "diff",
        spec.to_str().unwrap(),
        spec.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["changes"], json!([]));
    assert_eq!(report["semver"], "none");
    assert_eq!(report["summary"]["changes"], 0);
    let head = xtask(&["diff", "git:HEAD", spec.to_str().unwrap()]);
    assert!(head.status.code() == Some(0) || head.status.code() == Some(1));
}

#[test]
fn an_unreadable_spec_or_a_bad_revision_exits_2_naming_it() {
    let spec = spec_path();
    let out = xtask(&["diff", "/nonexistent/old.yaml", spec.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("/nonexistent/old.yaml: cannot read"), "{err}");
    let out = xtask(&["diff", "git:no-such-revision", spec.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("git:no-such-revision"), "{err}");
}

#[test]
fn a_dangling_ref_is_an_error_naming_the_file_and_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = our_spec();
    *at(&mut spec, &format!("{DEVICE}/properties/geo_location")) =
        json!({"$ref": "#/components/schemas/Nowhere"});
    let path = dir.path().join("dangling.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let out = xtask(&[
        "diff",
        spec_path().to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("dangling.json: #/components/schemas/Device/properties/geo_location"),
        "{err}"
    );
}

#[test]
fn markdown_is_ready_for_a_pull_request_and_a_changelog() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = our_spec();
    list(&mut spec, STATUS_ENUM).push(json!("PENDING"));
    remove_value(&mut spec, &format!("{DEVICE}/required"), "timezone");
    let path = dir.path().join("new.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let md = dir.path().join("diff.md");
    let out = xtask(&[
        "diff",
        spec_path().to_str().unwrap(),
        path.to_str().unwrap(),
        "--format",
        "markdown",
        "--output",
        md.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&md).unwrap();
    for expected in [
        "## API spec changes",
        "### Breaking for code using the crate (1)",
        "### Compatible (1)",
        "| `enum-value-added` | (shared) | ok | ok |",
        "read it as `Unknown(\"PENDING\")`",
        "### CHANGELOG draft",
        "## [0.3.0]",
        "### Added",
    ] {
        assert!(text.contains(expected), "{expected}\nnot in\n{text}");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("2 changes: 1 break code"), "{stdout}");
}

#[test]
fn flatpeak_s_published_spec_gives_a_long_report_without_a_crash() {
    // Vendored in the repository (xtask/tests/corpus/README.md): a missing file fails the test.
    let published = root().join("xtask/tests/corpus/flatpeak-zero-2025-06.json");
    assert!(published.is_file(), "{} is missing", published.display());
    let out = xtask(&[
        "diff",
        spec_path().to_str().unwrap(),
        published.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["summary"]["changes"].as_u64().unwrap() > 100,
        "{}",
        report["summary"]
    );
    assert_eq!(report["level"], "major");
    let kinds = &report["summary"]["by_change"];
    assert!(kinds["operation-renamed"].as_u64().unwrap() > 10, "{kinds}");
    assert!(
        kinds["path-parameter-renamed"].as_u64().unwrap() >= 1,
        "{kinds}"
    );
}

/// The `--verify` subset CI runs (about half a minute each once the dependencies are built):
/// breaks cargo-semver-checks sees (a variant, a builder method, a `Default` derive removed),
/// additions it sees as compatible because the generated types are `#[non_exhaustive]`, and a
/// break it cannot see (`T` to `Option<T>`). `XTASK_VERIFY_ALL=1` runs every mutation.
///
/// Ignored by `cargo test`: it needs cargo-semver-checks and minutes. `.ci/run` installs the
/// tool and runs it: `cargo test -p xtask --test it -- --ignored diff::verify`.
#[test]
#[ignore = "needs cargo-semver-checks and minutes; .ci/run runs it"]
fn verify_agrees_with_cargo_semver_checks() {
    let has_tool = Command::new(env!("CARGO"))
        .args(["semver-checks", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_tool,
        "cargo-semver-checks is not installed: `cargo install cargo-semver-checks --locked`"
    );
    let dir = tempfile::tempdir().unwrap();
    let subset = [
        "response enum value removed",
        "path parameter renamed",
        "new required request body field",
        "response field added",
        "response enum value added",
        "response field made optional",
    ];
    let all = std::env::var_os("XTASK_VERIFY_ALL").is_some();
    let mut disagreements = Vec::new();
    for case in cases().iter().filter(|c| all || subset.contains(&c.name)) {
        let mut spec = our_spec();
        (case.mutate)(&mut spec);
        let (_, report) = diff_json(dir.path(), case.name, &spec, &["--verify"]);
        let verify = &report["verify"];
        eprintln!(
            "verify: {:<34} diff {:<6} cargo-semver-checks {:<6} {} agrees: {}",
            case.name, report["level"], verify["required"], verify["lints"], verify["agrees"]
        );
        if verify["agrees"] != true
            || report["errors"] != json!([])
            || report["level"] != case.level
        {
            disagreements.push(format!("{}: {report:#}", case.name));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}

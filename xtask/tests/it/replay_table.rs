//! The conformance gate's replay table is generated with the client and kept current by
//! `cargo xtask generate --check`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common::{root, xtask};

#[test]
fn a_new_operation_gets_a_replay_arm_and_stale_tables_fail_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(root().join("openapi/yotta.yaml")).unwrap();
    let added = "  /devices/{device_id}/telemetry:\n    get:\n      operationId: retrieve_schedule\n      parameters:\n        - {name: device_id, in: path, required: true, schema: {$ref: \"#/components/schemas/Id\"}}\n        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}\n      responses:\n        \"200\":\n          description: ok\n          content: {application/json: {schema: {type: object}}}\n  /connect:\n";
    let changed = spec.replacen("  /connect:\n", added, 1);
    assert_ne!(spec, changed, "the edit must apply");
    let path = dir.path().join("yotta.yaml");
    std::fs::write(&path, changed).unwrap();

    let out = xtask(&[
        "generate",
        "--check",
        "--release",
        "yotta",
        "--spec",
        path.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("conformance/src/replay_table/yotta.rs (generated)"),
        "{err}"
    );
    assert!(err.contains("+        \"retrieve_schedule\" => {"), "{err}");
    assert!(
        err.contains("+            let mut call = client.retrieve_schedule();"),
        "{err}"
    );
    assert!(err.contains("(In::Query, \"limit\")"), "{err}");
}

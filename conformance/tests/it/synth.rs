//! `conformance synth`: a seed gives the same set, every operation of the spec is in it, and
//! the gate finds in it exactly what the manifest says, interaction by interaction and pointer
//! by pointer, requests included.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::collections::BTreeMap;

use conformance::synth::{self, Defect, Options};
use conformance::{Kind, Severity};
use spec_model::Spec;

fn spec() -> Spec {
    Spec::load(&common::default_spec()).unwrap()
}

fn options(count: usize, seed: u64, defect_rate: f64, per_file: usize) -> Options {
    Options {
        count,
        defect_rate,
        seed,
        per_file,
    }
}

#[test]
fn the_same_seed_writes_the_same_bytes_and_another_seed_does_not() {
    let spec = spec();
    let a = synth::generate(&spec, &options(120, 7, 0.3, 11)).unwrap();
    let b = synth::generate(&spec, &options(120, 7, 0.3, 11)).unwrap();
    let c = synth::generate(&spec, &options(120, 8, 0.3, 11)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.files, c.files);
    // 120 interactions, 11 a file: 11 files, the last with 10; the formats take turns.
    assert_eq!(a.files.len(), 11);
    assert_eq!(a.manifest.interactions.len(), 120);
    let names: Vec<&str> = a.files.iter().take(4).map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "synth-00000.json",
            "synth-00001.yaml",
            "synth-00002.har",
            "synth-00003.json"
        ]
    );
}

#[test]
fn the_defect_rate_is_about_what_was_asked() {
    let spec = spec();
    let clean = synth::generate(&spec, &options(500, 1, 0.0, 50)).unwrap();
    assert!(
        clean
            .manifest
            .interactions
            .iter()
            .all(|e| e.defect.is_none())
    );
    assert!(clean.manifest.defects.is_empty());
    let all = synth::generate(&spec, &options(500, 1, 1.0, 50)).unwrap();
    assert!(all.manifest.interactions.iter().all(|e| e.defect.is_some()));
    let some = synth::generate(&spec, &options(2000, 1, 0.1, 50)).unwrap();
    let defective: usize = some.manifest.defects.values().sum();
    assert!((140..=260).contains(&defective), "{defective}");
}

/// The findings the gate reported, by (file relative to `cassettes/`, interaction).
type Found = BTreeMap<(String, usize), Vec<(Kind, String, Severity)>>;

#[test]
fn the_gate_finds_exactly_what_the_manifest_lists() {
    let dir = tempfile::tempdir().unwrap();
    let set = synth::generate(&spec(), &options(400, 3, 0.5, 9)).unwrap();
    synth::write(dir.path(), &set).unwrap();
    let cassettes = dir.path().join("cassettes");
    let report = common::gate(&[cassettes.to_str().unwrap()], None);

    assert_eq!(report.summary.interactions, 400);
    assert_eq!(report.summary.files, set.files.len());
    let prefix = format!("{}/", cassettes.display());
    let mut found = Found::new();
    for f in &report.findings {
        let file = f.file.strip_prefix(&prefix).unwrap().to_string();
        found
            .entry((file, f.interaction.unwrap()))
            .or_default()
            .push((f.kind, f.pointer.clone(), f.severity));
    }
    let mut checked = 0;
    for entry in &set.manifest.interactions {
        let mut expected: Vec<(Kind, String, Severity)> = entry
            .expect
            .iter()
            .map(|e| (e.kind, e.pointer.clone(), e.severity))
            .collect();
        expected.sort();
        let mut got = found
            .remove(&(entry.file.clone(), entry.interaction))
            .unwrap_or_default();
        got.sort();
        assert_eq!(
            got, expected,
            "{}#{} ({} {}, defect {:?} at {:?})",
            entry.file, entry.interaction, entry.operation, entry.status, entry.defect, entry.at
        );
        assert_eq!(entry.defect.is_none(), expected.is_empty(), "{entry:?}");
        checked += 1;
    }
    assert_eq!(checked, 400);
    assert!(
        found.is_empty(),
        "findings the manifest does not list: {found:?}"
    );
    // Every operation of the spec is in this set, and every kind of defect, so every one was
    // checked.
    let spec = spec();
    for op in &spec.operations {
        assert!(
            set.manifest.operations.contains_key(&op.id),
            "{} is missing from {:?}",
            op.id,
            set.manifest.operations
        );
    }
    let methods: std::collections::BTreeSet<&str> = set
        .manifest
        .interactions
        .iter()
        .map(|e| e.method.as_str())
        .collect();
    assert_eq!(
        methods.into_iter().collect::<Vec<_>>(),
        ["DELETE", "GET", "PATCH", "POST", "PUT"]
    );
    for defect in Defect::ALL {
        assert!(
            set.manifest.defects.contains_key(defect.name()),
            "{} is missing from {:?}",
            defect.name(),
            set.manifest.defects
        );
    }
    // And the manifest on disk is the one in memory.
    let text = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    let on_disk: synth::Manifest = serde_json::from_str(&text).unwrap();
    assert_eq!(on_disk, set.manifest);
}

#[test]
fn a_set_is_never_written_over_another() {
    let dir = tempfile::tempdir().unwrap();
    let set = synth::generate(&spec(), &options(3, 1, 0.0, 2)).unwrap();
    synth::write(dir.path(), &set).unwrap();
    let err = synth::write(dir.path(), &set).unwrap_err().to_string();
    assert!(err.contains("already holds files"), "{err}");
}

#[test]
fn a_spec_synth_cannot_make_instances_for_is_refused_with_the_reason() {
    let spec = |paths: serde_json::Value| {
        Spec::from_document(
            serde_json::json!({"openapi": "3.0.3", "paths": paths}),
            "t.yaml",
        )
        .unwrap()
    };
    let err = synth::generate(&spec(serde_json::json!({})), &options(1, 1, 0.0, 1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no operations"), "{err}");
    let unmatched = spec(serde_json::json!({"/a": {"get": {"responses": {"200": {
        "description": "ok",
        "content": {"application/json": {"schema": {
            "type": "string", "pattern": "^[0-9]+$", "example": "abc"}}}}}}}}));
    let err = synth::generate(&unmatched, &options(1, 1, 0.0, 1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("pattern `^[0-9]+$`"), "{err}");
}

#[test]
fn any_spec_with_json_bodies_will_do() {
    let spec = Spec::from_document(
        serde_json::json!({"openapi": "3.0.3", "paths": {"/things/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true,
                            "schema": {"type": "string"}}],
            "get": {"responses": {"200": {"description": "ok", "content": {"application/json":
                {"schema": {"type": "object", "required": ["n"],
                            "properties": {"n": {"type": "integer", "minimum": 3}}}}}}}}}}}),
        "t.yaml",
    )
    .unwrap();
    let set = synth::generate(&spec, &options(20, 1, 0.0, 20)).unwrap();
    assert_eq!(set.manifest.operations["get_things_id"], 20);
    assert!(set.manifest.interactions[0].url.contains("/things/"));
}

//! Scrubbing keeps the verdict: for every cassette, the gate's findings after `scrub` are the
//! findings before it, `secret` findings aside (scrubbing is what removes those). Checked as a
//! property over the bundled cassettes (`cassettes/`, Flatpeak's documented examples among
//! them), the negative cassettes (`tests/negative/`, with their defects at sensitive places
//! among them) and a synthetic set in which half the interactions carry a defect.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use conformance::synth::{self, Options};
use conformance::{Kind, Report, Severity};
use spec_model::Spec;

/// The findings of `report` by file (relative to `root`), `secret` left out.
type Verdict = BTreeMap<String, Vec<(Option<usize>, Kind, String, Severity)>>;

fn verdict(report: &Report, root: &Path) -> Verdict {
    let prefix = format!("{}/", root.display());
    let mut out = Verdict::new();
    for f in &report.findings {
        if f.kind == Kind::Secret {
            continue;
        }
        let file = f.file.strip_prefix(&prefix).unwrap_or(&f.file).to_string();
        out.entry(file)
            .or_default()
            .push((f.interaction, f.kind, f.pointer.clone(), f.severity));
    }
    for findings in out.values_mut() {
        findings.sort();
    }
    out
}

/// Gates `root`, scrubs it in place, gates it again; returns both verdicts and what scrub
/// replaced.
fn before_and_after(root: &Path) -> (Verdict, Verdict, usize) {
    let dirs = [root.to_str().unwrap()];
    let before = verdict(&common::gate(&dirs, None), root);
    let (releases, default) = common::releases();
    let scrubbed = conformance::scrub(&releases, &default, &[root.to_path_buf()], false).unwrap();
    let after = verdict(&common::gate(&dirs, None), root);
    (before, after, scrubbed.changes.len())
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn scrubbing_the_negative_cassettes_changes_no_finding_but_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("negative");
    copy_tree(Path::new("tests/negative"), &root);

    let (before, after, replaced) = before_and_after(&root);

    // The property is only worth something if scrub replaced values where defects are.
    assert!(replaced >= 9, "scrub replaced only {replaced} values");
    let device = "yotta/sensitive-defects-device.json";
    assert_eq!(
        before.get(device).map(Vec::len),
        Some(3),
        "the latitude's type, the longitude's range, the client on the latitude: {before:#?}"
    );
    assert_eq!(before, after);
}

#[test]
fn scrubbing_the_bundled_cassettes_changes_no_finding_but_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cassettes");
    copy_tree(Path::new("cassettes"), &root);

    let (before, after, replaced) = before_and_after(&root);

    // The seed kept verbatim (its coordinates and reference, waived in the bundled run) is
    // what scrub has to replace; everything else was scrubbed when it was bundled.
    assert!(replaced >= 3, "scrub replaced only {replaced} values");
    assert!(
        !before.is_empty(),
        "the bundled set has findings (warnings, waived ones)"
    );
    assert_eq!(before, after);
}

#[test]
fn scrubbing_a_synthetic_set_with_defects_changes_no_finding_but_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec::load(&common::default_spec()).unwrap();
    let options = Options {
        count: 300,
        defect_rate: 0.5,
        seed: 11,
        per_file: 10,
    };
    let set = synth::generate(&spec, &options).unwrap();
    synth::write(dir.path(), &set).unwrap();
    let root = dir.path().join("cassettes");

    let (before, after, _) = before_and_after(&root);

    assert!(
        before.values().map(Vec::len).sum::<usize>() > 50,
        "the set has defects"
    );
    assert_eq!(before, after);
}

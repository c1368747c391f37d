//! What the gate's tests share: running the gate the way the command does.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::path::PathBuf;

use conformance::{Config, Finding, Kind, Report, Severity};

/// Runs the gate on `dirs` (relative to the crate, as `cargo test` runs from there) against
/// the workspace's spec, with `waivers` if given, on a runtime of its own.
pub fn gate(dirs: &[&str], waivers: Option<&str>) -> Report {
    let mut config = Config::new(
        dirs.iter().map(PathBuf::from).collect(),
        PathBuf::from("../openapi/flatpeak.yaml"),
    );
    config.waivers = waivers.map(PathBuf::from);
    run(&config)
}

/// Runs the gate with `config`, as the command does: on a single-threaded runtime (the
/// replayers have threads of their own).
pub fn run(config: &Config) -> Report {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(conformance::run(config))
        .unwrap()
}

/// The findings about `file` as (kind, pointer, severity).
pub fn findings_of(report: &Report, file: &str) -> Vec<(Kind, String, Severity)> {
    report
        .findings
        .iter()
        .filter(|f| f.file == file)
        .map(|f: &Finding| (f.kind, f.pointer.clone(), f.severity))
        .collect()
}

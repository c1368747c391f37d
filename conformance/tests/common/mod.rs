//! What the gate's tests share: running the gate the way the command does.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use std::path::PathBuf;
use std::process::{Command, Output};

use conformance::{Config, Finding, Kind, Report, Severity};

/// Runs the gate on `dirs` (relative to the crate, as `cargo test` runs from there) against
/// the workspace's releases, with `waivers` if given, on a runtime of its own.
pub fn gate(dirs: &[&str], waivers: Option<&str>) -> Report {
    let mut config = config(dirs.iter().map(PathBuf::from).collect());
    config.waivers = waivers.map(PathBuf::from);
    run(&config)
}

/// The gate's configuration for `cassettes` and every release of the workspace.
pub fn config(cassettes: Vec<PathBuf>) -> Config {
    Config::for_workspace(cassettes, std::path::Path::new("..")).unwrap()
}

/// The workspace's releases and its default release.
pub fn releases() -> (Vec<conformance::Release>, String) {
    conformance::Release::of_workspace(std::path::Path::new("..")).unwrap()
}

/// The spec of the default release, `../openapi/<release>.yaml`.
pub fn default_spec() -> PathBuf {
    let (releases, default) = releases();
    releases
        .into_iter()
        .find(|r| r.name == default)
        .map(|r| r.spec)
        .unwrap()
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

/// The built gate binary run with `args`, as CI runs it.
pub fn gate_binary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .output()
        .unwrap()
}

/// Output bytes as text (lossy: a test prints what it got).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

//! A hostile recording: a 30 MB value that breaks its pattern. Every report stays small (each
//! finding's text is bounded), and the run's memory follows the largest cassette, not the
//! whole input (cassettes are read one at a time per replayer).
//!
//! Alone in its test binary: it reads the process's peak resident memory (`VmHWM`), which
//! other tests running in the same process would raise. Ignored by `cargo test` (it takes
//! 13 s of a debug build); `.ci/run` runs it: `cargo test -p conformance --test memory --
//! --ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

mod common;

use std::path::Path;

use conformance::report::{Format, render};
use conformance::{Kind, MAX_TEXT};

const BIG: usize = 30 * 1024 * 1024;

/// A VCR cassette whose one device has a 30 MB `id` off the id pattern.
fn hostile_cassette() -> String {
    let device = include_str!("../../crates/flatpeak/tests/fixtures/device.json");
    let mut body: serde_json::Value = serde_json::from_str(device).unwrap();
    body["id"] = "x".repeat(BIG).into();
    serde_json::json!({
        "http_interactions": [{
            "request": {"uri": "https://api.flatpeak.com/devices/dev_63a6087272941ef077a8fd3e",
                        "method": "get", "headers": {}, "body": {"encoding": "UTF-8", "string": ""}},
            "response": {"status": {"code": 200, "message": "OK"},
                         "headers": {"Content-Type": ["application/json"]},
                         "body": {"encoding": "UTF-8", "string": body.to_string()}},
            "recorded_at": "Mon, 02 Mar 2026 10:15:00 GMT"
        }],
        "recorded_with": "a hostile test"
    })
    .to_string()
}

/// The process's peak resident memory so far, in bytes (Linux `VmHWM`).
fn peak_memory() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn run(dir: &Path) -> conformance::Report {
    let mut config = common::config(vec![dir.to_path_buf()]);
    // As the command runs: one replayer, so that one cassette is held at a time.
    config.keep_values = false;
    config.concurrency = 1;
    common::run(&config)
}

#[test]
#[ignore = "13 s in a debug build (30 MB through the gate, twice); .ci/run runs it"]
fn a_30_mb_value_gives_small_reports_and_memory_that_follows_one_cassette() {
    let text = hostile_cassette();
    let one = tempfile::tempdir().unwrap();
    std::fs::write(one.path().join("hostile.json"), &text).unwrap();

    let report = run(one.path());
    let schema = report
        .findings
        .iter()
        .find(|f| f.kind == Kind::Schema && f.pointer == "/id")
        .expect("the id breaks its pattern");
    // The message quotes the start of the value, not all of it.
    assert!(
        schema.message.len() < 300 && schema.message.contains("is not a string matching"),
        "{}",
        schema.message
    );
    for f in &report.findings {
        for text in [&f.message, &f.expected, &f.found, &f.pointer] {
            assert!(text.len() <= MAX_TEXT, "{f:?}");
        }
    }
    for format in [Format::Text, Format::Json, Format::Junit, Format::Sarif] {
        let size = render(&report, format).len();
        assert!(size < 100 * 1024, "{format:?}: {size} bytes");
    }
    let Some(after_one) = peak_memory() else {
        eprintln!("skipped the memory half: no /proc/self/status here");
        return;
    };
    // Generous: the file, its parsed body, the JSON value and the client's copy at once.
    assert!(
        after_one < 20 * BIG,
        "peak {after_one} bytes for one cassette"
    );

    // Four such cassettes hold 120 MB. One cassette's working set is about nine times its size
    // here (the file, its parsed body, the JSON value, the client's copy): a gate that held
    // the whole input would add three of those, some 900 MB. Read one at a time, the peak
    // grows only by what the allocator does not hand back between cassettes, which varies
    // from run to run (up to about 100 MB measured): the bound leaves room for that, and for
    // nothing like a second cassette held.
    let four = tempfile::tempdir().unwrap();
    for i in 0..4 {
        std::fs::write(four.path().join(format!("hostile-{i}.json")), &text).unwrap();
    }
    let report = run(four.path());
    assert_eq!(report.summary.interactions, 4);
    let after_four = peak_memory().unwrap();
    assert!(
        after_four < after_one + 5 * BIG,
        "peak went from {after_one} to {after_four} bytes for four cassettes"
    );
}

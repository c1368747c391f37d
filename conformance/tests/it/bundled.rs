//! The bundled cassettes (`conformance/cassettes/`) through the gate: they pass, every format
//! is read, and what the client made of each is pinned by a reviewed snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::sync::OnceLock;

use conformance::report::{Format, render};
use conformance::{Kind, Report, Severity};

/// The bundled set with the bundled waivers, run once for all the tests here.
fn report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| common::gate(&["cassettes"], Some("waivers.toml")))
}

#[test]
fn the_bundled_set_conforms_with_only_the_seeds_and_examples_waived() {
    let r = report();
    assert!(r.conforms(), "{}", render(r, Format::Text));
    assert_eq!(
        (r.summary.errors, r.summary.warnings, r.summary.waived),
        (0, 0, 8)
    );
    let waived: Vec<(&str, Kind, &str)> = r
        .findings
        .iter()
        .map(|f| (f.file.as_str(), f.kind, f.pointer.as_str()))
        .collect();
    assert_eq!(
        waived,
        [
            (
                "cassettes/anode/locations/retrieve-location-status.json",
                Kind::UnknownEnumValue,
                "/tariff_status/commodity_export/status"
            ),
            (
                "cassettes/anode/schedules/create-schedule-by-amount.json",
                Kind::Request,
                "/max_power/value"
            ),
            (
                "cassettes/yotta/seeds/retrieve-device.json",
                Kind::Secret,
                "/geo_location/lat"
            ),
            (
                "cassettes/yotta/seeds/retrieve-device.json",
                Kind::Secret,
                "/geo_location/lng"
            ),
            (
                "cassettes/yotta/seeds/retrieve-device.json",
                Kind::Secret,
                "/reference_id"
            ),
            (
                "cassettes/zero/examples/create-schedule.json",
                Kind::Request,
                "/max_power/value"
            ),
            (
                "cassettes/zero/examples/retrieve-location-status.json",
                Kind::UnknownEnumValue,
                "/tariff_status/commodity_export/status"
            ),
            (
                "cassettes/zero/seeds/location-status.json",
                Kind::UnknownEnumValue,
                "/tariff_status/commodity_export/status"
            ),
        ]
    );
    assert_eq!(r.findings[6].found, "\"CONNECTED \"");
    assert_eq!(r.findings[7].found, "\"CONNECTED \"");
    // A secret finding shows a fingerprint, never the value.
    assert_eq!(r.findings[4].found, "\"ACC\"… (13 chars)");
}

#[test]
fn without_waivers_the_seed_typo_and_example_values_fail_the_gate() {
    let r = common::gate(&["cassettes"], None);
    assert!(!r.conforms());
    // The seed's example values are secrets left in a recording (errors); its `"CONNECTED "`
    // (and Anode's) is an unlisted value of an open enum (a warning); Anode's schedule-by-amount
    // example sends a string where Flatpeak's schema says number (a request error), and so do
    // Zero's examples: the schedule page's `max_power.value` "14000" and the location status's
    // "CONNECTED ".
    assert_eq!((r.summary.errors, r.summary.warnings), (5, 3));
    assert!(
        r.findings.iter().all(|f| (f.severity == Severity::Error)
            == (f.kind == Kind::Secret || f.kind == Kind::Request))
    );
}

#[test]
fn scrubbing_the_bundled_set_changes_nothing_but_the_seeds_example_values() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new("cassettes"), dir.path());
    let (releases, default) = common::releases();
    let done = conformance::scrub(&releases, &default, &[dir.path().to_path_buf()], true).unwrap();
    let places: Vec<&str> = done.changes.iter().map(|c| c.place.as_str()).collect();
    assert_eq!(
        places,
        ["/geo_location/lat", "/geo_location/lng", "/reference_id"]
    );
    assert!(
        done.changes
            .iter()
            .all(|c| c.file.ends_with("seeds/retrieve-device.json"))
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn har_and_yaml_vcr_cassettes_are_read() {
    let r = report();
    let from = |suffix: &str| {
        r.interactions
            .iter()
            .filter(|i| i.file.ends_with(suffix))
            .count()
    };
    assert_eq!(from("errors/errors.har"), 5);
    assert_eq!(from("devices/solar-only.yaml"), 1);
    assert_eq!(from("seeds/retrieve-device.json"), 1);
    // Every file is a cassette: none was a finding.
    assert!(r.findings.iter().all(|f| f.kind != Kind::Cassette));
}

#[test]
fn every_bundled_interaction_was_replayed_into_a_typed_value_or_api_error() {
    let r = report();
    for i in &r.interactions {
        // A request that contradicts the spec (Anode's waived schedule-by-amount example) is
        // reported as such and not replayed: the client cannot send it.
        let bad_request = r.findings.iter().any(|f| {
            f.kind == Kind::Request && f.file == i.file && f.interaction == Some(i.interaction)
        });
        if bad_request {
            assert!(i.outcome.is_none(), "{}#{}", i.file, i.interaction);
            continue;
        }
        let outcome = serde_json::to_value(i.outcome.as_ref().unwrap()).unwrap();
        let expected = if i.status < 300 { "value" } else { "api-error" };
        assert_eq!(
            outcome["outcome"], expected,
            "{}#{}: {outcome}",
            i.file, i.interaction
        );
        assert_eq!(outcome["status"], i.status, "{}#{}", i.file, i.interaction);
    }
}

#[test]
fn a_run_that_keeps_no_values_finds_the_same_and_says_the_same_of_each_interaction() {
    let mut config = common::config(vec!["cassettes".into()]);
    config.waivers = Some("waivers.toml".into());
    config.keep_values = false;
    let lean = common::run(&config);
    let full = report();
    assert_eq!(
        (&lean.summary, &lean.findings),
        (&full.summary, &full.findings)
    );
    assert_eq!(lean.interactions.len(), full.interactions.len());
    for (lean, full) in lean.interactions.iter().zip(&full.interactions) {
        let mut expected = serde_json::to_value(full).unwrap();
        if let Some(outcome) = expected["outcome"].as_object_mut() {
            outcome.remove("value");
        }
        assert_eq!(serde_json::to_value(lean).unwrap(), expected);
    }
}

#[test]
fn one_replayer_or_many_the_report_is_the_same_and_in_the_same_order() {
    // `report()` ran one replayer per core; one alone and more than there are files are the
    // two ends.
    let full = report();
    for concurrency in [1, 64] {
        let mut config = common::config(vec!["cassettes".into()]);
        config.waivers = Some("waivers.toml".into());
        config.concurrency = concurrency;
        let run = common::run(&config);
        assert_eq!(&run, full, "{concurrency} replayers");
    }
}

#[test]
fn the_seed_cassettes_hold_the_reference_examples_byte_for_byte() {
    let fixtures = "../crates/flatpeak/tests/fixtures";
    for (cassette, fixture) in [
        ("yotta/seeds/retrieve-device.json", "yotta_device.json"),
        ("zero/seeds/location-status.json", "location_status.json"),
    ] {
        let text = std::fs::read_to_string(format!("cassettes/{cassette}")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let body = doc["http_interactions"][0]["response"]["body"]["string"]
            .as_str()
            .unwrap();
        let example = std::fs::read_to_string(format!("{fixtures}/{fixture}")).unwrap();
        assert_eq!(body, example, "{cassette}");
    }
}

/// Keys and headers whose value is a credential: in a bundled cassette each holds a
/// placeholder (`<redacted>`, or an id-shaped `cot_redacted...` where the schema wants an id).
const CREDENTIALS: [&str; 6] = [
    "bearer ",
    "basic ",
    "bearer_token",
    "\"connect_token\":",
    "connect_token=",
    "api_key",
];

#[test]
fn no_cassette_holds_a_credential() {
    for entry in walk("cassettes") {
        let text = std::fs::read_to_string(&entry).unwrap();
        for line in text.lines().filter(|l| {
            let l = l.to_ascii_lowercase();
            CREDENTIALS.iter().any(|secret| l.contains(secret)) || l.contains("password")
        }) {
            assert!(line.contains("redacted"), "{}: {line}", entry.display());
        }
    }
}

fn walk(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(path.to_str().unwrap()));
        } else {
            files.push(path);
        }
    }
    files
}

/// The typed value (or typed API error) the client produced for each bundled cassette. Read
/// each snapshot when it changes: it is what users of the crate get from these responses.
#[test]
fn typed_values_of_every_bundled_cassette() {
    let r = report();
    let mut files: Vec<&str> = r.interactions.iter().map(|i| i.file.as_str()).collect();
    files.dedup();
    assert_eq!(files.len(), r.summary.files, "every file has a snapshot");
    for file in files {
        let replayed: Vec<_> = r.interactions.iter().filter(|i| i.file == file).collect();
        let name = file
            .trim_start_matches("cassettes/")
            .rsplit_once('.')
            .map_or(file, |(stem, _)| stem)
            .replace('/', "__");
        insta::assert_json_snapshot!(format!("typed__{name}"), replayed);
    }
}

/// The gate's report on the bundled set, as `--format json` writes it.
#[test]
fn report_on_the_bundled_set() {
    let json: serde_json::Value = serde_json::from_str(&render(report(), Format::Json)).unwrap();
    insta::assert_json_snapshot!("report", json);
}

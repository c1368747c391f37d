//! Scrubbing a recorded webhook delivery: the personal data in its event is replaced, its
//! signature headers are kept as recorded, and scrub says that the signature no longer
//! verifies.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::path::Path;

use conformance::Kind;

const FILE: &str = "webhook-delivery-personal-data.json";

fn headers(cassette: &serde_json::Value) -> serde_json::Value {
    cassette["http_interactions"][0]["request"]["headers"].clone()
}

#[test]
fn scrubbing_a_delivery_reports_that_its_signature_no_longer_verifies() {
    let dir = tempfile::tempdir().unwrap();
    for file in [FILE, "webhook-delivery.json", ".flatpeak-release"] {
        std::fs::copy(
            Path::new("tests/negative").join(file),
            dir.path().join(file),
        )
        .unwrap();
    }
    let path = dir.path().join(FILE);
    let before: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let body = before["http_interactions"][0]["request"]["body"]["string"]
        .as_str()
        .unwrap();
    assert!(
        body.contains("42 Mill Lane"),
        "the fixture holds the address"
    );

    let (releases, default) = common::releases();
    let check = conformance::scrub(&releases, &default, &[dir.path().into()], true).unwrap();
    assert_eq!(check.notes.len(), 1, "{:?}", check.notes);
    assert!(check.notes[0].message.contains("would no longer verify"));

    let done = conformance::scrub(&releases, &default, &[dir.path().into()], false).unwrap();
    assert_eq!(done.changes.len(), 8, "{:?}", done.changes);
    assert_eq!(
        done.notes.len(),
        1,
        "only the delivery whose body changed: {:?}",
        done.notes
    );
    let note = &done.notes[0];
    assert!(
        note.file.ends_with(FILE) && note.interaction == 0,
        "{note:?}"
    );
    assert!(
        note.message
            .starts_with("the signature of the delivery no longer verifies: its body was scrubbed"),
        "{note:?}"
    );

    let after: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        headers(&after),
        headers(&before),
        "the signature headers are kept"
    );
    let body = after["http_interactions"][0]["request"]["body"]["string"]
        .as_str()
        .unwrap();
    assert!(
        !body.contains("42 Mill Lane") && !body.contains("OX1 4AB"),
        "{body}"
    );

    // Scrubbed, the delivery holds no secret and still checks as an event of its release.
    let report = common::gate(&[dir.path().to_str().unwrap()], None);
    let left: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.kind == Kind::Secret || f.kind == Kind::Route)
        .collect();
    assert!(left.is_empty(), "{left:#?}");
    assert!(report.conforms(), "{:#?}", report.findings);
}

//! One negative cassette per kind of finding (`tests/negative/`): each must give exactly the
//! findings listed, of the kind and at the JSON pointer listed, and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::sync::OnceLock;

use conformance::report::{Format, render};
use conformance::{Kind, Report, Severity};

use Kind::*;
use Severity::{Error as E, Warning as W};

/// The negative set, run once for all the tests here.
fn report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| common::gate(&["tests/negative"], None))
}

#[track_caller]
fn expect(file: &str, expected: &[(Kind, &str, Severity)]) {
    let path = format!("tests/negative/{file}");
    let found = common::findings_of(report(), &path);
    let expected: Vec<(Kind, String, Severity)> = expected
        .iter()
        .map(|(k, p, s)| (*k, p.to_string(), *s))
        .collect();
    assert_eq!(found, expected, "findings of {path}");
}

#[test]
fn missing_required_field_points_at_the_field() {
    expect(
        "yotta/missing-required-field.json",
        &[(Schema, "/timezone", E), (Client, "", E)],
    );
}

/// Defects at places the spec marks `x-sensitive`: reported as defects (and as values to
/// scrub). `scrub_verdict.rs` checks that scrubbing keeps them.
#[test]
fn defects_at_sensitive_places_are_defects_and_secrets() {
    expect(
        "yotta/sensitive-defects-device.json",
        &[
            (Secret, "/geo_location/lat", E),
            (Secret, "/geo_location/lng", E),
            (Schema, "/geo_location/lat", E),
            (Schema, "/geo_location/lng", E),
            (Client, "/geo_location/lat", E),
        ],
    );
    expect(
        "yotta/sensitive-defects-connect-session.json",
        &[(Secret, "/callback_url", E), (Schema, "/callback_url", E)],
    );
    // The schema and client findings at a secret's place show its fingerprint, as the secret
    // finding does, not the value.
    for (file, values) in [
        (
            "yotta/sensitive-defects-device.json",
            &["50.1", "200.5"][..],
        ),
        (
            "yotta/sensitive-defects-connect-session.json",
            &["customer portal"],
        ),
    ] {
        let findings: Vec<_> = report()
            .findings
            .iter()
            .filter(|f| f.file.ends_with(file))
            .collect();
        assert!(findings.iter().any(|f| f.kind == Schema), "{findings:?}");
        let shown = format!("{findings:?}");
        for value in values {
            assert!(!shown.contains(value), "{value} in {shown}");
        }
    }
}

/// Personal data in fields the spec does not declare, found by the heuristics (their names,
/// their object's name, their shape): secrets, beside the drift warnings. The country of the
/// address is not personal; the message says the finding is a heuristic.
#[test]
fn undeclared_personal_data_is_found_by_name_and_shape() {
    let file = "yotta/undeclared-personal-data.json";
    expect(
        file,
        &[
            (Secret, "/installer/postal_address/address_line1", E),
            (Secret, "/installer/postal_address/post_code", E),
            (Secret, "/installer/email", E),
            (Secret, "/status_callback", E),
            (UndeclaredField, "/installer", W),
            (UndeclaredField, "/status_callback", W),
        ],
    );
    let path = format!("tests/negative/{file}");
    for f in report()
        .findings
        .iter()
        .filter(|f| f.file == path && f.kind == Secret)
    {
        assert!(f.message.contains("(heuristic: "), "{}", f.message);
        assert!(
            !f.message.contains("s3cr3t") && !f.message.contains("Mill Lane"),
            "{}",
            f.message
        );
    }
}

#[test]
fn id_off_the_pattern_is_a_schema_error_the_client_tolerates() {
    expect("yotta/id-off-pattern.json", &[(Schema, "/id", E)]);
}

#[test]
fn wrong_type_fails_schema_and_client_at_the_same_place() {
    expect(
        "yotta/wrong-type.json",
        &[(Schema, "/live_mode", E), (Client, "/live_mode", E)],
    );
}

/// The tariff connection status is an open enum (`x-open-enum`: Flatpeak's pages list more
/// values than its document): a value it does not list is a warning, and the client keeps it.
/// (A closed enum's unknown value is an error: synth's `unknown-enum-value` defects, and the
/// request-body case below.)
#[test]
fn an_unknown_value_of_an_open_enum_is_a_warning_and_the_client_keeps_it() {
    expect(
        "unknown-enum-value.json",
        &[(
            UnknownEnumValue,
            "/tariff_status/commodity_import/status",
            W,
        )],
    );
    let outcome = report()
        .interactions
        .iter()
        .find(|i| i.file.ends_with("/unknown-enum-value.json"))
        .and_then(|i| i.outcome.clone())
        .unwrap();
    let value = serde_json::to_value(outcome).unwrap();
    assert_eq!(value["outcome"], "value", "{value}");
    assert_eq!(
        value["value"]["tariff_status"]["commodity_import"]["status"],
        "DISCONNECTED"
    );
}

#[test]
fn a_date_time_that_is_not_one() {
    expect(
        "yotta/bad-date-time.json",
        &[(Schema, "/time_created", E), (Client, "/time_created", E)],
    );
}

#[test]
fn undocumented_status() {
    expect("undocumented-status.json", &[(Status, "", E)]);
}

#[test]
fn a_response_from_another_release_than_asked_is_a_warning_and_checked_as_answered() {
    expect(
        "release-other-than-asked.json",
        &[(Version, "header:flatpeak-version", W)],
    );
    let finding = &common::findings_of(report(), "tests/negative/release-other-than-asked.json");
    assert_eq!(finding.len(), 1);
    let replayed = report()
        .interactions
        .iter()
        .find(|i| i.file.ends_with("/release-other-than-asked.json"))
        .unwrap();
    assert_eq!(replayed.operation.as_deref(), Some("retrieve_device"));
    let outcome = outcome_of("release-other-than-asked.json");
    assert_eq!(
        outcome["type"], "flatpeak::zero::types::Device",
        "{outcome}"
    );
}

#[test]
fn a_release_name_where_a_version_belongs_cannot_be_checked_and_says_why() {
    expect("release-name-as-version.json", &[(Version, "", E)]);
    let found = common::findings_of(report(), "tests/negative/release-name-as-version.json");
    let finding = report()
        .findings
        .iter()
        .find(|f| f.file.ends_with("/release-name-as-version.json"))
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        finding
            .message
            .starts_with("the recording's Flatpeak-Version `yotta` is a release's name, not a version (`<date>.<name>`)"),
        "{finding:?}"
    );
}

#[test]
fn json_nested_deeper_than_the_parser_reads_is_said_to_be_so() {
    let path = "tests/negative/nested-too-deep.json";
    let findings: Vec<_> = report()
        .findings
        .iter()
        .filter(|f| f.file == path)
        .collect();
    let json = findings.iter().find(|f| f.kind == Json).unwrap();
    assert!(
        json.message
            .starts_with("the body is JSON the gate cannot read (numbers beyond a 64-bit float, nesting deeper than 128): recursion limit exceeded"),
        "{findings:?}"
    );
}

#[test]
fn undocumented_success_status_with_the_documented_body() {
    // The client takes a `203` with a device as the device (liberal in what it accepts), so
    // there is no client finding; the gate still reports the status (strict).
    expect("undocumented-success-status.json", &[(Status, "", E)]);
    let outcome = outcome_of("undocumented-success-status.json");
    assert_eq!(
        (&outcome["outcome"], &outcome["status"], &outcome["type"]),
        (
            &serde_json::json!("value"),
            &serde_json::json!(203),
            &serde_json::json!("flatpeak::zero::types::Device")
        ),
        "{outcome}"
    );
}

#[test]
fn bare_message_on_a_documented_error_status() {
    // Flatpeak's own documents show bare `{"message": "Not Found"}` bodies: the spec's `Error`
    // requires only `message`, and the client reads it into its typed error, so nothing is
    // reported (it was a false alarm before).
    expect("bare-error-body.json", &[]);
}

#[test]
fn wrong_content_type_alone() {
    expect("yotta/wrong-content-type.json", &[(ContentType, "", E)]);
}

#[test]
fn non_json_body() {
    expect("non-json-body.json", &[(Json, "", E), (Client, "", E)]);
}

#[test]
fn truncated_json() {
    expect(
        "yotta/truncated-json.json",
        &[(Json, "", E), (Client, "", E)],
    );
}

#[test]
fn path_matching_no_operation() {
    expect("no-operation.json", &[(Route, "", E)]);
}

#[test]
fn undeclared_fields_are_warnings_with_their_pointers() {
    expect(
        "yotta/undeclared-field.json",
        &[
            (UndeclaredField, "/properties/battery/chemistry", W),
            (UndeclaredField, "/firmware_version", W),
        ],
    );
}

#[test]
fn schema_rejects_what_the_client_accepts_is_a_disagreement() {
    expect(
        "yotta/null-where-not-nullable.json",
        &[
            (Schema, "/reference_id", E),
            (Disagreement, "/reference_id", E),
        ],
    );
}

#[test]
fn an_integer_beyond_its_format_is_a_schema_error_the_client_rejects_too() {
    // `phases` is `format: int32`: the schema's bounds and the client's `i32` agree, so there is
    // no disagreement (`checks::tests` covers the client rejecting what the schema accepts).
    let at = "/properties/ev_charger/phases";
    expect(
        "yotta/integer-too-large.json",
        &[(Schema, at, E), (Client, at, E)],
    );
    let schema = report()
        .findings
        .iter()
        .find(|f| f.file.ends_with("yotta/integer-too-large.json") && f.kind == Schema)
        .unwrap();
    assert!(schema.message.contains("2147483647"), "{}", schema.message);
}

#[test]
fn files_that_are_not_cassettes_are_findings_naming_the_place() {
    expect("not-a-cassette.txt", &[(Cassette, "", E)]);
    expect("vcr-without-response.yaml", &[(Cassette, "", E)]);
    let malformed = report()
        .findings
        .iter()
        .find(|f| f.file.ends_with("vcr-without-response.yaml"))
        .unwrap();
    assert!(
        malformed.message.contains("http_interactions[0]")
            && malformed.message.contains("response")
            && malformed.message.contains("line 2"),
        "{}",
        malformed.message
    );
    assert_eq!(malformed.interaction, None);
}

#[test]
fn every_interaction_finding_names_file_interaction_and_operation() {
    for f in &report().findings {
        assert!(f.file.starts_with("tests/negative/"), "{f:?}");
        assert!(!f.message.is_empty() && !f.expected.is_empty(), "{f:?}");
        if matches!(f.kind, Cassette) {
            continue;
        }
        assert_eq!(f.interaction, Some(0), "{f:?}");
        // A route error found no operation; an unknown release has no spec to route by.
        let unknown_release = f.kind == Version && f.severity == E;
        if !matches!(f.kind, Route) && !unknown_release {
            assert!(f.operation.is_some(), "{f:?}");
        }
    }
}

#[test]
fn a_request_body_missing_a_required_field_points_at_the_field() {
    expect(
        "request-body-missing-required-field.json",
        &[(Request, "/location_id", E)],
    );
}

/// Flatpeak's own `CustomerUpdate` example carries a field its schema does not declare: a
/// drift warning, and no replay difference (the typed client cannot send what it does not
/// know).
#[test]
fn an_undeclared_request_body_field_is_a_drift_warning_alone() {
    expect(
        "request-body-undeclared-field.json",
        &[(UndeclaredField, "/tier", W)],
    );
}

/// An empty optional array the client leaves out asks for the same thing: nothing to report.
#[test]
fn an_empty_optional_array_the_client_leaves_out_is_no_difference() {
    expect("request-body-empty-optional-array.json", &[]);
}

#[test]
fn a_request_body_value_of_the_wrong_type() {
    expect("request-body-wrong-type.json", &[(Request, "/value", E)]);
}

#[test]
fn an_id_off_the_pattern_deep_in_a_request_body_is_found_and_not_sent() {
    expect(
        "request-body-id-off-pattern.json",
        &[(Request, "/data/0/device_id", E)],
    );
    // The client refused to send it: the replay asked nothing of the server, and reported
    // nothing the request check had not.
    let outcome = outcome_of("request-body-id-off-pattern.json");
    assert_eq!(outcome["variant"], "InvalidRequest", "{outcome}");
    let message = outcome["message"].as_str().unwrap();
    assert!(message.contains("/data/0/device_id"), "{message}");
}

#[test]
fn an_unknown_enum_value_in_a_request_body_is_a_request_error() {
    expect(
        "request-body-unknown-enum-value.json",
        &[(Request, "/type", E)],
    );
}

#[test]
fn a_request_body_that_is_not_json() {
    expect("request-body-not-json.json", &[(Request, "", E)]);
}

#[test]
fn a_missing_required_query_parameter_is_named() {
    expect(
        "request-missing-required-query.json",
        &[(Request, "query:end_time", E)],
    );
}

#[test]
fn query_values_of_the_wrong_type_range_pattern_or_format() {
    expect(
        "request-query-wrong-type.json",
        &[(Request, "query:limit", E)],
    );
    expect(
        "request-query-out-of-range.json",
        &[(Request, "query:limit", E)],
    );
    expect(
        "request-query-id-off-pattern.json",
        &[(Request, "query:customer_id", E)],
    );
    expect(
        "request-query-bad-date-time.json",
        &[(Request, "query:end_time", E)],
    );
}

#[test]
fn each_kind_of_leak_is_a_secret_error_that_shows_a_fingerprint_only() {
    for (file, place, value) in [
        (
            "yotta/secret-credential-header.json",
            "header:Authorization",
            "tok_4f1d2c9b8a7e6d5c",
        ),
        (
            "yotta/secret-set-cookie.json",
            "response-header:Set-Cookie",
            "8f7e6d5c4b3a",
        ),
        (
            "yotta/secret-token-in-a-body.json",
            "/properties/model_name",
            "c2lnbmF0dXJl",
        ),
        (
            "yotta/secret-sensitive-field.json",
            "/geo_location/lat",
            "51.46612",
        ),
        (
            "secret-sensitive-query.json",
            "query:connect_token",
            "65e0839faca22517d5d51cd5",
        ),
    ] {
        expect(file, &[(Secret, place, E)]);
        let finding = report()
            .findings
            .iter()
            .find(|f| f.file.ends_with(&format!("/{file}")))
            .unwrap();
        for format in [Format::Text, Format::Json, Format::Junit, Format::Sarif] {
            assert!(
                !render(report(), format).contains(value),
                "{format:?} shows {value}"
            );
        }
        assert!(finding.found.ends_with(" chars)"), "{finding:?}");
    }
}

/// A signed POST to the receiver's URL is a recorded webhook delivery: never a `route`
/// finding, its event checked against the release its `Flatpeak-Version` names.
#[test]
fn recorded_webhook_deliveries_are_checked_as_events_of_their_release() {
    expect("webhook-delivery.json", &[]);
    expect(
        "webhook-delivery-data-off-schema.json",
        &[(Request, "/data/live_mode", E)],
    );
    expect(
        "webhook-delivery-unknown-version.json",
        &[(Version, "header:Flatpeak-Version", W)],
    );
    expect("webhook-delivery-no-events.json", &[(Delivery, "/data", W)]);
    let of = |file: &str| {
        report()
            .findings
            .iter()
            .find(|f| f.file.ends_with(&format!("/{file}")))
            .unwrap()
    };
    let unknown = of("webhook-delivery-unknown-version.json");
    assert!(
        unknown.message.contains("`2027-03-01.quasar`"),
        "{unknown:?}"
    );
    assert_eq!(unknown.found, "2027-03-01.quasar");
    let broken = of("webhook-delivery-data-off-schema.json");
    assert_eq!(broken.operation.as_deref(), Some("webhook device.update"));
    assert!(
        broken.message.starts_with("webhook delivery data: "),
        "{broken:?}"
    );
    for file in ["webhook-delivery.json", "webhook-delivery-no-events.json"] {
        let replayed = report()
            .interactions
            .iter()
            .find(|i| i.file.ends_with(&format!("/{file}")))
            .unwrap();
        assert_eq!(replayed.path, "/webhooks/flatpeak");
        assert_eq!(replayed.operation.as_deref(), Some("webhook device.update"));
        assert_eq!(replayed.outcome, None, "a delivery is not replayed");
    }
}

/// Personal data in a delivery's event is found at the places the spec's event marks
/// `x-sensitive` (`scrub_delivery.rs` scrubs it).
#[test]
fn personal_data_in_a_delivery_is_a_secret() {
    expect(
        "webhook-delivery-personal-data.json",
        &[
            (Secret, "request:/data/geo_location/lat", E),
            (Secret, "request:/data/geo_location/lng", E),
            (Secret, "request:/data/postal_address/address_line1", E),
            (Secret, "request:/data/postal_address/address_line2", E),
            (Secret, "request:/data/postal_address/city", E),
            (Secret, "request:/data/postal_address/post_code", E),
            (Secret, "request:/data/postal_address/state", E),
            (Secret, "request:/data/reference_id", E),
        ],
    );
}

/// What the client made of the one interaction of `file`, as JSON.
fn outcome_of(file: &str) -> serde_json::Value {
    let outcome = report()
        .interactions
        .iter()
        .find(|i| i.file.ends_with(&format!("/{file}")))
        .and_then(|i| i.outcome.clone())
        .unwrap();
    serde_json::to_value(outcome).unwrap()
}

#[test]
fn the_negative_set_fails_the_gate() {
    let r = report();
    assert!(!r.conforms());
    assert_eq!(r.summary.files, 45);
    assert_eq!(r.summary.interactions, 43);
    // Five undeclared fields (one in a request), the open enum's unlisted value, two webhook
    // deliveries whose data cannot be checked (an unknown release, one without events), and a
    // response from another release than its request asked for.
    assert_eq!(r.summary.warnings, 9);
}

//! The examples `tariff_rates`, `list_locations`, `schedule_by_duration` and `list_tariffs`
//! run as their users run them, against a wiremock server given as `FLATPEAK_BASE_URL`: what
//! they ask for and what they print.
//!
//! They are run from the binaries `cargo test` builds beside the test binaries
//! (`target/<profile>/examples/`); `cargo test -p flatpeak --test it examples` alone builds none
//! (and `--example` builds test harnesses instead), so run
//! `cargo build -p flatpeak --examples` first. A binary older than its example or than the
//! crate's sources is refused, not run.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, TimeDelta, Utc};
use common::*;
use serde_json::json;
use wiremock::MockServer;

/// The example's binary, built no earlier than its source and the crate's were last changed.
fn binary(name: &str) -> PathBuf {
    let tests = std::env::current_exe().unwrap();
    // target/<profile>/deps/examples-<hash> -> target/<profile>/examples/<name>
    let profile = tests.parent().and_then(Path::parent).unwrap();
    let binary = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = crate_dir.join(format!("examples/{name}.rs"));
    let sources = std::fs::read_dir(crate_dir.join("src")).unwrap();
    let sources = sources.map(|entry| entry.unwrap().path()).chain([example]);
    let changed = sources
        .map(|path| std::fs::metadata(path).unwrap().modified().unwrap())
        .max()
        .unwrap();
    let built = std::fs::metadata(&binary).and_then(|m| m.modified());
    assert!(
        built.is_ok_and(|built| built >= changed),
        "{} is missing or older than its sources: `cargo build -p flatpeak --examples` \
         (or `cargo test -p flatpeak`, which builds the examples)",
        binary.display(),
    );
    binary
}

/// Runs example `name` with `args` against `server`, off the runtime's thread so that the
/// server keeps answering.
async fn run(name: &str, args: &[&str], server: &MockServer) -> Output {
    let mut command = Command::new(binary(name));
    command
        .args(args)
        .env("FLATPEAK_TOKEN", TOKEN)
        .env("FLATPEAK_BASE_URL", server.uri())
        .env_remove("FLATPEAK_VERSION");
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The rows of a table the example printed, each split into its columns.
fn rows(output: &Output) -> Vec<Vec<String>> {
    stdout(output)
        .lines()
        .map(|line| line.split("  ").map(str::trim).filter(|c| !c.is_empty()))
        .map(|columns| columns.map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn tariff_rates_prints_the_next_24_hours_of_import_rates() {
    let server = MockServer::start().await;
    let rates = tariff_rates(json!([
        {"valid_from": "2024-06-15T09:00:00Z", "valid_to": "2024-06-15T09:30:00Z",
         "tariff": {"rate": 0.245, "confidence": 1}},
        {"valid_from": "2024-06-15T09:30:00Z", "valid_to": "2024-06-15T10:00:00Z",
         "tariff": {"rate": 0.1, "confidence": 0.8}},
        {"valid_from": "2024-06-15T10:00:00Z", "valid_to": "2024-06-15T10:30:00Z"}
    ]));
    mount(&server, "/tariffs/rates/loc_1", json(200, &rates), 1).await;
    let before = Utc::now() - TimeDelta::seconds(1);

    let output = run("tariff_rates", &["loc_1"], &server).await;

    let after = Utc::now();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        rows(&output),
        [
            [
                "valid from (UTC)",
                "valid to (UTC)",
                "GBP/kWh",
                "confidence"
            ],
            ["2024-06-15 09:00", "2024-06-15 09:30", "0.2450", "1.00"],
            ["2024-06-15 09:30", "2024-06-15 10:00", "0.1000", "0.80"],
            ["2024-06-15 10:00", "2024-06-15 10:30", "-", "-"],
        ]
    );
    let request = only_request(&server).await;
    let sent: std::collections::HashMap<_, _> = query(&request).into_iter().collect();
    assert_eq!(sent["direction"], "IMPORT");
    assert_eq!(sent["include_tariff"], "true");
    let time = |name: &str| sent[name].parse::<DateTime<Utc>>().unwrap();
    let (start, end) = (time("start_time"), time("end_time"));
    assert!(before <= start && start <= after, "{start} not now");
    assert_eq!(end - start, TimeDelta::hours(24));
}

#[tokio::test]
async fn tariff_rates_reports_a_422_with_when_to_ask_again() {
    let server = MockServer::start().await;
    mount_422(&server, "/tariffs/rates/loc_1", "no_tariff_connected").await;

    let output = run("tariff_rates", &["loc_1"], &server).await;

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.starts_with("error: HTTP 422"), "{message}");
    assert!(message.contains("code no_tariff_connected"), "{message}");
    assert!(message.contains("ask again in 15 minutes"), "{message}");
    assert!(!message.contains(TOKEN), "{message}");
}

#[tokio::test]
async fn list_locations_prints_every_page_of_one_customers_locations() {
    let server = MockServer::start().await;
    let mut unconnected = location("loc_b1");
    unconnected["tariff_status"] = json!({"commodity_import": "NOT_CONNECTED"});
    unconnected
        .as_object_mut()
        .unwrap()
        .remove("postal_address");
    let first = page(
        "/locations",
        vec![location("loc_a1"), location("loc_a2")],
        true,
    );
    let second = page("/locations", vec![unconnected], false);
    serve_page(&server, "/locations", None, json(200, &first)).await;
    let cursor = Some(("starting_after", "loc_a2"));
    serve_page(&server, "/locations", cursor, json(200, &second)).await;

    let output = run("list_locations", &["cus_1"], &server).await;

    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        rows(&output),
        [
            vec!["id", "reference", "post code", "import tariff"],
            vec!["loc_a1", "REF-loc_a1", "WC2N 5EH", "CONNECTED"],
            vec!["loc_a2", "REF-loc_a2", "WC2N 5EH", "CONNECTED"],
            vec!["loc_b1", "REF-loc_b1", "-", "NOT_CONNECTED"],
            vec!["3 locations"],
        ]
    );
    let queries: Vec<_> = received(&server).await.iter().map(query).collect();
    let filter = [("customer_id", "cus_1"), ("limit", "100")];
    let next = [filter[0], filter[1], ("starting_after", "loc_a2")];
    assert_eq!(queries, [pairs(&filter), pairs(&next)]);
}

#[tokio::test]
async fn list_locations_refuses_a_bad_customer_id_without_sending() {
    let server = MockServer::start().await;

    let output = run("list_locations", &["cus-1"], &server).await;

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.starts_with("error: invalid request, nothing was sent: "),
        "{message}"
    );
    assert_eq!(stdout(&output), "");
    assert!(message.contains("customer_id"), "{message}");
    assert!(received(&server).await.is_empty());
}

/// Flatpeak's Anode example of a schedule by duration (its document's examples, as the bundled
/// cassette `conformance/cassettes/anode/schedules/create-schedule-by-duration.json` has it).
const SCHEDULE_DURATION: &str = r#"{
  "id": "std_65e42cdd73e9f861edda35d7", "object": "schedule_duration", "live_mode": true,
  "location_id": "loc_65e42ce4d3b813479b252160", "location_timezone": "Europe/London",
  "currency_code": "EUR", "direction": "IMPORT", "next_update": "2023-06-18T23:00:00Z",
  "request": {"direction": "IMPORT", "segment": "LOW", "duration": 90,
              "start_time": "2022-05-24T14:15:22Z", "end_time": "2022-05-24T16:15:22Z"},
  "data": [
    {"start_time": "2024-05-20T00:00:00Z", "end_time": "2024-05-20T00:30:00Z",
     "tariff": {"rate_avg": 0.1, "confidence": 1}},
    {"start_time": "2024-05-20T02:00:00Z", "end_time": "2024-05-20T03:00:00Z",
     "tariff": {"rate_avg": 0.0825, "confidence": 0.9}}
  ],
  "time_created": "2024-05-23T15:14:22Z", "account_id": "acc_661677911f2197045e6cf1b1"
}"#;

#[tokio::test]
async fn schedule_by_duration_asks_for_the_cheapest_minutes_of_the_next_day() {
    let server = MockServer::start().await;
    let route = "/schedules/duration/loc_1";
    mount_verb(&server, "POST", route, json(200, SCHEDULE_DURATION), 1).await;
    let before = Utc::now() - TimeDelta::seconds(1);

    let output = run("schedule_by_duration", &["loc_1", "90"], &server).await;

    let after = Utc::now();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        rows(&output),
        [
            vec!["90 minutes at the lowest price, EUR (Europe/London)"],
            vec!["2024-05-20 00:00 .. 00:30", "average rate 0.1000"],
            vec!["2024-05-20 02:00 .. 03:00", "average rate 0.0825"],
        ]
    );
    let request = only_request(&server).await;
    assert_eq!(
        request
            .headers
            .get("flatpeak-version")
            .map(|v| v.to_str().unwrap()),
        Some("2025-09-14.anode")
    );
    let (sent, _) = json_sent(&request);
    assert_eq!(sent["duration"], 90.0);
    assert_eq!(sent["segment"], "LOW");
    let time = |name: &str| {
        sent[name]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap()
    };
    let (start, end) = (time("start_time"), time("end_time"));
    assert!(before <= start && start <= after, "{start} not now");
    assert_eq!(end - start, TimeDelta::hours(24));
}

#[tokio::test]
async fn schedule_by_duration_refuses_a_negative_duration_without_sending() {
    let server = MockServer::start().await;

    let output = run("schedule_by_duration", &["loc_1", "-5"], &server).await;

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("body field `/duration`"), "{message}");
    assert!(message.contains("below the minimum 0"), "{message}");
    assert!(received(&server).await.is_empty());
}

/// A tariff as Anode's document shows one (`tests/fixtures/anode_tariff.json`, the element of
/// the bundled cassette `anode/tariffs/list-tariffs.json`), with this id and name.
fn tariff(id: &str, name: Option<&str>) -> serde_json::Value {
    let mut tariff: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/anode_tariff.json")).unwrap();
    tariff["id"] = json!(id);
    match name {
        Some(name) => tariff["display_name"] = json!(name),
        None => {
            tariff.as_object_mut().unwrap().remove("display_name");
        }
    }
    tariff
}

#[tokio::test]
async fn list_tariffs_prints_every_page() {
    let server = MockServer::start().await;
    let first = page(
        "/tariffs",
        vec![tariff("trf_a1", Some("Flexible Go 2023"))],
        true,
    );
    let second = page("/tariffs", vec![tariff("trf_b1", None)], false);
    serve_page(&server, "/tariffs", None, json(200, &first)).await;
    serve_page(
        &server,
        "/tariffs",
        Some(("starting_after", "trf_a1")),
        json(200, &second),
    )
    .await;

    let output = run("list_tariffs", &[], &server).await;

    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        rows(&output),
        [
            vec![
                "trf_a1",
                "loc_641b90b758fb8e6293716e40",
                "IMPORT",
                "Flexible Go 2023"
            ],
            vec![
                "trf_b1",
                "loc_641b90b758fb8e6293716e40",
                "IMPORT",
                "(no name)"
            ],
            vec!["2 tariffs"],
        ]
    );
    let queries: Vec<_> = received(&server).await.iter().map(query).collect();
    let next = [("limit", "100"), ("starting_after", "trf_a1")];
    assert_eq!(queries, [pairs(&[("limit", "100")]), pairs(&next)]);
}

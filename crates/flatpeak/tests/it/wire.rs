//! The last check before sending: an id off `^[a-z]{2,4}_[A-Za-z0-9]+$` is refused wherever it
//! is (path, query, body, deep in an array) however it was made, here ids the client accepted
//! leniently from a response or a body deserialised from JSON; so is any value beyond its
//! documented bounds (`limit` above 100, a number above its maximum, a value outside a closed
//! enum). Nothing reaches the server, and the error names the place.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use common::*;
use flatpeak::zero::types::{self, Location};
use flatpeak::{Error, Paginate as _};
use futures_util::StreamExt as _;
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

/// A server that must receive nothing.
async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(json(200, "{}"))
        .expect(0)
        .mount(&server)
        .await;
    server
}

/// A location read from a response whose ids are off the pattern: accepted as they came.
fn odd_location() -> Location {
    let mut body = location("loc-1");
    body["customer_id"] = json!("cus-1");
    serde_json::from_value(body).unwrap()
}

/// A schedule request deserialised from JSON (its ids accepted as they are), for these
/// devices.
fn schedule(devices: &[&str]) -> types::ScheduleRequest {
    let device = |id: &str| {
        json!({"device_id": id, "direction": "IMPORT", "start_time": "2022-02-01T20:14:00Z", "end_time": "2022-02-02T06:00:00Z",
               "energy": {"units": "KWH", "value": 24.5}})
    };
    let data: Vec<_> = devices.iter().map(|id| device(id)).collect();
    serde_json::from_value(json!({
        "location_id": "loc_1",
        "max_power": {"units": "KW", "value": 7.4},
        "data": data
    }))
    .unwrap()
}

/// The message of an `InvalidRequest`, or a panic saying what the error was instead.
fn refusal(err: Error) -> String {
    match err {
        Error::InvalidRequest(message) => message,
        other => panic!("not refused before sending: {other:?}"),
    }
}

#[tokio::test]
async fn an_id_from_a_response_is_refused_as_a_path_parameter() {
    let server = silent_server().await;
    let client = bearer(&server.uri()).build().unwrap();
    let location = odd_location();
    assert_eq!(location.id.as_str(), "loc-1");

    let sent = client.retrieve_location().id(location.id).send().await;

    let message = refusal(Error::from(sent.unwrap_err()));
    assert!(message.contains("path parameter `id`"), "{message}");
    assert!(message.contains("`loc-1`"), "{message}");
    assert!(message.contains("^[a-z]{2,4}_[A-Za-z0-9]+$"), "{message}");
}

#[tokio::test]
async fn an_id_from_a_response_is_refused_as_a_query_parameter() {
    let server = silent_server().await;
    let client = bearer(&server.uri()).build().unwrap();
    let customer = odd_location().customer_id.unwrap();

    let sent = client.list_locations().customer_id(customer).send().await;

    let message = refusal(Error::from(sent.unwrap_err()));
    assert!(
        message.contains("query parameter `customer_id`"),
        "{message}"
    );
    assert!(message.contains("`cus-1`"), "{message}");
}

#[tokio::test]
async fn an_id_deep_in_a_deserialised_body_is_refused_with_its_pointer() {
    let server = silent_server().await;
    let client = bearer(&server.uri()).build().unwrap();
    let body = schedule(&["dev-1", "dev_2"]);

    let sent = client.create_schedule().body(body).send().await;

    let message = refusal(Error::from(sent.unwrap_err()));
    assert!(
        message.contains("body field `/data/0/device_id`"),
        "{message}"
    );
    assert!(message.contains("`dev-1`"), "{message}");
}

#[tokio::test]
async fn the_same_body_with_good_ids_is_sent() {
    // The contrast to the test above: the same body with good ids reaches the server.
    let server = MockServer::start().await;
    mount_verb(&server, "POST", "/schedules", json(500, "{}"), 1).await;
    let client = bearer(&server.uri()).build().unwrap();
    let body = schedule(&["dev_1", "dev_2"]);

    let sent = client.create_schedule().body(body).send().await;

    let err = Error::from(sent.unwrap_err());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err:?}");
}

#[tokio::test]
async fn paging_stops_at_a_cursor_off_the_pattern_with_the_error() {
    let server = MockServer::start().await;
    let first = page(
        "/locations",
        vec![location("loc_1"), location("loc-2")],
        true,
    );
    mount(&server, "/locations", json(200, &first), 1).await;
    let client = bearer(&server.uri()).build().unwrap();

    let results: Vec<_> = client.list_locations().paginate().collect().await;

    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap().id.as_str(), "loc_1");
    assert_eq!(results[1].as_ref().unwrap().id.as_str(), "loc-2");
    let message = match &results[2] {
        Err(Error::InvalidRequest(message)) => message,
        other => panic!("{other:?}"),
    };
    assert!(
        message.contains("query parameter `starting_after`"),
        "{message}"
    );
    assert_eq!(received(&server).await.len(), 1);
}
/// Values that would send a request to another endpoint: URL parsing resolves a `..` or `.`
/// segment and reads `\` as `/` in an `http` URL, and a value is percent-encoded into its
/// segment without those being escaped. (`x\..\loc_2` in the place of `loc_1` stays on the
/// same endpoint as `loc_2`, and is checked as that.)
const OTHER_ENDPOINT: [&str; 5] = [".", "..", "..\\..\\login", "dev_1\\status", "a\\b"];

#[tokio::test]
async fn an_id_from_a_response_cannot_send_the_request_elsewhere() {
    let server = silent_server().await;
    let client = bearer(&server.uri()).build().unwrap();
    let lenient = |value: &str| serde_json::from_value::<types::Id>(json!(value)).unwrap();
    for bad in OTHER_ENDPOINT.iter().chain(&["..\\locations\\loc_1"]) {
        let device = client.retrieve_device().id(lenient(bad)).send();
        let message = refusal(Error::from(device.await.unwrap_err()));
        assert!(
            message.starts_with("path parameter `id` changed the path to `/"),
            "{bad:?}: {message}"
        );
    }
    for bad in OTHER_ENDPOINT {
        let status = client.retrieve_location_status().id(lenient(bad)).send();
        let message = refusal(Error::from(status.await.unwrap_err()));
        assert!(
            message.starts_with("path parameter `id` changed the path to `/"),
            "{bad:?}: {message}"
        );
    }
}

#[tokio::test]
async fn free_text_in_the_path_cannot_send_the_request_elsewhere_either() {
    // A session reference is yours, not a Flatpeak id: any text, but it stays one segment.
    let server = silent_server().await;
    let client = bearer(&server.uri()).build().unwrap();
    for bad in OTHER_ENDPOINT {
        let sent = client.calculate_session_cost().id(bad).send().await;

        let message = refusal(Error::from(sent.unwrap_err()));
        assert!(
            message.contains("path parameter `id` changed"),
            "{bad:?}: {message}"
        );
    }
}

#[tokio::test]
async fn free_text_that_keeps_the_path_is_sent_as_it_is() {
    let server = MockServer::start().await;
    let route = "/costs/session/SESSION%201.5";
    mount_verb(&server, "POST", route, json(500, "{}"), 1).await;
    let client = bearer(&server.uri()).build().unwrap();

    let sent = client
        .calculate_session_cost()
        .id("SESSION 1.5")
        .send()
        .await;

    let err = Error::from(sent.unwrap_err());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err:?}");
}

#[test]
fn a_time_of_day_is_checked_when_built_and_read_as_it_comes() {
    // `24:00:00` ends a day in tariff schedules; nothing else past `23:59:59` is a time of day.
    for good in ["00:00:00", "23:59:59", "24:00:00"] {
        assert!(good.parse::<types::TimeOfDay>().is_ok(), "{good}");
    }
    for bad in ["24:00:01", "24:59:59", "25:00:00", "7:00:00", "07:00"] {
        assert!(bad.parse::<types::TimeOfDay>().is_err(), "{bad}");
    }
    // Liberal in what it reads: a server's odd value still deserialises.
    let read: types::TimeOfDay = serde_json::from_value(json!("24:59:59")).unwrap();
    assert_eq!(read.as_str(), "24:59:59");
}

#[tokio::test]
async fn a_limit_outside_the_documented_1_to_100_is_refused_and_100_is_sent() {
    let server = silent_server().await;
    let client = bearer(&server.uri()).build().unwrap();

    let sent = client.list_locations().limit(150u32).send().await;

    let message = refusal(Error::from(sent.unwrap_err()));
    assert!(message.contains("query parameter `limit`"), "{message}");
    assert!(
        message.contains("`150`") && message.contains("above the maximum 100"),
        "{message}"
    );

    // The minimum is the builder's (`limit` is a `NonZeroU32`): its message says what is
    // expected, not only that a conversion failed.
    let sent = client.list_locations().limit(0u32).send().await;
    let message = refusal(Error::from(sent.unwrap_err()));
    assert!(
        message.contains("for limit failed: expected a whole number, 1 or more"),
        "{message}"
    );

    let server = MockServer::start().await;
    mount_verb(&server, "GET", "/locations", json(500, "{}"), 1).await;
    let client = bearer(&server.uri()).build().unwrap();
    let err = client
        .list_locations()
        .limit(100u32)
        .send()
        .await
        .unwrap_err();
    assert_eq!(Error::from(err).status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test]
async fn a_body_number_above_its_maximum_and_an_unlisted_enum_value_are_refused() {
    let server = silent_server().await;
    let client = bearer(&server.uri()).build().unwrap();
    let mut body = serde_json::to_value(schedule(&["dev_1"])).unwrap();
    body["shaving_threshold"] = json!({"relative": 1.5});
    let body: types::ScheduleRequest = serde_json::from_value(body).unwrap();

    let sent = client.create_schedule().body(body).send().await;

    let message = refusal(Error::from(sent.unwrap_err()));
    assert!(
        message.contains("body field `/shaving_threshold/relative`"),
        "{message}"
    );
    assert!(message.contains("above the maximum 1"), "{message}");

    // An energy unit the client read leniently (`Unknown`) is not sent back.
    let mut body = serde_json::to_value(schedule(&["dev_1"])).unwrap();
    body["data"][0]["energy"]["units"] = json!("MWH");
    let body: types::ScheduleRequest = serde_json::from_value(body).unwrap();
    let sent = client.create_schedule().body(body).send().await;
    let message = refusal(Error::from(sent.unwrap_err()));
    assert!(
        message.contains("body field `/data/0/energy/units`"),
        "{message}"
    );
    assert!(
        message.contains("`MWH`, not one of `WH`, `KWH`"),
        "{message}"
    );
}

/// A value the spec marks `x-sensitive` (a connect token) that breaks its bound is refused
/// by its place and its fingerprint: the message reaches logs and terminals, the token must not.
#[tokio::test]
async fn a_sensitive_value_is_refused_without_being_quoted() {
    let server = silent_server().await;
    let client = bearer(&server.uri()).build().unwrap();
    // As a response could carry it: the client accepts what it receives.
    let token: flatpeak::zero::types::Id =
        serde_json::from_value(serde_json::json!("ctk-Connect-Secret")).unwrap();

    let sent = client
        .exchange_connect_token()
        .connect_token(token)
        .send()
        .await;

    let message = refusal(Error::from(sent.unwrap_err()));
    assert!(
        message.contains("query parameter `connect_token` is `\"ctk-\"… (18 chars)`"),
        "{message}"
    );
    assert!(!message.contains("Connect-Secret"), "{message}");
}

/// A sensitive path value (a session reference) that changed the path is not quoted in the
/// refusal: the changed path is shown with it redacted, wherever it ended up.
#[tokio::test]
async fn a_refused_path_does_not_quote_a_sensitive_value() {
    let server = silent_server().await;
    let client = bearer(&server.uri()).build().unwrap();
    for bad in [
        "sess_Secret9\\status",
        "..\\..\\sess_Secret9",
        "..\\sess_Secret9",
    ] {
        let sent = client.calculate_session_cost().id(bad).send().await;
        let message = refusal(Error::from(sent.unwrap_err()));
        assert!(
            message.starts_with("path parameter `id` changed the path to `/")
                && message.contains("[redacted]"),
            "{bad:?}: {message}"
        );
        assert!(!message.contains("Secret9"), "{bad:?}: {message}");
    }
}

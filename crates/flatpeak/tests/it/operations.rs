//! Operations beyond `GET` against real wiremock servers on loopback: what a `POST`, `PUT` and
//! `PATCH` put on the wire, the deletes' `202 Accepted` with and without a body, how query
//! date-times and booleans are written, the typed `409` and `422`, and events read by the kind
//! of object they are about.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use crate::common;

use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use common::*;
use flatpeak::Error;
use flatpeak::zero::Client;
use flatpeak::zero::types::{self, EventData};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    bearer(&server.uri()).build().unwrap()
}

fn id(value: &str) -> types::Id {
    value.parse().unwrap()
}

#[tokio::test]
async fn create_location_posts_exactly_the_documented_body() {
    let server = MockServer::start().await;
    let created = location("loc_641b90b758fb8e6293716e40").to_string();
    mount_verb(&server, "POST", "/locations", json(201, &created), 1).await;
    // Generated types are #[non_exhaustive]: built with their builders, as users build them,
    // with plain values for optional fields and a nested builder for the nested object.
    let body = types::LocationCreate::builder()
        .customer_id("cus_65e421d1daa4a24082b4f590")
        .reference_id("LOC1234567890")
        .postal_address(
            types::PostalAddress::builder()
                .address_line1("1-3")
                .address_line2("Strand")
                .city("London")
                .state("Greater London")
                .post_code("WC2N 5EH")
                .country_code("GB"),
        );

    let location = client(&server)
        .create_location()
        .body(body)
        .send()
        .await
        .unwrap();

    assert_eq!(location.status().as_u16(), 201);
    assert_eq!(location.id.as_str(), "loc_641b90b758fb8e6293716e40");
    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    let (sent, content_type) = json_sent(&request);
    assert_eq!(content_type, "application/json");
    assert_eq!(
        sent,
        json!({
            "customer_id": "cus_65e421d1daa4a24082b4f590",
            "reference_id": "LOC1234567890",
            "postal_address": {
                "address_line1": "1-3", "address_line2": "Strand", "city": "London",
                "state": "Greater London", "post_code": "WC2N 5EH", "country_code": "GB"
            }
        })
    );
}

#[tokio::test]
async fn set_none_leaves_a_field_out_and_a_bad_nested_value_fails_before_sending() {
    let server = MockServer::start().await;
    let created = location("loc_641b90b758fb8e6293716e40").to_string();
    mount_verb(&server, "POST", "/locations", json(201, &created), 1).await;
    // `set_<field>(None)` undoes an earlier plain setter: the field is not sent at all.
    let body = types::LocationCreate::builder()
        .reference_id("LOC-1")
        .customer_id("cus_65e421d1daa4a24082b4f590")
        .set_customer_id(None)
        .postal_address(types::PostalAddress::builder().city("Bristol"));
    client(&server)
        .create_location()
        .body(body)
        .send()
        .await
        .unwrap();
    let (sent, _) = json_sent(&only_request(&server).await);
    assert_eq!(
        sent,
        json!({"reference_id": "LOC-1", "postal_address": {"city": "Bristol"}})
    );

    // A nested value that does not convert (a country code off its pattern) is an error of
    // the call naming the field, not a panic, and nothing is sent.
    let body = types::LocationCreate::builder()
        .postal_address(types::PostalAddress::builder().country_code("not a country"));
    let err = client(&server)
        .create_location()
        .body(body)
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("country_code"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn create_schedule_posts_its_devices_as_an_array_with_rfc3339_times() {
    let server = MockServer::start().await;
    let schedule = json!({
        "id": "sch_65ea3fb185c1541f247c251e", "object": "schedule", "live_mode": false,
        "location_id": "loc_1", "location_timezone": "Europe/London", "currency_code": "GBP",
        "max_power": {"units": "KW", "value": 7.4},
        "tariff": {"value": 1.25, "confidence": 1}, "savings": {"value": 0.02, "percentage": 1.3},
        "time_created": "2024-01-01T00:00:00Z", "account_id": ACCOUNT
    });
    mount_verb(
        &server,
        "POST",
        "/schedules",
        json(200, &schedule.to_string()),
        1,
    )
    .await;
    let device: types::ScheduleDeviceRequest = types::ScheduleDeviceRequest::builder()
        .device_id(id("dev_1"))
        .direction(types::Direction::Import)
        .start_time(Utc.with_ymd_and_hms(2022, 2, 1, 20, 14, 0).unwrap())
        .end_time(Utc.with_ymd_and_hms(2022, 2, 2, 6, 0, 0).unwrap())
        .energy(
            types::Energy::builder()
                .units(types::EnergyUnits::Kwh)
                .value(24.5),
        )
        .try_into()
        .unwrap();
    let body = types::ScheduleRequest::builder()
        .location_id(id("loc_1"))
        .max_power(
            types::Power::builder()
                .units(types::PowerUnits::Kw)
                .value(7.4),
        )
        .shaving_threshold(types::ShavingThreshold::builder().relative(0.83))
        .data(vec![device]);

    let schedule = client(&server)
        .create_schedule()
        .body(body)
        .send()
        .await
        .unwrap();

    assert_eq!(schedule.id.as_str(), "sch_65ea3fb185c1541f247c251e");
    let (sent, content_type) = json_sent(&only_request(&server).await);
    assert_eq!(content_type, "application/json");
    assert_eq!(
        sent,
        json!({
            "location_id": "loc_1",
            "max_power": {"units": "KW", "value": 7.4},
            "shaving_threshold": {"relative": 0.83},
            "data": [{
                "device_id": "dev_1", "direction": "IMPORT",
                "start_time": "2022-02-01T20:14:00Z", "end_time": "2022-02-02T06:00:00Z",
                "energy": {"units": "KWH", "value": 24.5}
            }]
        })
    );
}

#[tokio::test]
async fn interval_reads_are_put_as_a_json_array() {
    let server = MockServer::start().await;
    let batch = json!({"id": "bat_65e42b7827c0526548432b9f", "object": "meter_batch",
                       "records_submitted": 2});
    mount_verb(
        &server,
        "PUT",
        "/meters/interval",
        json(200, &batch.to_string()),
        1,
    )
    .await;
    let record = |start: u32, value: f64| -> types::MeterRecord {
        types::MeterRecord::builder()
            .location_id(id("loc_1"))
            .device_id("dev_1")
            .session_reference_id("SESSION1")
            .direction(types::Direction::Import)
            .units(types::MeterUnits::Kwh)
            .value(value)
            .start_time(Utc.with_ymd_and_hms(2022, 2, 1, start, 0, 0).unwrap())
            .end_time(Utc.with_ymd_and_hms(2022, 2, 1, start + 1, 0, 0).unwrap())
            .try_into()
            .unwrap()
    };

    let batch = client(&server)
        .submit_meter_interval_reads()
        .body(vec![record(10, 1.5), record(11, 2.0)])
        .send()
        .await
        .unwrap();

    assert_eq!(batch.records_submitted, Some(2));
    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "PUT");
    let (sent, content_type) = json_sent(&request);
    assert_eq!(content_type, "application/json");
    let sent_record = |start: &str, end: &str, value: f64| {
        json!({
            "location_id": "loc_1", "device_id": "dev_1", "session_reference_id": "SESSION1",
            "direction": "IMPORT", "units": "KWH", "value": value,
            "start_time": start, "end_time": end
        })
    };
    assert_eq!(
        sent,
        json!([
            sent_record("2022-02-01T10:00:00Z", "2022-02-01T11:00:00Z", 1.5),
            sent_record("2022-02-01T11:00:00Z", "2022-02-01T12:00:00Z", 2.0),
        ])
    );
}

#[tokio::test]
async fn update_customer_patches_and_reads_the_202_customer() {
    let server = MockServer::start().await;
    let customer = json!({
        "id": "cus_1", "object": "customer", "live_mode": false, "reference_id": "CUS-2",
        "locations": ["loc_1"], "time_created": "2024-01-01T00:00:00Z", "account_id": ACCOUNT
    });
    mount_verb(
        &server,
        "PATCH",
        "/customers/cus_1",
        json(202, &customer.to_string()),
        1,
    )
    .await;

    let customer = client(&server)
        .update_customer()
        .id("cus_1")
        .body(types::CustomerUpdate::builder().reference_id("CUS-2"))
        .send()
        .await
        .unwrap();

    assert_eq!(customer.status().as_u16(), 202);
    assert_eq!(customer.reference_id.as_deref(), Some("CUS-2"));
    assert_eq!(customer.locations[0].as_str(), "loc_1");
    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "PATCH");
    let (sent, content_type) = json_sent(&request);
    assert_eq!(content_type, "application/json");
    assert_eq!(sent, json!({"reference_id": "CUS-2"}));
}

#[tokio::test]
async fn a_delete_answered_202_with_or_without_a_body_succeeds() {
    let server = MockServer::start().await;
    let accepted = json(202, r#"{"message": "Accepted"}"#);
    mount_verb(&server, "DELETE", "/locations/loc_1", accepted, 1).await;
    // No body, no `Content-Type`: what the API may also send (decision 25).
    let bare = ResponseTemplate::new(202);
    mount_verb(&server, "DELETE", "/devices/dev_1", bare, 1).await;
    let client = client(&server);

    let with_body = client.delete_location().id("loc_1").send().await.unwrap();
    assert_eq!(with_body.status().as_u16(), 202);
    assert_eq!(with_body.message.as_deref(), Some("Accepted"));

    let without = client.delete_device().id("dev_1").send().await;
    let without = without.map_err(Error::from).unwrap();
    assert_eq!(without.status().as_u16(), 202);
    assert_eq!(without.message, None);

    let requests = received(&server).await;
    let bare_response = requests.iter().find(|r| r.url.path() == "/devices/dev_1");
    assert!(bare_response.is_some_and(|r| r.method.as_str() == "DELETE"));
}

#[tokio::test]
async fn query_date_times_are_rfc3339_in_utc_and_booleans_are_words() {
    let server = MockServer::start().await;
    let rates = tariff_rates(json!([{
        "valid_from": "2024-06-15T09:00:00Z", "valid_to": "2024-06-15T09:30:00Z",
        "tariff": {"rate": 0.245, "confidence": 1}
    }]));
    mount(&server, "/tariffs/rates/loc_1", json(200, &rates), 1).await;
    let start = Utc.with_ymd_and_hms(2024, 6, 15, 9, 0, 0).unwrap();
    // A fraction of a second is kept, to the millisecond here.
    let end = Utc.with_ymd_and_hms(2024, 6, 15, 23, 0, 0).unwrap() + Duration::from_millis(250);

    let rates = client(&server)
        .retrieve_tariff_rates()
        .id("loc_1")
        .start_time(start)
        .end_time(end)
        .include_tariff(true)
        .include_carbon(false)
        .send()
        .await
        .unwrap();

    assert_eq!(rates.data[0].tariff.as_ref().unwrap().rate, Some(0.245));
    let request = only_request(&server).await;
    assert_eq!(
        request.url.query(),
        Some(
            "end_time=2024-06-15T23%3A00%3A00.250Z&include_carbon=false&include_tariff=true\
             &start_time=2024-06-15T09%3A00%3A00Z"
        )
    );
    assert_eq!(
        query(&request),
        [
            ("end_time".into(), "2024-06-15T23:00:00.250Z".into()),
            ("include_carbon".into(), "false".into()),
            ("include_tariff".into(), "true".into()),
            ("start_time".into(), "2024-06-15T09:00:00Z".into()),
        ]
    );
}

#[tokio::test]
async fn the_409_of_create_location_is_a_typed_api_error() {
    let server = MockServer::start().await;
    let conflict = envelope("invalid_request", "location_exists", "Location exists");
    mount_verb(&server, "POST", "/locations", json(409, &conflict), 1).await;

    let err = create_location(&client(&server)).await.unwrap_err();

    let Error::Api(api) = &err else {
        panic!("not an API error: {err:?}");
    };
    assert_eq!(api.status().as_u16(), 409);
    assert_eq!(api.code(), Some("location_exists"));
    assert_eq!(api.message(), "Location exists");
    assert_eq!(api.error_type(), Some(&flatpeak::ErrorType::InvalidRequest));
    assert_eq!(api.retry_after(), None);
}

#[tokio::test]
async fn the_422_of_tariff_rates_is_typed_and_asks_for_15_minutes() {
    let server = MockServer::start().await;
    mount_422(&server, "/tariffs/rates/loc_1", "no_tariff_connected").await;
    // A retrying policy: the slow 422 codes are still sent once.
    let client = bearer(&server.uri())
        .retry(quick_retries(3))
        .build()
        .unwrap();

    let sent = client
        .retrieve_tariff_rates()
        .id("loc_1")
        .end_time(Utc.with_ymd_and_hms(2024, 6, 15, 23, 0, 0).unwrap())
        .send()
        .await;

    let err = Error::from(sent.unwrap_err());
    let api = err.api().unwrap();
    assert_eq!(api.status().as_u16(), 422);
    assert_eq!(api.code(), Some("no_tariff_connected"));
    assert_eq!(api.retry_after(), Some(Duration::from_secs(15 * 60)));
}

#[tokio::test]
async fn events_are_read_by_the_kind_of_object_they_are_about() {
    let server = MockServer::start().await;
    let device: serde_json::Value = serde_json::from_str(DEVICE).unwrap();
    let customer = json!({"id": "cus_1", "object": "customer", "live_mode": false,
                          "time_created": "2024-01-01T00:00:00Z", "account_id": ACCOUNT});
    let tariff = json!({
        "id": "trf_1", "object": "tariff_element", "location_id": "loc_1", "live_mode": false,
        "is_linked": false, "connection_type": "MANUAL", "direction": "IMPORT",
        "type": "COMMODITY", "status": "CONNECTED", "timezone": "Europe/London",
        "market_rates": false, "contract_start_date": "2024-01-01T00:00:00Z",
        "contract_end_date": "2025-01-01T00:00:00Z", "time_created": "2024-01-01T00:00:00Z",
        "account_id": ACCOUNT
    });
    let mut old_tariff = tariff.clone();
    old_tariff["object"] = json!("tariff");
    let token = json!({"object": "connect_token", "connect_token": "cot_1"});
    let events: Vec<_> = [
        ("device.create", device),
        ("location.update", location("loc_1")),
        ("tariff_element.create", tariff),
        ("customer.delete", customer),
        ("connect_token.create", token.clone()),
        // The published example's name for a tariff element (decision 12).
        ("tariff.update", old_tariff),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (kind, data))| {
        json!({"id": format!("evt_{n}"), "object": "event", "type": kind,
               "time_created": "2024-01-01T00:00:00Z", "data": data})
    })
    .collect();
    mount(
        &server,
        "/events",
        json(200, &page("/events", events, false)),
        1,
    )
    .await;

    let list = client(&server)
        .list_events()
        .object_id("loc_1")
        .send()
        .await
        .unwrap();

    let data: Vec<&EventData> = list.data.iter().map(|e| &e.data).collect();
    assert!(
        matches!(data[0], EventData::Device(d) if d.id.as_str() == "dev_63a6087272941ef077a8fd3e")
    );
    assert!(matches!(data[1], EventData::Location(l) if l.id.as_str() == "loc_1"));
    assert!(matches!(data[2], EventData::TariffElement(t) if t.id.as_str() == "trf_1"));
    assert!(matches!(data[3], EventData::Customer(c) if c.id.as_str() == "cus_1"));
    assert!(matches!(data[4], EventData::Unknown(value) if *value == token));
    assert!(matches!(data[5], EventData::TariffElement(t) if t.object.to_string() == "tariff"));
    assert_eq!(list.data[3].type_, "customer.delete");
    assert_eq!(
        query(&only_request(&server).await),
        [("object_id".into(), "loc_1".into())]
    );
}

//! `Debug` of a generated type (and of its builder) prints `"***"` in place of each field the
//! spec marks `x-sensitive`: a bearer token, an address, coordinates, a customer's reference.
//! Every other field prints as derived, and the values themselves stay readable. An
//! operation's builder hides the parameters the spec marks the same way.

use flatpeak::anode::types::{AuthToken, Location, PostalAddress};

#[test]
fn a_login_s_bearer_token_is_hidden_and_its_other_fields_show() {
    let token: AuthToken = serde_json::from_value(serde_json::json!({
        "bearer_token": "tok_Live_9f8e7d6c5b4a", "expires_in": 3600, "live_mode": false
    }))
    .unwrap();
    let shown = format!("{token:?}");
    assert!(!shown.contains("tok_Live_9f8e7d6c5b4a"), "{shown}");
    assert!(shown.contains(r#"bearer_token: "***""#), "{shown}");
    assert!(shown.contains("expires_in: 3600"), "{shown}");
    assert_eq!(token.bearer_token, "tok_Live_9f8e7d6c5b4a");
}

#[test]
fn a_location_s_address_and_reference_are_hidden_inside_it_and_in_a_builder() {
    let address = serde_json::json!({
        "address_line1": "1 Harbour Walk", "city": "Bristol", "post_code": "BS1 5TY",
        "country_code": "GB"
    });
    let location: Location = serde_json::from_value(serde_json::json!({
        "id": "loc_65e0839faca22517d5d51cd5", "object": "location", "live_mode": false,
        "account_id": "acc_661a2a9e3d0ba8e9cf9fd7a9", "tariff_elements": [],
        "reference_id": "CUST-4471", "postal_address": address,
        "timezone": "Europe/London", "time_created": "2025-01-01T00:00:00Z"
    }))
    .unwrap();
    let shown = format!("{location:?}");
    for personal in ["1 Harbour Walk", "Bristol", "BS1 5TY", "CUST-4471"] {
        assert!(!shown.contains(personal), "{personal} in {shown}");
    }
    assert!(shown.contains(r#"city: Some("***")"#), "{shown}");
    assert!(shown.contains("address_line2: None"), "{shown}");
    assert!(shown.contains("loc_65e0839faca22517d5d51cd5"), "{shown}");

    let builder = PostalAddress::builder()
        .city("Bristol")
        .post_code("BS1 5TY");
    let shown = format!("{builder:?}");
    assert!(
        !shown.contains("Bristol") && !shown.contains("BS1 5TY"),
        "{shown}"
    );
    assert!(shown.contains(r#"city: Ok(Some("***"))"#), "{shown}");
    assert!(shown.contains("address_line1: Ok(None)"), "{shown}");
}

#[test]
fn a_yotta_device_s_coordinates_and_reference_are_hidden() {
    let device: flatpeak::yotta::types::GeoLocation =
        serde_json::from_value(serde_json::json!({"lat": 51.4545, "lng": -2.5879})).unwrap();
    let shown = format!("{device:?}");
    assert!(
        !shown.contains("51.4545") && !shown.contains("2.5879"),
        "{shown}"
    );
    assert_eq!(shown, r#"GeoLocation { lat: "***", lng: "***" }"#);
}

#[test]
fn an_operation_builder_hides_a_marked_parameter_and_shows_the_others() {
    let client = flatpeak::anode::Client::builder()
        .bearer_token("tok_debug_builder")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let exchange = client
        .exchange_connect_token()
        .connect_token("ctk_S3cr3tC0nnectT0ken");
    let shown = format!("{exchange:?}");
    assert!(!shown.contains("S3cr3tC0nnectT0ken"), "{shown}");
    assert!(shown.contains(r#"connect_token: Ok("***")"#), "{shown}");
    assert!(!shown.contains("tok_debug_builder"), "{shown}");

    let list = client
        .list_customers()
        .reference_id("CUST-4471")
        .limit(20u32);
    let shown = format!("{list:?}");
    assert!(!shown.contains("CUST-4471"), "{shown}");
    assert!(
        shown.contains(r#"reference_id: Ok(Some("***"))"#),
        "{shown}"
    );
    assert!(shown.contains("limit: Ok(Some(20))"), "{shown}");
}

/// The response inside a raw `SendError::UnexpectedResponse` shows its URL in `Debug`; a
/// connect token in the query is redacted there, as in every error.
#[tokio::test]
async fn an_unexpected_response_s_url_hides_a_sensitive_query_value() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad token"))
        .mount(&server)
        .await;
    let client = flatpeak::anode::Client::builder()
        .bearer_token("tok_debug_builder")
        .base_url(server.uri())
        .build()
        .unwrap();
    let sent = client
        .exchange_connect_token()
        .connect_token("ctk_S3cr3tC0nnectT0ken")
        .send()
        .await;
    let Err(flatpeak::SendError::UnexpectedResponse(response)) = sent else {
        panic!("expected UnexpectedResponse, got {sent:?}");
    };
    let shown = format!("{response:?}");
    assert!(!shown.contains("S3cr3tC0nnectT0ken"), "{shown}");
    assert!(response.url().as_str().contains("redacted"), "{shown}");
    assert_eq!(response.text().await.unwrap(), "bad token");
}

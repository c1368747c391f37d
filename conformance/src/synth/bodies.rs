//! Valid response bodies of Flatpeak's shapes, varied at random: which device subsystems a
//! device has, which tariff elements a location reports and in which state, which optional
//! fields are present. Every body here conforms to `openapi/flatpeak.yaml`; the synth tests
//! hold that true.

use serde_json::{Map, Value, json};

use super::rng::Rng;

const MANUFACTURERS: [(&str, &str, &str); 4] = [
    ("Nova Systems", "PICOXN2", "Pico Ultimate"),
    ("Helio Works", "HW-PV6", "Rooftop 6"),
    ("Voltaic", "VX-11", "Wallbox 11"),
    ("Thermia", "TH-8", "Atlas 8"),
];

const TIMEZONES: [&str; 5] = [
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "America/New_York",
    "Australia/Sydney",
];

const PROVIDERS: [&str; 4] = ["Octopus Energy", "Eon Next", "British Gas", "EDF"];

const TARIFFS: [&str; 4] = [
    "Flexible Go 2023",
    "Export 2023",
    "Network Fee",
    "Agile Octopus",
];

/// `GET /devices/{id}`: a device with the id `id`.
pub(crate) fn device(rng: &mut Rng, id: &str) -> Value {
    let (manufacturer, model_code, model_name) = *rng.pick(&MANUFACTURERS);
    let mut properties = Map::new();
    properties.insert("manufacturer".into(), manufacturer.into());
    properties.insert("model_code".into(), model_code.into());
    properties.insert("model_name".into(), model_name.into());
    // At least one subsystem, chosen independently otherwise.
    let mut any = false;
    while !any {
        if rng.chance(0.6) {
            any = true;
            properties.insert(
                "battery".into(),
                json!({
                    "capacity_kwh": rng.decimal(2.0, 20.0, 1),
                    "power_kw": rng.decimal(2.0, 10.0, 1),
                    "charge_power_kw": rng.decimal(2.0, 10.0, 1),
                    "discharge_power_kw": rng.decimal(2.0, 10.0, 1),
                    "round_trip_efficiency": rng.decimal(0.8, 0.98, 2),
                }),
            );
        }
        if rng.chance(0.5) {
            any = true;
            properties.insert(
                "pv".into(),
                json!({
                    "peak_power_kw": rng.decimal(1.0, 12.0, 1),
                    "azimuth": rng.between(0, 359),
                    "tilt": rng.between(0, 60),
                    "terrain_shading": rng.chance(0.5),
                    "forecasts_enabled": rng.chance(0.5),
                }),
            );
            properties.insert(
                "inverter".into(),
                json!({"ac_export_limit_kw": rng.decimal(3.0, 6.0, 1)}),
            );
        }
        if rng.chance(0.4) {
            any = true;
            properties.insert(
                "ev_charger".into(),
                json!({
                    "max_power_kw": rng.decimal(7.0, 22.0, 1),
                    "min_power_kw": rng.decimal(1.0, 2.0, 1),
                    "phases": *rng.pick(&[1, 3]),
                    "phase_switching": rng.chance(0.5),
                    "v2g_capable": rng.chance(0.2),
                }),
            );
        }
        if rng.chance(0.3) {
            any = true;
            properties.insert(
                "heat_pump".into(),
                json!({
                    "max_power_kw": rng.decimal(2.0, 8.0, 1),
                    "min_power_kw": rng.decimal(0.3, 1.0, 1),
                    "thermal_storage_litres": rng.between(100, 300),
                }),
            );
        }
    }
    properties.insert("install_date".into(), rng.date_time().into());
    let consents_at = rng.date_time();
    let mut device = Map::new();
    device.insert("id".into(), id.into());
    device.insert("object".into(), "device".into());
    device.insert("live_mode".into(), rng.chance(0.8).into());
    device.insert("controlled".into(), rng.chance(0.7).into());
    device.insert("properties".into(), Value::Object(properties));
    device.insert(
        "consents".into(),
        json!({
            "time_updated": consents_at,
            "time_created": consents_at,
            "information": true,
            "telemetry": rng.chance(0.8),
            "control": rng.chance(0.5),
            "geo_location": rng.chance(0.8),
        }),
    );
    device.insert("timezone".into(), (*rng.pick(&TIMEZONES)).into());
    device.insert(
        "geo_location".into(),
        json!({"lat": rng.decimal(-60.0, 70.0, 5), "lng": rng.decimal(-170.0, 170.0, 5)}),
    );
    if rng.chance(0.5) {
        device.insert(
            "vpp_participation".into(),
            json!({
                "id": rng.id("vpa"),
                "provider_name": "Superpower",
                "programme_name": "Home Powerflex",
                "current_state": *rng.pick(&["ACTIVE", "PAUSED", "PENDING"]),
                "telemetry_active": rng.chance(0.8),
                "control_active": rng.chance(0.6),
            }),
        );
    }
    device.insert("time_created".into(), rng.date_time().into());
    if rng.chance(0.6) {
        let reference = format!("ACC{:010}", rng.next_u64() % 10_000_000_000);
        device.insert("reference_id".into(), reference.into());
    }
    if rng.chance(0.7) {
        device.insert("last_seen".into(), rng.date_time().into());
    }
    Value::Object(device)
}

/// `GET /locations/{id}/status`: the status of location `id`.
pub(crate) fn location_status(rng: &mut Rng, id: &str) -> Value {
    let mut status = Map::new();
    status.insert("id".into(), id.into());
    status.insert("object".into(), "location_status".into());
    status.insert("live_mode".into(), rng.chance(0.8).into());
    if rng.chance(0.9) {
        let mut elements = Map::new();
        for name in [
            "commodity_import",
            "commodity_export",
            "non_commodity_import",
            "non_commodity_export",
            "local",
        ] {
            if rng.chance(0.8) {
                elements.insert(name.into(), element(rng));
            }
        }
        status.insert("tariff_status".into(), Value::Object(elements));
    }
    status.insert("time_created".into(), rng.date_time().into());
    status.insert("account_id".into(), rng.id("acc").into());
    Value::Object(status)
}

/// One tariff element: a connected one carries its connection, provider and tariff.
fn element(rng: &mut Rng) -> Value {
    let state = *rng.pick(&[
        "CONNECTED",
        "CONNECTED",
        "NOT_CONNECTED",
        "ERROR",
        "ERROR_REPORTED",
        "NOT_SUPPORTED",
    ]);
    if state != "CONNECTED" {
        return json!({"status": state});
    }
    let mut tariff = Map::new();
    tariff.insert("id".into(), rng.id("trf").into());
    tariff.insert("display_name".into(), (*rng.pick(&TARIFFS)).into());
    tariff.insert(
        "structure_type".into(),
        (*rng.pick(&["FIXED", "TIME_OF_DAY", "MARKET", "DYNAMIC"])).into(),
    );
    if rng.chance(0.7) {
        tariff.insert("contract_end_date".into(), rng.date_time().into());
    }
    json!({
        "status": state,
        "connection_type": *rng.pick(&["DIRECT", "MANUAL"]),
        "provider": {
            "id": rng.id("prv"),
            "display_name": *rng.pick(&PROVIDERS),
            "logo_url": "https://s.flatpeak.com/83b06a60e38c2.png",
        },
        "tariff": tariff,
    })
}

/// `GET /login`: a token, scrubbed as a recorder should leave it.
pub(crate) fn auth_token(rng: &mut Rng) -> Value {
    json!({
        "bearer_token": "<redacted>",
        "expires_in": *rng.pick(&[3600, 7200, 86400]),
        "live_mode": rng.chance(0.8),
    })
}

/// The error envelope for `status`, from the API call `context`.
pub(crate) fn error(rng: &mut Rng, status: u16, context: &str) -> Value {
    let (kind, code, message) = match status {
        401 => (
            "invalid_request",
            "invalid_token",
            "The bearer token is missing, wrong or expired",
        ),
        403 => (
            "invalid_request",
            "forbidden",
            "The credentials do not allow this call",
        ),
        404 => ("invalid_request", "resource_missing", "No such object"),
        409 => (
            "invalid_request",
            "conflict",
            "The object changed meanwhile",
        ),
        422 => (
            "invalid_request",
            *rng.pick(&[
                "no_tariff_connected",
                "pending_connect",
                "no_price_data",
                "account_disabled",
            ]),
            "The location cannot be reported on",
        ),
        429 => ("rate_limit", "rate_limited", "Too many requests"),
        s if s >= 500 => (
            "api_error",
            "internal_error",
            "Flatpeak failed to handle the request",
        ),
        _ => (
            "invalid_request",
            "invalid_request",
            "The request is not valid",
        ),
    };
    json!({
        "object": "error",
        "live_mode": rng.chance(0.8),
        "context": context,
        "type": kind,
        "code": code,
        "message": message,
        "time_created": rng.date_time(),
    })
}

/// An HTML error page, as a proxy in front of the API sends it.
pub(crate) const HTML_ERROR_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\
     <body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
     </body>\r\n</html>\r\n";

//! Decoding the seed bodies, and the largest response type (a week of tariff rates, 336
//! half-hour entries): the generated types against a hand-written serde struct with the same
//! fields (the floor) and against `serde_json::Value`.
//!
//! Besides criterion's measurements, a paired measurement alternates blocks of the three
//! decoders and prints the median of the per-round ratios (see [`paired`]).
//!
//! `cargo bench -p flatpeak --bench decode` (`-- paired` for the paired measurement alone)
#![allow(clippy::unwrap_used)] // a benchmark that fails should stop loudly

use chrono::{DateTime, Utc};
mod common;

use criterion::{Criterion, Throughput, criterion_group};
use serde::Deserialize;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Seed 000's device, the body Yotta's reference page gives for `GET /devices/{device_id}`.
const DEVICE: &[u8] = include_bytes!("../tests/fixtures/yotta_device.json");
const LOCATION_STATUS: &[u8] = include_bytes!("../tests/fixtures/location_status.json");
const TARIFF_RATES: &[u8] = include_bytes!("../tests/fixtures/tariff_rates.json");

/// The floor: what a careful hand-written client would declare for the same fields, with the
/// cheapest enum handling serde has (closed unit enums with a `#[serde(other)]` catch-all, which
/// never allocate) and no id checks. Fields are decoded, never read. The generated types differ
/// only where they do more: ids are a newtype, enums keep an unknown value's text.
#[allow(dead_code)]
mod floor {
    use super::*;

    #[derive(Deserialize)]
    pub struct Device {
        pub id: String,
        pub object: DeviceObject,
        pub live_mode: bool,
        pub controlled: bool,
        pub properties: Properties,
        pub consents: Consents,
        pub timezone: String,
        pub geo_location: Geo,
        pub vpp_participation: Option<Vpp>,
        pub time_created: DateTime<Utc>,
        pub reference_id: Option<String>,
        pub last_seen: Option<DateTime<Utc>>,
    }

    #[derive(Deserialize)]
    pub enum DeviceObject {
        #[serde(rename = "device")]
        Device,
        #[serde(other)]
        Other,
    }

    #[derive(Deserialize)]
    pub struct Properties {
        pub manufacturer: Option<String>,
        pub model_code: Option<String>,
        pub model_name: Option<String>,
        pub battery: Option<Battery>,
        pub pv: Option<Pv>,
        pub inverter: Option<Inverter>,
        pub ev_charger: Option<EvCharger>,
        pub heat_pump: Option<HeatPump>,
        pub install_date: Option<DateTime<Utc>>,
    }

    #[derive(Deserialize)]
    pub struct Battery {
        pub capacity_kwh: Option<f64>,
        pub power_kw: Option<f64>,
        pub charge_power_kw: Option<f64>,
        pub discharge_power_kw: Option<f64>,
        pub round_trip_efficiency: Option<f64>,
    }

    #[derive(Deserialize)]
    pub struct Pv {
        pub peak_power_kw: Option<f64>,
        pub azimuth: Option<f64>,
        pub tilt: Option<f64>,
        pub terrain_shading: Option<bool>,
        pub forecasts_enabled: Option<bool>,
    }

    #[derive(Deserialize)]
    pub struct Inverter {
        pub ac_export_limit_kw: Option<f64>,
    }

    #[derive(Deserialize)]
    pub struct EvCharger {
        pub max_power_kw: Option<f64>,
        pub min_power_kw: Option<f64>,
        pub phases: Option<i32>,
        pub phase_switching: Option<bool>,
        pub v2g_capable: Option<bool>,
    }

    #[derive(Deserialize)]
    pub struct HeatPump {
        pub max_power_kw: Option<f64>,
        pub min_power_kw: Option<f64>,
        pub thermal_storage_litres: Option<f64>,
    }

    #[derive(Deserialize)]
    pub struct Consents {
        pub time_created: Option<DateTime<Utc>>,
        pub time_updated: Option<DateTime<Utc>>,
        pub information: Option<bool>,
        pub telemetry: Option<bool>,
        pub control: Option<bool>,
        pub geo_location: Option<bool>,
    }

    #[derive(Deserialize)]
    pub struct Geo {
        pub lat: f64,
        pub lng: f64,
    }

    #[derive(Deserialize)]
    pub struct Vpp {
        pub id: Option<String>,
        pub provider_name: Option<String>,
        pub programme_name: Option<String>,
        pub current_state: Option<String>,
        pub telemetry_active: Option<bool>,
        pub control_active: Option<bool>,
    }

    #[derive(Deserialize)]
    pub struct LocationStatus {
        pub id: String,
        pub object: LocationStatusObject,
        pub live_mode: bool,
        pub tariff_status: Option<TariffStatus>,
        pub time_created: DateTime<Utc>,
        pub account_id: String,
    }

    #[derive(Deserialize)]
    pub enum LocationStatusObject {
        #[serde(rename = "location_status")]
        LocationStatus,
        #[serde(other)]
        Other,
    }

    #[derive(Deserialize)]
    pub struct TariffStatus {
        pub commodity_import: Option<Element>,
        pub commodity_export: Option<Element>,
        pub non_commodity_import: Option<Element>,
        pub non_commodity_export: Option<Element>,
        pub local: Option<Element>,
    }

    #[derive(Deserialize)]
    pub struct Element {
        pub status: Status,
        pub connection_type: Option<ConnectionType>,
        pub provider: Option<Provider>,
        pub tariff: Option<Tariff>,
    }

    #[derive(Deserialize)]
    pub struct Provider {
        pub id: String,
        pub display_name: String,
        pub logo_url: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Tariff {
        pub id: String,
        pub display_name: String,
        pub structure_type: StructureType,
        pub contract_end_date: Option<DateTime<Utc>>,
    }

    #[derive(Deserialize)]
    #[allow(clippy::upper_case_acronyms, non_camel_case_types)]
    pub enum Status {
        CONNECTED,
        NOT_CONNECTED,
        ERROR,
        ERROR_REPORTED,
        NOT_SUPPORTED,
        #[serde(other)]
        Other,
    }

    #[derive(Deserialize)]
    #[allow(clippy::upper_case_acronyms)]
    pub enum ConnectionType {
        DIRECT,
        MANUAL,
        #[serde(other)]
        Other,
    }

    #[derive(Deserialize)]
    pub struct TariffRates {
        pub id: String,
        pub object: TariffRatesObject,
        pub live_mode: bool,
        pub location_id: String,
        pub location_timezone: String,
        pub currency_code: String,
        pub direction: Direction,
        pub last_updated: DateTime<Utc>,
        pub next_update: DateTime<Utc>,
        pub request: TariffRatesRequest,
        #[serde(default)]
        pub data: Vec<RateEntry>,
        pub time_created: Option<DateTime<Utc>>,
        pub account_id: String,
    }

    #[derive(Deserialize)]
    pub enum TariffRatesObject {
        #[serde(rename = "tariff_rate")]
        TariffRate,
        #[serde(other)]
        Other,
    }

    #[derive(Deserialize)]
    #[allow(clippy::upper_case_acronyms)]
    pub enum Direction {
        IMPORT,
        EXPORT,
        #[serde(other)]
        Other,
    }

    #[derive(Deserialize)]
    pub struct TariffRatesRequest {
        pub include_tariff: bool,
        pub include_carbon: bool,
        pub direction: Direction,
        pub start_time: DateTime<Utc>,
        pub end_time: DateTime<Utc>,
    }

    #[derive(Deserialize)]
    pub struct RateEntry {
        pub valid_from: DateTime<Utc>,
        pub valid_to: DateTime<Utc>,
        pub tariff: Option<RateValue>,
        pub carbon: Option<CarbonIntensity>,
    }

    #[derive(Deserialize)]
    pub struct RateValue {
        pub rate: Option<f64>,
        pub confidence: Option<f64>,
    }

    #[derive(Deserialize)]
    pub struct CarbonIntensity {
        pub intensity: Option<f64>,
        pub relative: Option<f64>,
        pub confidence: Option<f64>,
    }

    #[derive(Deserialize)]
    #[allow(clippy::upper_case_acronyms, non_camel_case_types)]
    pub enum StructureType {
        FIXED,
        TIME_OF_DAY,
        MARKET,
        DYNAMIC,
        #[serde(other)]
        Other,
    }
}

fn bench_body<Generated, Floor>(c: &mut Criterion, name: &str, body: &'static [u8])
where
    Generated: serde::de::DeserializeOwned,
    Floor: serde::de::DeserializeOwned,
{
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("generated", |b| {
        b.iter(|| serde_json::from_slice::<Generated>(black_box(body)).unwrap())
    });
    group.bench_function("hand_written_floor", |b| {
        b.iter(|| serde_json::from_slice::<Floor>(black_box(body)).unwrap())
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(body)).unwrap())
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    bench_body::<flatpeak::yotta::types::Device, floor::Device>(c, "decode_device", DEVICE);
    bench_body::<flatpeak::zero::types::LocationStatus, floor::LocationStatus>(
        c,
        "decode_location_status",
        LOCATION_STATUS,
    );
    bench_body::<flatpeak::zero::types::TariffRates, floor::TariffRates>(
        c,
        "decode_tariff_rates",
        TARIFF_RATES,
    );
}

/// Rounds of the paired measurement, and bytes decoded by each kind per block (500 decodes
/// of the device, 9 of the tariff rates): about a millisecond a block.
const ROUNDS: usize = 200;
const BLOCK_BYTES: usize = 800_000;

/// Decodes of `body` per block.
fn per_block(body: &[u8]) -> usize {
    (BLOCK_BYTES / body.len().max(1)).max(1)
}

/// Decodes `body` [`per_block`] times as `T`; how long that took.
fn block<T: serde::de::DeserializeOwned>(body: &[u8]) -> Duration {
    let started = Instant::now();
    for _ in 0..per_block(body) {
        black_box(serde_json::from_slice::<T>(black_box(body)).unwrap());
    }
    started.elapsed()
}

/// Alternates blocks of each decoder (in turn, so none always goes first) and prints the mean
/// time of each and the median of the per-round ratios: steady on a shared machine, whose speed
/// can change between criterion's measurements of one function and the next.
fn paired<Generated, Floor>(name: &str, body: &[u8])
where
    Generated: serde::de::DeserializeOwned,
    Floor: serde::de::DeserializeOwned,
{
    let kinds: [fn(&[u8]) -> Duration; 3] = [
        block::<Generated>,
        block::<Floor>,
        block::<serde_json::Value>,
    ];
    let (mut total, mut ratios) = ([Duration::ZERO; 3], Vec::new());
    for round in 0..ROUNDS + 10 {
        let mut took = [Duration::ZERO; 3];
        for turn in 0..3 {
            let which = (turn + round) % 3;
            took[which] = kinds[which](body);
        }
        if round >= 10 {
            ratios.push(took[0].as_secs_f64() / took[1].as_secs_f64());
            for (t, d) in total.iter_mut().zip(took) {
                *t += d;
            }
        }
    }
    ratios.sort_by(f64::total_cmp);
    let block = per_block(body);
    let ns = |d: Duration| d.as_secs_f64() * 1e9 / (ROUNDS * block) as f64;
    println!(
        "{name}/paired: generated {:.0} ns, hand_written_floor {:.0} ns, serde_json_value {:.0} ns, \
         median ratio {:.3} ({ROUNDS} rounds of {block} decodes each)",
        ns(total[0]),
        ns(total[1]),
        ns(total[2]),
        ratios[ratios.len() / 2]
    );
}

criterion_group!(benches, decode);

fn main() {
    common::main(benches, || {
        paired::<flatpeak::yotta::types::Device, floor::Device>("decode_device", DEVICE);
        paired::<flatpeak::zero::types::LocationStatus, floor::LocationStatus>(
            "decode_location_status",
            LOCATION_STATUS,
        );
        paired::<flatpeak::zero::types::TariffRates, floor::TariffRates>(
            "decode_tariff_rates",
            TARIFF_RATES,
        );
    });
}

//! The next 24 hours of a location's import rates, as a table.
//!
//! ```sh
//! FLATPEAK_TOKEN=... cargo run -p flatpeak --example tariff_rates -- loc_641b90b758fb8e6293716e40
//! ```
//!
//! `FLATPEAK_BASE_URL` overrides the production URL (for a test server or a proxy), and
//! `FLATPEAK_VERSION` the API version sent (`flatpeak::env` lists the variables). Times are printed in UTC.

use std::process::ExitCode;

use chrono::{SubsecRound as _, TimeDelta, Utc};
use flatpeak::anode::types::Direction;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let location_id = std::env::args()
        .nth(1)
        .ok_or("usage: tariff_rates <location id>, for example loc_641b90b758fb8e6293716e40")?;

    // FLATPEAK_TOKEN (or FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY), FLATPEAK_BASE_URL,
    // FLATPEAK_VERSION: see `flatpeak::env`.
    let client = flatpeak::anode::Client::from_env().build()?;

    // Whole seconds, as in every example of the API's documentation.
    let start = Utc::now().trunc_subsecs(0);
    let sent = client
        .retrieve_tariff_rates()
        .id(location_id)
        .start_time(start)
        .end_time(start + TimeDelta::hours(24))
        .direction(Direction::Import)
        .include_tariff(true)
        .send()
        .await;
    let rates = match sent.map_err(flatpeak::Error::from) {
        Ok(rates) => rates.into_inner(),
        // `no_tariff_connected`, `no_price_data`, ...: Flatpeak asks for at most one try per
        // 15 minutes, which `retry_after` reports.
        Err(flatpeak::Error::Api(api)) if api.status() == 422 => {
            let wait = api.retry_after().map_or(15, |w| w.as_secs() / 60);
            return Err(format!("{api}; ask again in {wait} minutes").into());
        }
        Err(other) => return Err(other.into()),
    };

    println!(
        "{:<17}  {:<17}  {:>10}  {:>10}",
        "valid from (UTC)",
        "valid to (UTC)",
        format!("{}/kWh", rates.currency_code.as_str()),
        "confidence"
    );
    for entry in &rates.data {
        let tariff = entry.tariff.as_ref();
        let number = |value: Option<f64>, places: usize| {
            value.map_or_else(|| "-".to_string(), |v| format!("{v:.places$}"))
        };
        println!(
            "{:<17}  {:<17}  {:>10}  {:>10}",
            entry.valid_from.format("%Y-%m-%d %H:%M"),
            entry.valid_to.format("%Y-%m-%d %H:%M"),
            number(tariff.and_then(|t| t.rate), 4),
            number(tariff.and_then(|t| t.confidence), 2),
        );
    }
    if rates.data.is_empty() {
        println!("(no rates for this period)");
    }
    Ok(())
}

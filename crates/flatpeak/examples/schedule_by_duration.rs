//! Ask for the cheapest hours of the next day at a location (Anode's schedule by duration):
//! for example two hours of charging, wherever they fall between now and 24 hours from now.
//!
//! ```sh
//! FLATPEAK_TOKEN=... cargo run -p flatpeak --example schedule_by_duration -- loc_641b90b758fb8e6293716e40 120
//! ```
//!
//! `FLATPEAK_BASE_URL` overrides the production URL (for a test server or a proxy), and
//! `FLATPEAK_VERSION` the API version sent (`flatpeak::env` lists the variables). Times are
//! printed in UTC.

use std::process::ExitCode;

use chrono::{Duration, SubsecRound as _, Utc};
use flatpeak::anode::types::{ScheduleDurationRequest, Segment};

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
    let mut args = std::env::args().skip(1);
    let usage = "usage: schedule_by_duration <location id> [minutes], for example \
                 loc_641b90b758fb8e6293716e40 120";
    let location_id = args.next().ok_or(usage)?;
    let minutes: f64 = match args.next() {
        Some(m) => m.parse().map_err(|_| usage)?,
        None => 120.0,
    };

    let client = flatpeak::anode::Client::from_env().build()?;
    // Whole seconds, as in every example of the API's documentation.
    let start = Utc::now().trunc_subsecs(0);
    let schedule = client
        .create_schedule_by_duration()
        .id(location_id)
        .body(
            ScheduleDurationRequest::builder()
                .start_time(start)
                .end_time(start + Duration::hours(24))
                .duration(minutes)
                // The cheapest slots; `Segment::High` asks for the dearest.
                .segment(Segment::Low),
        )
        .send()
        .await
        .map_err(flatpeak::Error::from)?;

    println!(
        "{minutes} minutes at the lowest price, {} ({})",
        schedule.currency_code.as_str(),
        schedule.location_timezone
    );
    for slot in &schedule.data {
        println!(
            "{} .. {}  average rate {:.4}",
            slot.start_time.format("%Y-%m-%d %H:%M"),
            slot.end_time.format("%H:%M"),
            slot.tariff.rate_avg
        );
    }
    Ok(())
}

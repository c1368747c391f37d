//! Every tariff of the account (Anode's `GET /tariffs`), page after page, through the
//! paginating stream: one line per tariff.
//!
//! ```sh
//! FLATPEAK_TOKEN=... cargo run -p flatpeak --example list_tariffs
//! ```
//!
//! `FLATPEAK_BASE_URL` overrides the production URL (for a test server or a proxy), and
//! `FLATPEAK_VERSION` the API version sent (`flatpeak::env` lists the variables).

use std::process::ExitCode;

use flatpeak::Paginate as _;
use futures_util::TryStreamExt as _;

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
    let client = flatpeak::anode::Client::from_env().build()?;

    // The largest page the API allows: fewest requests.
    let mut tariffs = client.list_tariffs().limit(100u32).paginate();
    let mut count = 0;
    while let Some(tariff) = tariffs.try_next().await? {
        count += 1;
        println!(
            "{}  {}  {}  {}",
            tariff.id.as_str(),
            tariff.location_id.as_str(),
            tariff.direction,
            tariff.display_name.as_deref().unwrap_or("(no name)")
        );
    }
    println!("{count} tariffs");
    Ok(())
}

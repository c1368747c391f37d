//! Every location of the account, page after page, through the paginating stream; optionally
//! only those of one customer.
//!
//! ```sh
//! FLATPEAK_TOKEN=... cargo run -p flatpeak --example list_locations
//! FLATPEAK_TOKEN=... cargo run -p flatpeak --example list_locations -- cus_65e421d1daa4a24082b4f590
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
    // FLATPEAK_TOKEN (or FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY), FLATPEAK_BASE_URL,
    // FLATPEAK_VERSION: see `flatpeak::env`.
    let client = flatpeak::anode::Client::from_env().build()?;

    // The largest page the API allows: fewest requests. Every page keeps this and the filter.
    let mut request = client.list_locations().limit(100u32);
    if let Some(customer_id) = std::env::args().nth(1) {
        request = request.customer_id(customer_id);
    }
    let mut locations = request.paginate();

    let mut count = 0;
    // A failed page ends the loop with its error; the locations before it are printed.
    while let Some(location) = locations.try_next().await? {
        if count == 0 {
            println!(
                "{:<30}  {:<20}  {:<10}  import tariff",
                "id", "reference", "post code"
            );
        }
        let post_code = location
            .postal_address
            .as_ref()
            .and_then(|address| address.post_code.as_deref());
        let import = location
            .tariff_status
            .as_ref()
            .and_then(|status| status.commodity_import.as_ref());
        println!(
            "{:<30}  {:<20}  {:<10}  {}",
            location.id.as_str(),
            location.reference_id.as_deref().unwrap_or("-"),
            post_code.unwrap_or("-"),
            import.map_or_else(|| "-".to_string(), ToString::to_string),
        );
        count += 1;
    }
    println!("{count} locations");
    Ok(())
}

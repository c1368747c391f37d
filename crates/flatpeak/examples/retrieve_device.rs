//! Retrieve one device and print it.
//!
//! ```sh
//! FLATPEAK_TOKEN=... cargo run -p flatpeak --example retrieve_device -- dev_63a6087272941ef077a8fd3e
//! ```
//!
//! `FLATPEAK_BASE_URL` overrides the production URL (for a test server or a proxy), and
//! `FLATPEAK_VERSION` the API version sent (`flatpeak::env` lists the variables).

use std::process::ExitCode;

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
    let device_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "dev_63a6087272941ef077a8fd3e".into());

    // FLATPEAK_TOKEN (or FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY), FLATPEAK_BASE_URL,
    // FLATPEAK_VERSION: see `flatpeak::env`.
    let client = flatpeak::anode::Client::from_env().build()?;

    // `?` on `send()` alone would give progenitor's error; `flatpeak::Error` says more.
    let device = client
        .retrieve_device()
        .id(device_id)
        .send()
        .await
        .map_err(flatpeak::Error::from)?;
    println!("{}", serde_json::to_string_pretty(&*device)?);
    Ok(())
}

//! Retrieve one device and print it.
//!
//! ```sh
//! FLATPEAK_TOKEN=... cargo run -p flatpeak --example retrieve_device -- dev_63a6087272941ef077a8fd3e
//! ```
//!
//! `FLATPEAK_BASE_URL` overrides the production URL (for a test server or a proxy), and
//! `FLATPEAK_VERSION` chooses an API version.

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
    let token =
        std::env::var("FLATPEAK_TOKEN").map_err(|_| "set FLATPEAK_TOKEN to a bearer token")?;
    let device_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "dev_63a6087272941ef077a8fd3e".into());

    let mut builder = flatpeak::zero::Client::builder().bearer_token(token);
    if let Ok(url) = std::env::var("FLATPEAK_BASE_URL") {
        builder = builder.base_url(url);
    }
    if let Ok(version) = std::env::var("FLATPEAK_VERSION") {
        builder = builder.flatpeak_version(version);
    }
    let client = builder.build()?;

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

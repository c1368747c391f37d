//! A production set-up: account credentials (login, cached and refreshed tokens), retries,
//! timeouts, a body limit, logging, and errors handled by kind.
//!
//! ```sh
//! FLATPEAK_ACCOUNT_ID=acc_... FLATPEAK_API_KEY=... \
//!   cargo run -p flatpeak --example production -- loc_641b90b758fb8e6293716e40
//! ```
//!
//! `FLATPEAK_BASE_URL` overrides the production URL. Logs go to stderr; our spans and events
//! are at DEBUG under the `flatpeak` target and never hold headers or bodies.

use std::process::ExitCode;
use std::time::Duration;

use flatpeak::anode::Client;
use flatpeak::{Error, RetryPolicy};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

#[tokio::main]
async fn main() -> ExitCode {
    let only_ours = Targets::new().with_target("flatpeak", LevelFilter::DEBUG);
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(only_ours)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `Display` is one line, and never holds the token or the API key.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = client()?;
    let location = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "loc_641b90b758fb8e6293716e40".into());
    let sent = client.retrieve_location_status().id(location).send().await;
    match sent.map_err(Error::from) {
        Ok(status) => println!("{}", serde_json::to_string_pretty(&*status)?),
        Err(Error::Api(api)) if api.status() == 422 => {
            // `no_tariff_connected` and friends: Flatpeak asks for at most one try per
            // 15 minutes, which `retry_after` reports.
            let wait = api.retry_after().unwrap_or(Duration::from_secs(15 * 60));
            println!(
                "not ready ({}): ask again in {} s",
                api.message(),
                wait.as_secs()
            );
        }
        Err(Error::Api(api)) => {
            let request_id = api.request_id().unwrap_or("none");
            return Err(format!("{api} [request id {request_id}]").into());
        }
        Err(other) => return Err(other.into()),
    }
    Ok(())
}

fn client() -> Result<Client, Box<dyn std::error::Error>> {
    // Credentials, base URL and version from the environment (`flatpeak::env`); production
    // uses FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY, so that the client logs in and renews its
    // token itself.
    let builder = Client::from_env()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .retry(
            RetryPolicy::default()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(200))
                .deadline(Duration::from_secs(30)),
        )
        .max_body_bytes(2 * 1024 * 1024);
    Ok(builder.build()?)
}

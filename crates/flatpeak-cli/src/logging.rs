//! `RUST_LOG`: the client's spans and events on stderr when a user asks for them, for example
//! `RUST_LOG=flatpeak=debug` to see each attempt's operation, status and time, and each retry.
//!
//! Why a `Targets` filter rather than `EnvFilter`: it reads the same `target=level,...`
//! directives without a regex engine in the command. The client never logs a header or a body
//! (`flatpeak::telemetry`); other crates' events are shown only when `RUST_LOG` names them.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The variable read.
const VARIABLE: &str = "RUST_LOG";

/// Sends what `RUST_LOG` asks for to stderr; nothing when it is unset or empty. A value that
/// is not a list of directives is an error naming it. A well-formed directive for a target
/// nothing logs under shows nothing: targets are case-sensitive (`flatpeak`, not
/// `FLATPEAK`).
pub fn init() -> Result<(), String> {
    let Some(value) = std::env::var_os(VARIABLE) else {
        return Ok(());
    };
    let Some(text) = value.to_str() else {
        return Err(format!("{VARIABLE} is not UTF-8"));
    };
    if text.trim().is_empty() {
        return Ok(());
    }
    let targets: Targets = text.parse().map_err(|e| {
        format!("{VARIABLE} `{text}` is not a list of `target=level` directives: {e}")
    })?;
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false);
    tracing_subscriber::registry()
        .with(stderr)
        .with(targets)
        .try_init()
        .map_err(|e| format!("cannot log as {VARIABLE} asks: {e}"))
}

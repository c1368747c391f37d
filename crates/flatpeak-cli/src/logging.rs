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

/// The targets the command's own events are logged under: the client crate's module paths
/// all start with it (`flatpeak::telemetry`, `flatpeak::record`).
const OWN_TARGET: &str = "flatpeak";

/// Sends what `RUST_LOG` asks for to stderr; nothing when it is unset or empty. A value that
/// is not a list of directives is an error naming it. A well-formed directive for a target
/// nothing logs under shows nothing, since targets are case-sensitive: one that names the
/// command's own target in another case (`FLATPEAK=debug`) is warned about on stderr, once
/// per directive, naming the target it probably meant (`flatpeak`).
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
    for (directive, meant) in miscased_directives(text) {
        crate::warn(&format!(
            "{VARIABLE} directive `{directive}` shows nothing: targets are case-sensitive, and \
             the command logs under `{meant}` (write `{meant}` to see it)"
        ));
    }
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false);
    tracing_subscriber::registry()
        .with(stderr)
        .with(targets)
        .try_init()
        .map_err(|e| format!("cannot log as {VARIABLE} asks: {e}"))
}

/// The directives of `value` (a `RUST_LOG` that parsed) whose target is the command's own
/// ([`OWN_TARGET`], or a module below it) written in another case, each with the target it
/// probably meant: `FLATPEAK=debug` gives `flatpeak`, `Flatpeak::Telemetry` gives
/// `flatpeak::telemetry`.
fn miscased_directives(value: &str) -> Vec<(&str, String)> {
    value
        .split(',')
        .map(str::trim)
        .filter_map(|directive| {
            let target = directive_target(directive)?;
            let meant = target.to_ascii_lowercase();
            let own = meant
                .strip_prefix(OWN_TARGET)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"));
            (own && !target.starts_with(OWN_TARGET)).then_some((directive, meant))
        })
        .collect()
}

/// The target `directive` names: what comes before its `=` (`flatpeak` of `flatpeak=debug`),
/// or the whole directive when it has no `=` and is not a level (`flatpeak`, not `debug`).
fn directive_target(directive: &str) -> Option<&str> {
    match directive.split_once('=') {
        Some((target, _)) => Some(target.trim()),
        None if directive
            .parse::<tracing_subscriber::filter::LevelFilter>()
            .is_ok() =>
        {
            None
        }
        None => Some(directive),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directive_naming_the_commands_target_in_another_case_is_found() {
        let found = miscased_directives(
            "FLATPEAK=debug, flatpeak=info,Flatpeak::Telemetry,DEBUG,hyper=warn,flatpeakish=info",
        );
        assert_eq!(
            found,
            [
                ("FLATPEAK=debug", "flatpeak".to_string()),
                ("Flatpeak::Telemetry", "flatpeak::telemetry".to_string()),
            ]
        );
    }
}

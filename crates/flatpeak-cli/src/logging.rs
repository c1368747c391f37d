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
/// is not a list of directives is an error naming it. A well-formed directive can still show
/// nothing, and each such directive is warned about on stderr ([`unseen_directives`]): one
/// that names the command's own target in another case (`FLATPEAK=debug`: targets are
/// case-sensitive), and one with a span filter (`flatpeak[span]=debug`, `EnvFilter`'s syntax,
/// which `Targets` reads as part of the target's name). The warning names the target probably
/// meant (`flatpeak`).
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
    for unseen in unseen_directives(text) {
        crate::warn(&unseen.to_string());
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

/// A directive of `RUST_LOG` that parsed but shows nothing, with the target it probably meant.
#[derive(Debug, PartialEq, Eq)]
struct Unseen<'a> {
    /// The directive, as written (`FLATPEAK=debug`).
    directive: &'a str,
    /// The target it probably meant (`flatpeak`); empty when it names none (`[span]=debug`).
    meant: String,
    /// Why it shows nothing.
    why: Why,
}

/// Why an [`Unseen`] directive shows nothing.
#[derive(Debug, PartialEq, Eq)]
enum Why {
    /// It names the command's own target ([`OWN_TARGET`], or a module below it) in another
    /// case: targets are case-sensitive.
    Case,
    /// Its target holds a span or field filter other than `Targets`' own `target[{field}]`
    /// (`flatpeak[span]`, `flatpeak{field}`): `Targets` reads it as part of a target's name,
    /// which no target has.
    SpanFilter,
}

impl std::fmt::Display for Unseen<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Unseen {
            directive, meant, ..
        } = self;
        write!(f, "{VARIABLE} directive `{directive}` shows nothing: ")?;
        match (&self.why, meant.is_empty()) {
            (Why::Case, _) => write!(
                f,
                "targets are case-sensitive, and the command logs under `{meant}` (write \
                 `{meant}` to see it)"
            ),
            (Why::SpanFilter, false) => write!(
                f,
                "span filters (`[span]`, `{{field}}`) are not read here: the brackets are \
                 taken as part of the target's name, which nothing logs under (write \
                 `{meant}` to see that target)"
            ),
            (Why::SpanFilter, true) => write!(
                f,
                "span filters (`[span]`, `{{field}}`) are not read here (write a target, \
                 `{OWN_TARGET}=debug`, or a level alone, `debug`)"
            ),
        }
    }
}

/// The directives of `value` (a `RUST_LOG` that parsed) that show nothing, as [`Why`] says:
/// `FLATPEAK=debug` meant `flatpeak`, `Flatpeak::Telemetry` `flatpeak::telemetry`,
/// `flatpeak[span]=debug` `flatpeak`.
fn unseen_directives(value: &str) -> Vec<Unseen<'_>> {
    value
        .split(',')
        .map(str::trim)
        .filter_map(|directive| {
            let (meant, why) = unseen_target(directive_target(directive)?)?;
            Some(Unseen {
                directive,
                meant,
                why,
            })
        })
        .collect()
}

/// Why `target` (a directive's) matches nothing, with the target it probably meant; `None`
/// when it may match. `Targets` reads `name[{field,...}]` as a target and the fields its
/// events must have, and anything else as the target's name.
fn unseen_target(target: &str) -> Option<(String, Why)> {
    let name = target.split("[{").next().unwrap_or(target);
    if let Some(at) = name.find(['[', '{']) {
        let stem = &name[..at];
        let lower = stem.to_ascii_lowercase();
        let meant = if is_own(&lower) {
            lower
        } else {
            stem.to_string()
        };
        return Some((meant, Why::SpanFilter));
    }
    let meant = name.to_ascii_lowercase();
    (is_own(&meant) && !name.starts_with(OWN_TARGET)).then_some((meant, Why::Case))
}

/// Whether `target` is the command's own ([`OWN_TARGET`]) or a module below it.
fn is_own(target: &str) -> bool {
    target
        .strip_prefix(OWN_TARGET)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
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

    /// Each unseen directive of `value`, as (directive, meant, why).
    fn unseen(value: &str) -> Vec<(&str, String, Why)> {
        let found = unseen_directives(value).into_iter();
        found.map(|u| (u.directive, u.meant, u.why)).collect()
    }

    #[test]
    fn a_directive_naming_the_commands_target_in_another_case_is_found() {
        let found = unseen(
            "FLATPEAK=debug, flatpeak=info,Flatpeak::Telemetry,DEBUG,hyper=warn,flatpeakish=info",
        );
        assert_eq!(
            found,
            [
                ("FLATPEAK=debug", "flatpeak".to_string(), Why::Case),
                (
                    "Flatpeak::Telemetry",
                    "flatpeak::telemetry".to_string(),
                    Why::Case
                ),
            ]
        );
    }

    /// `EnvFilter`'s span filters parse as `Targets`' directives whose target holds the
    /// brackets, and show nothing: found, with the target before them. `Targets`' own field
    /// filter, `target[{field}]`, is not.
    #[test]
    fn a_directive_with_a_span_filter_is_found() {
        let found = unseen(
            "flatpeak[span]=debug,FLATPEAK[s]=info,hyper{x}=warn,[span]=debug,flatpeak[{status}]=debug,,",
        );
        assert_eq!(
            found,
            [
                (
                    "flatpeak[span]=debug",
                    "flatpeak".to_string(),
                    Why::SpanFilter
                ),
                ("FLATPEAK[s]=info", "flatpeak".to_string(), Why::SpanFilter),
                ("hyper{x}=warn", "hyper".to_string(), Why::SpanFilter),
                ("[span]=debug", String::new(), Why::SpanFilter),
            ]
        );
        let said = unseen_directives("flatpeak[span]=debug")[0].to_string();
        assert!(
            said.contains("span filters (`[span]`, `{field}`) are not read"),
            "{said}"
        );
        assert!(
            said.ends_with("(write `flatpeak` to see that target)"),
            "{said}"
        );
    }
}

//! `flatpeak webhook verify`: checks a webhook delivery captured from a log (its headers, its
//! body, the JWKS) exactly as a receiver built on `flatpeak::webhook` would, so that a
//! signature that does not verify can be investigated without writing code. It needs no
//! credentials and sends nothing anywhere.

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use clap::{Arg, ArgMatches, Command};
use flatpeak::webhook::{KeySet, Verifier};

use crate::Failure;

/// The command's name under `flatpeak`.
pub const NAME: &str = "webhook";

/// Exit codes of `webhook verify` (0: authentic and fresh).
mod exit {
    /// The delivery is not authentic, not fresh, or not an event.
    pub const REFUSED: u8 = 1;
    /// An input cannot be read, or the JWKS is not one.
    pub const INPUT: u8 = 2;
}

const VERIFY_ABOUT: &str = "Verify a webhook delivery captured from a log: its signature (PS256 \
by a key of the JWKS over `{Flatpeak-Timestamp}.{body}`), its timestamp and its event. Prints \
the event as JSON.\n\nThe headers file holds `Name: value` lines as a log shows them (names in \
any case; blank lines and other headers are ignored). The body file must hold the body's exact \
bytes: an editor's added newline breaks the signature.\n\nExit codes: 0 authentic and fresh; 1 \
not (one line on stderr says why); 2 an input cannot be read or the JWKS is not one.";

/// `webhook` and its one subcommand, `verify`.
pub fn command() -> Command {
    let file = |name: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .required(true)
            .help(help)
    };
    let verify = Command::new("verify").about(VERIFY_ABOUT).args([
        file(
            "jwks",
            "The JWKS (Flatpeak's is https://api.flatpeak.com/jwks.json)",
        ),
        file(
            "headers",
            "The delivery's headers, one `Name: value` per line",
        ),
        file("body", "The delivery's body, byte for byte"),
        Arg::new("tolerance")
            .long("tolerance")
            .value_name("SECONDS")
            .value_parser(clap::value_parser!(u64))
            .help("How old the timestamp may be [default: 300]"),
        Arg::new("now")
            .long("now")
            .value_name("UNIX_SECONDS")
            .value_parser(clap::value_parser!(u64))
            .help("Check the timestamp as of this time rather than now (for an old capture)"),
    ]);
    Command::new(NAME)
        .about("Webhook deliveries: verify one captured from a log (needs no credentials)")
        .subcommand_required(true)
        .subcommand(verify)
}

/// Runs `webhook verify`.
pub async fn run(matches: &ArgMatches) -> Result<(), Failure> {
    let Some(("verify", verify)) = matches.subcommand() else {
        return Err(Failure::new(
            exit::INPUT,
            "no command: see `flatpeak webhook --help`",
        ));
    };
    let path = |name: &str| verify.get_one::<PathBuf>(name).cloned().unwrap_or_default();
    let keys = read_jwks(&path("jwks"))?;
    let headers = read_headers(&path("headers"))?;
    let body = read("--body", &path("body"))?;
    let mut verifier = Verifier::builder(keys);
    if let Some(seconds) = verify.get_one::<u64>("tolerance") {
        verifier = verifier.tolerance(Duration::from_secs(*seconds));
    }
    if let Some(seconds) = verify.get_one::<u64>("now") {
        let now = UNIX_EPOCH + Duration::from_secs(*seconds);
        verifier = verifier.clock(move || now);
    }
    let pairs = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()));
    let event = verifier
        .build()
        .verify_pairs(pairs, &body)
        .await
        .map_err(|refused| Failure::new(exit::REFUSED, format!("not verified: {refused}")))?;
    crate::Json::print(&event);
    Ok(())
}

fn read(flag: &str, path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        let message = format!("cannot read {flag} {}: {e}", path.display());
        Failure::new(exit::INPUT, message)
    })
}

fn read_jwks(path: &Path) -> Result<KeySet, Failure> {
    let json = read("--jwks", path)?;
    KeySet::from_jwks_json(json).map_err(|e| {
        let message = format!("--jwks {}: {e}", path.display());
        Failure::new(exit::INPUT, message)
    })
}

/// The `Name: value` lines of the headers file.
fn read_headers(path: &Path) -> Result<Vec<(String, String)>, Failure> {
    let bytes = read("--headers", path)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        let message = format!("--headers {}: not UTF-8 text", path.display());
        Failure::new(exit::INPUT, message)
    })?;
    parse_headers(&text)
        .map_err(|why| Failure::new(exit::INPUT, format!("--headers {}: {why}", path.display())))
}

/// `Name: value` lines to pairs; blank lines are skipped, a line without a name and a `:` is
/// an error naming its number (from 1).
fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut headers = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = index + 1;
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("line {number} is not `Name: value` (no `:`)"))?;
        if name.trim().is_empty() {
            return Err(format!("line {number} has no header name before `:`"));
        }
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_become_pairs() {
        let text = "\r\nFlatpeak-Signature: v1=abc:def\r\n\n  flatpeak-timestamp:1776847880  \n";
        let pairs = parse_headers(text).unwrap();
        assert_eq!(
            pairs,
            [
                ("Flatpeak-Signature".to_string(), "v1=abc:def".to_string()),
                ("flatpeak-timestamp".to_string(), "1776847880".to_string()),
            ]
        );
    }

    #[test]
    fn a_line_without_a_colon_or_a_name_is_named_by_number() {
        let error = parse_headers("A: b\n\nPOST /webhooks HTTP/1.1\n").unwrap_err();
        assert_eq!(error, "line 3 is not `Name: value` (no `:`)");
        let error = parse_headers(": b\n").unwrap_err();
        assert_eq!(error, "line 1 has no header name before `:`");
    }
}

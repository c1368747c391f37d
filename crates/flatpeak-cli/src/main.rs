//! `flatpeak`: every operation of the Flatpeak API from a shell, for each API release. Each
//! command is one operation of the release's spec, named by its `operationId` in kebab case
//! (`list_locations` is `flatpeak list-locations`), with its parameters as flags and its body
//! from `--json-body FILE` (a body's scalar fields also as flags, which change that field of
//! the file's body); it prints the answer as the client read it, as JSON. `--release NAME`
//! chooses the release (its commands, and the `Flatpeak-Version` sent); `--record DIR` records
//! the exchange, scrubbed, as the client's recorder does, for the contract gate.
//!
//! The commands are generated from each release's spec by `cargo xtask generate`
//! (`src/generated/<release>.rs`, progenitor's CLI generator, and `src/generated/releases.rs`,
//! which lists them); this file adds credentials from the environment, the global flags, JSON
//! output and exit codes. `RUST_LOG` shows the client's spans (`src/logging.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgMatches, Command};
use flatpeak_redact::terminal_safe;

// The releases' commands (`mod zero`, ...), the paths they call the client through
// (`mod api`), `RELEASES`, `DEFAULT`, `commands` and `run`: generated, and included rather than
// declared so that rustfmt leaves the files as the generator wrote them.
include!("generated/releases.rs");

/// `--all` on the list commands: every page, printed as one JSON array.
mod all;
/// `RUST_LOG`: the client's spans on stderr.
mod logging;
/// `flatpeak webhook verify`, written by hand beside the generated commands.
mod webhook;

/// Exit codes.
mod exit {
    /// The API answered with an error status.
    pub const API_ERROR: u8 = 1;
    /// The command could not be run: bad arguments, no credentials, a value the client
    /// refuses to send (nothing was sent); or what it was asked to do beside the call failed
    /// (an answer that could not be written, an exchange `--record` could not record).
    pub const USAGE: u8 = 2;
    /// No usable answer: the connection failed, timed out, or the answer could not be read.
    pub const NO_ANSWER: u8 = 3;
}

const ABOUT: &str = "Every operation of the Flatpeak API. Each command is an operation of the \
spec, named by its operationId in kebab case (list_locations is list-locations); it prints the \
answer as the client read it, as JSON. --release NAME shows another release's commands.\n\nCredentials come from the environment: FLATPEAK_TOKEN (a bearer \
token), or FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY (the client logs in). An operation the \
spec secures with HTTP Basic (the login) is sent FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY, \
never FLATPEAK_TOKEN. FLATPEAK_BASE_URL \
or --base-url chooses the server; FLATPEAK_VERSION or --flatpeak-version the version sent \
(`none`: no header). RUST_LOG=flatpeak=debug shows each request's operation, status and time \
on stderr.\n\nExit codes: 0 success; 1 the API answered with an error; \
2 the command could not be run (arguments, credentials, a value the client refuses to send), \
or an exchange --record asked for could not be recorded (the answer is printed all the same); \
3 no usable answer (connection, timeout, unreadable body).";

fn main() -> ExitCode {
    if let Err(message) = logging::init() {
        report(&message.to_string());
        return ExitCode::from(exit::USAGE);
    }
    // `args_os`: an argument that is not UTF-8 is clap's to refuse, not a panic here.
    let release = match chosen_release(std::env::args_os().skip(1)) {
        Ok(release) => release,
        Err(failure) => {
            report(&failure.message);
            return ExitCode::from(failure.code);
        }
    };
    let Some(command) = command(&release) else {
        report(&format!(
            "no release `{release}`: the releases are {}",
            RELEASES.join(", ")
        ));
        return ExitCode::from(exit::USAGE);
    };
    let matches = match command.try_get_matches() {
        Ok(matches) => matches,
        Err(e) => return parse_refused(&e),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(run_command(&release, &matches)),
        Err(e) => Err(Failure::new(
            exit::NO_ANSWER,
            format!("cannot start a runtime: {e}"),
        )),
    };
    match result.and_then(|()| Json::written()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            report(&failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// What `main` does when clap does not return the command line: prints help or the version
/// (on standard output, exit 0), or the refusal (exit 2). A refusal quotes the command line
/// (`invalid value 'loc_\u{202e}x'`), and clap would print it as it is: it is printed as plain
/// text (without clap's colours), each line made [`terminal_safe`], as [`report`] does.
fn parse_refused(e: &clap::Error) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.render().to_string();
    for line in text.trim_end().lines() {
        eprintln!("{}", terminal_safe(&without_credentials(line)));
    }
    ExitCode::from(exit::USAGE)
}

/// `line` of a refusal with each quoted value (`'...'`) that is shaped like a credential (a
/// bearer token, a JWT, a known API-key prefix: the recorder's rule) shown by its fingerprint,
/// as the gate shows one: a refused `--starting-after sk_live_...` must not print the key
/// into a CI log.
fn without_credentials(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut parts = line.split('\'');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push('\'');
        let quoted = i % 2 == 0;
        match quoted && flatpeak_redact::holds_token(part) {
            true => out.push_str(&flatpeak_redact::fingerprint(part)),
            false => out.push_str(part),
        }
    }
    out
}

/// Prints `error: MESSAGE` on standard error, made [`terminal_safe`]: a message may quote the
/// server (an API error's message, a body a decoding error quotes) or the command line.
fn report(message: &str) {
    eprintln!("error: {}", terminal_safe(message));
}

/// Prints `warning: MESSAGE` on standard error, made [`terminal_safe`] as [`report`] does.
fn warn(message: &str) {
    eprintln!("warning: {}", terminal_safe(message));
}

/// The release `--release NAME` (or `--release=NAME`) names in `args`, else the default. Read
/// before the command line is parsed, since the commands are the release's. An argument that is
/// not UTF-8 names no release (clap refuses it, with the others, once the command is chosen).
/// A second `--release` is refused: the first would choose the commands and clap would keep
/// the last (a global flag may follow the command).
fn chosen_release(args: impl Iterator<Item = std::ffi::OsString>) -> Result<String, Failure> {
    let mut args = args
        .map(|arg| arg.into_string().unwrap_or_default())
        .peekable();
    let mut chosen = None;
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--" => break,
            // As clap reads it: a flag that follows is not the value.
            "--release" => args
                .peek()
                .filter(|next| !next.starts_with('-'))
                .cloned()
                .unwrap_or_default(),
            _ => match arg.strip_prefix("--release=") {
                Some(value) => value.to_string(),
                None => continue,
            },
        };
        if chosen.replace(value).is_some() {
            return Err(Failure::new(
                exit::USAGE,
                "--release is given more than once: give it once (it chooses the commands)",
            ));
        }
    }
    // No value, an empty one or one that is not UTF-8: the default release's command line,
    // whose parser then refuses the flag in its own words ("a value is required").
    let named = chosen.filter(|value| !value.is_empty());
    Ok(named.unwrap_or_else(|| DEFAULT.to_string()))
}

/// What `--version` prints after the command's name: its own version, the client's (whose
/// user agent is `flatpeak-rust/<version>`), its releases and the default one.
fn version() -> String {
    format!(
        "{} (flatpeak client {CLIENT_VERSION}, releases {}, default {DEFAULT})",
        env!("CARGO_PKG_VERSION"),
        RELEASES.join(" ")
    )
}

/// The parser of an integer flag whose spec gives bounds (the generated commands use it where
/// progenitor's used `value_parser!(T)`): `min` and `max` are inclusive, `None` unbounded. A
/// value out of them, or not a whole number, is refused with the range ("expected a whole
/// number from 1 to 100"), where clap's own parser said "number would be zero for non-zero
/// type". Surrounding white space is ignored, as by every number flag (`" 10"` is 10).
fn whole_number<T: std::str::FromStr>(
    min: Option<i128>,
    max: Option<i128>,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |text| {
        let expected = || format!("expected a whole number{}", range_text(min, max));
        let number: i128 = text.trim().parse().map_err(|_| expected())?;
        if min.is_some_and(|min| number < min) || max.is_some_and(|max| number > max) {
            return Err(expected());
        }
        number.to_string().parse().map_err(|_| expected())
    }
}

/// The parser of a decimal flag (the generated commands use it where progenitor used
/// `value_parser!(f64)`): a finite number, surrounding white space ignored. `NaN` and `inf`
/// parse as `f64`, and JSON would send them as `null`.
fn finite_number(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(number) if number.is_finite() => Ok(number),
        _ => Err("expected a finite number".to_string()),
    }
}

/// ` from 1 to 100`, `, 1 or more`, `, 100 or less`, or nothing: what follows "a whole
/// number" in [`whole_number`]'s messages.
fn range_text(min: Option<i128>, max: Option<i128>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!(" from {min} to {max}"),
        (Some(min), None) => format!(", {min} or more"),
        (None, Some(max)) => format!(", {max} or less"),
        (None, None) => String::new(),
    }
}

/// A `--json-body` file's text as the operation's body type `T` (the generated commands call
/// this where progenitor's called `serde_json::from_str`): `Err` also when the file has a field
/// `T` does not, named by its JSON pointer, since serde would drop a misspelt field and the
/// request would go without it. A field whose value is empty (`null`, `[]`, `{}`) may be left
/// out of what is sent.
fn body_file<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> anyhow::Result<T> {
    let body: T = serde_json::from_str(text)?;
    let written: serde_json::Value = serde_json::from_str(text)?;
    let kept = serde_json::to_value(&body)?;
    let mut dropped = Vec::new();
    dropped_fields(&written, &kept, &mut String::new(), &mut dropped);
    match dropped.is_empty() {
        true => Ok(body),
        false => anyhow::bail!(
            "the body has no field {} (the fields are the spec's)",
            dropped.join(", ")
        ),
    }
}

/// The JSON pointers of the fields of `written` that `kept` does not have (below `at`).
fn dropped_fields(
    written: &serde_json::Value,
    kept: &serde_json::Value,
    at: &mut String,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    let start = at.len();
    match (written, kept) {
        (Value::Object(written), Value::Object(kept)) => {
            for (name, value) in written {
                at.push('/');
                at.push_str(&name.replace('~', "~0").replace('/', "~1"));
                match kept.get(name) {
                    Some(kept) => dropped_fields(value, kept, at, out),
                    None if !is_empty(value) => out.push(format!("`{at}`")),
                    None => {}
                }
                at.truncate(start);
            }
        }
        (Value::Array(written), Value::Array(kept)) => {
            for (i, (value, kept)) in written.iter().zip(kept).enumerate() {
                at.push_str(&format!("/{i}"));
                dropped_fields(value, kept, at, out);
                at.truncate(start);
            }
        }
        _ => {}
    }
}

/// `null`, `[]` or `{}`: a value the body's types may leave out when they write it.
fn is_empty(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::Array(items) => items.is_empty(),
        serde_json::Value::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

/// The heading the global flags are listed under in every command's help, apart from the
/// command's own flags.
const GLOBAL_OPTIONS: &str = "Global options";

/// The longest `--timeout`, in seconds: an hour.
const MAX_TIMEOUT_SECONDS: f64 = 3600.0;

/// The shortest `--timeout`, in seconds: a millisecond (a shorter one would be rounded to
/// nothing, and every attempt would time out at once).
const MIN_TIMEOUT_SECONDS: f64 = 0.001;

/// The largest `--max-body-bytes`: 1 GiB, which the command would hold in memory.
const MAX_BODY_BYTES_LIMIT: i128 = 1 << 30;

/// The root command for `release`: global flags and one subcommand per operation of it; `None`
/// for a release the command does not know.
fn command(release: &str) -> Option<Command> {
    Some(
        Command::new("flatpeak")
            .version(version())
            .about(ABOUT)
            .args(global_args())
            .subcommand_required(true)
            .subcommands(commands(release)?)
            .subcommand(webhook::command()),
    )
}

/// The flags every command takes (the client's settings), each `global` and listed under
/// [`GLOBAL_OPTIONS`] in every command's help.
fn global_args() -> Vec<Arg> {
    let args = [
        Arg::new("release")
            .long("release")
            .value_name("NAME")
            .value_parser(clap::builder::PossibleValuesParser::new(RELEASES))
            .default_value(DEFAULT)
            .help("The API release: its commands, and the Flatpeak-Version sent"),
        Arg::new("base-url")
            .long("base-url")
            .value_name("URL")
            .help("The API's root [default: FLATPEAK_BASE_URL, else https://api.flatpeak.com]"),
        Arg::new("flatpeak-version")
            .long("flatpeak-version")
            .value_name("VERSION")
            .help("Send Flatpeak-Version: VERSION instead of the release's own (`none`: send none) [default: FLATPEAK_VERSION]"),
        Arg::new("record")
            .long("record")
            .value_name("DIR")
            .value_parser(clap::value_parser!(PathBuf))
            .help("Record each exchange under DIR as a scrubbed VCR cassette, for the gate"),
        Arg::new("timeout")
            .long("timeout")
            .value_name("SECONDS")
            .value_parser(timeout_seconds)
            .allow_negative_numbers(true)
            .help(format!(
                "How long one attempt may take, connection to the end of the answer, in \
                 seconds (whole or decimal, {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS}); \
                 a retry is a new attempt [default: 30]"
            )),
        Arg::new("max-body-bytes")
            .long("max-body-bytes")
            .value_name("BYTES")
            .value_parser(whole_number::<u64>(Some(1), Some(MAX_BODY_BYTES_LIMIT)))
            .allow_negative_numbers(true)
            .help(format!(
                "The largest answer body read, in bytes (1 to {MAX_BODY_BYTES_LIMIT}); a \
                 longer one fails the command (exit 3) [default: {}]",
                flatpeak::DEFAULT_MAX_BODY_BYTES
            )),
    ];
    args.into_iter()
        .map(|arg| arg.global(true).help_heading(GLOBAL_OPTIONS))
        .collect()
}

/// The parser of `--timeout`: a number of seconds, whole or decimal, from
/// [`MIN_TIMEOUT_SECONDS`] to [`MAX_TIMEOUT_SECONDS`]. Anything else (`0`, `-1`, `NaN`, `inf`,
/// `2h`) is refused with that range.
fn timeout_seconds(text: &str) -> Result<std::time::Duration, String> {
    let expected = || {
        format!(
            "expected a number of seconds from {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS} \
             (for example 30 or 2.5)"
        )
    };
    match text.trim().parse::<f64>() {
        Ok(seconds) if (MIN_TIMEOUT_SECONDS..=MAX_TIMEOUT_SECONDS).contains(&seconds) => {
            std::time::Duration::try_from_secs_f64(seconds).map_err(|_| expected())
        }
        _ => Err(expected()),
    }
}

/// A command's name: its operation id in kebab case.
fn command_name(operation_id: &str) -> String {
    operation_id.replace('_', "-")
}

/// Runs the chosen command of `release`.
async fn run_command(release: &str, matches: &ArgMatches) -> Result<(), Failure> {
    let (name, sub) = matches
        .subcommand()
        .ok_or_else(|| Failure::new(exit::USAGE, "no command: see `flatpeak --help`"))?;
    if name == webhook::NAME {
        return webhook::run(sub).await;
    }
    let settings = Settings::from(matches);
    let result = run(release, name, sub, &settings).await;
    result.map_err(|failure| failure.unrecorded_under(settings.record.as_deref()))
}

/// After a command: turns the outcome into the exit code's [`Failure`], and fails a command
/// whose exchanges could not all be recorded (`recording_failures`, the client's count) even
/// when the call succeeded: its answer is printed, but a job that asked for a recording must
/// not take it as made. [`Failure::unrecorded_under`] says where. `method` is the command's
/// operation's HTTP method (`None`: not known), which says whether a call that timed out may
/// have changed something.
fn finish(
    recording_failures: u64,
    method: Option<&str>,
    outcome: anyhow::Result<()>,
) -> Result<(), Failure> {
    let result = outcome.map_err(|error| Failure::from_command(error, method));
    if recording_failures == 0 {
        return result;
    }
    let mut failure = match result {
        Ok(()) => Failure::new(exit::USAGE, ""),
        Err(failure) => failure,
    };
    failure.unrecorded = recording_failures;
    Err(failure)
}

/// Why cassettes cannot be written under `dir` now, found as [`recordable`] finds it but
/// without creating `dir`: `None` when one can (the failure was passing, or was of a cassette
/// alone), else the error.
fn unwritable(dir: &std::path::Path) -> Option<std::io::Error> {
    let probe = dir.join(".flatpeak-record-probe");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .err()
}

/// The global flags that make a client, whatever its release.
struct Settings {
    /// `--base-url`.
    base_url: Option<String>,
    /// `--flatpeak-version`.
    flatpeak_version: Option<String>,
    /// `--record`.
    record: Option<PathBuf>,
    /// `--timeout`.
    timeout: Option<std::time::Duration>,
    /// `--max-body-bytes`.
    max_body_bytes: Option<u64>,
}

impl From<&ArgMatches> for Settings {
    fn from(matches: &ArgMatches) -> Settings {
        Settings {
            base_url: matches.get_one::<String>("base-url").cloned(),
            flatpeak_version: matches.get_one::<String>("flatpeak-version").cloned(),
            record: matches.get_one::<PathBuf>("record").cloned(),
            timeout: matches.get_one::<std::time::Duration>("timeout").copied(),
            max_body_bytes: matches.get_one::<u64>("max-body-bytes").copied(),
        }
    }
}

/// Which credentials a command's operation is sent, by its security in the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// What the environment gives: `FLATPEAK_TOKEN`, else the account credentials.
    Any,
    /// HTTP Basic (`operation`, the release's login): the account id and API key only. The
    /// client sends such an operation nothing when it has a bearer token.
    Account {
        /// The operation's `operationId`.
        operation: &'static str,
    },
}

impl Auth {
    /// How operation `id` authenticates, `basic` being the operations its release's spec
    /// secures with HTTP Basic (the generated `BASIC_AUTH_OPERATIONS`).
    fn of(id: &'static str, basic: &[&str]) -> Auth {
        match basic.contains(&id) {
            true => Auth::Account { operation: id },
            false => Auth::Any,
        }
    }

    /// `builder` with the credentials this operation needs: for an HTTP Basic one, the
    /// account id and API key from the environment, even when `FLATPEAK_TOKEN` is set, and a
    /// refusal before anything is sent when they are not.
    fn apply<C>(
        self,
        builder: flatpeak::ClientBuilder<C>,
    ) -> Result<flatpeak::ClientBuilder<C>, Failure> {
        use flatpeak::env::{ACCOUNT_ID, API_KEY, TOKEN, var};
        let Auth::Account { operation } = self else {
            return Ok(builder);
        };
        // Read as `from_env` reads them (trimmed, blank is unset).
        match (var(ACCOUNT_ID), var(API_KEY)) {
            (Ok(Some(account_id)), Ok(Some(api_key))) => {
                Ok(builder.credentials(account_id, api_key))
            }
            // `build` names the variable that cannot be used (`from_env` read it).
            (Err(_), _) | (_, Err(_)) => Ok(builder),
            _ => Err(Failure::new(
                exit::USAGE,
                format!(
                    "`{}` needs the account credentials (the spec secures it with HTTP Basic): \
                     set {ACCOUNT_ID} and {API_KEY} ({TOKEN} is not sent to it)",
                    command_name(operation)
                ),
            )),
        }
    }
}

impl Settings {
    /// The client of release `C` the flags and the environment ask for, with the credentials
    /// `auth` needs.
    fn client<C: flatpeak::ReleaseClient>(&self, auth: Auth) -> Result<C, Failure> {
        // The variables are the crate's (`flatpeak::env`); the flags override them.
        let mut builder = auth.apply(flatpeak::ClientBuilder::<C>::from_env())?;
        if let Some(base) = &self.base_url {
            builder = builder.base_url(base);
        }
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(limit) = self.max_body_bytes {
            builder = builder.max_body_bytes(limit);
        }
        builder = match self.flatpeak_version.as_deref().map(str::trim) {
            None => builder,
            Some("") => {
                return Err(Failure::new(
                    exit::USAGE,
                    "--flatpeak-version is empty: give a version, or `none` to send no header",
                ));
            }
            Some("none") => builder.without_flatpeak_version(),
            Some(version) => builder.flatpeak_version(version),
        };
        if let Some(dir) = &self.record {
            recordable(dir)?;
            builder = builder.record_to(dir);
        }
        builder
            .build()
            .map_err(|e| Failure::new(exit::USAGE, build_message(&e)))
    }
}

/// `Ok` when cassettes can be written under `dir` (created if missing), found out before
/// anything is sent: the client records on and counts its failures, and a user who asked for
/// a recording would otherwise get the call without it. A file is created there and removed.
fn recordable(dir: &std::path::Path) -> Result<(), Failure> {
    let probe = dir.join(".flatpeak-record-probe");
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe));
    written.map_err(|e| {
        Failure::new(
            exit::USAGE,
            format!(
                "--record {}: cannot write cassettes there: {e}",
                dir.display()
            ),
        )
    })
}

/// Why no client could be built, worded for the command's user: the crate's messages speak to
/// a program (``call `bearer_token` on the builder``), the command's user sets environment
/// variables. Never holds a credential: the crate's errors do not repeat them.
fn build_message(error: &flatpeak::BuildError) -> String {
    use flatpeak::BuildError;
    use flatpeak::env::{ACCOUNT_ID, API_KEY, BASE_URL, TOKEN};
    let either = format!("{TOKEN} (a bearer token), or {ACCOUNT_ID} and {API_KEY}");
    match error {
        BuildError::MissingCredentials => format!("no credentials: set {either}"),
        BuildError::NoLogin { release } => format!(
            "release `{release}` documents no login with {ACCOUNT_ID} and {API_KEY}: set \
             {TOKEN} (a bearer token) instead"
        ),
        BuildError::InvalidToken => {
            format!("{TOKEN} holds characters that cannot go in an HTTP header")
        }
        BuildError::InvalidAccountId => format!(
            "{ACCOUNT_ID} cannot be an HTTP Basic user name (it holds `:` or control characters)"
        ),
        BuildError::InvalidBaseUrl { url, reason } => format!(
            "base URL `{url}` (--base-url or {BASE_URL}) is not an absolute http(s) URL: {}",
            reason.replace("use `credentials`", &format!("set {either}"))
        ),
        other => other.to_string(),
    }
}

/// Why the command failed, and its exit code.
#[derive(Debug)]
struct Failure {
    /// The exit code.
    code: u8,
    /// What `main` reports (empty when the only failure is [`Failure::unrecorded`]'s).
    message: String,
    /// How many exchanges the client could not record under `--record` (0: none); the
    /// directory is named by [`Failure::unrecorded_under`].
    unrecorded: u64,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            unrecorded: 0,
        }
    }

    /// This failure with its [`Failure::unrecorded`] exchanges said, under `dir` (the
    /// `--record` directory): after the command's own error when it failed (its exit code
    /// kept), else alone, as a failure to run (exit 2) of a call whose answer was printed.
    fn unrecorded_under(self, dir: Option<&std::path::Path>) -> Failure {
        if self.unrecorded == 0 {
            return self;
        }
        let exchanges = match self.unrecorded {
            1 => "1 exchange".to_string(),
            n => format!("{n} exchanges"),
        };
        let why = match dir.and_then(unwritable) {
            Some(error) => error.to_string(),
            None => "RUST_LOG=flatpeak=warn shows why".to_string(),
        };
        let dir = dir.map_or("the --record directory".to_string(), |dir| {
            format!("--record {}", dir.display())
        });
        let recording = format!("{exchanges} could not be recorded under {dir} ({why})");
        let message = match self.message.is_empty() {
            true => format!(
                "the recording failed: {recording}; the call itself succeeded (its answer is on \
                 standard output)"
            ),
            false => format!("{}; and the recording failed: {recording}", self.message),
        };
        Failure::new(self.code, message)
    }

    fn no_command(release: &str, name: &str) -> Failure {
        Failure::new(
            exit::USAGE,
            format!("release `{release}` has no command `{name}`"),
        )
    }

    fn no_release(release: &str) -> Failure {
        Failure::new(exit::USAGE, format!("no release `{release}`"))
    }

    /// A failed command: the client's error when it is one (every operation's error type is
    /// the envelope), else what the command says, with its causes (a `--json-body` file it
    /// cannot read or parse: the file, and where in it). `--all`'s pages give the client's
    /// [`flatpeak::Error`] itself, which exits as the same error from `send()` does. A
    /// `method` that changes something (not `GET`, `HEAD`, `OPTIONS` or `TRACE`) that timed
    /// out is said to be possibly applied: the server may have acted before the answer was
    /// lost. An error of `--all` says which page failed ([`all::Page`], its context).
    fn from_command(error: anyhow::Error, method: Option<&str>) -> Failure {
        let page = error.downcast_ref::<all::Page>().cloned();
        let error = match error.downcast::<flatpeak::SendError>() {
            Ok(sent) => flatpeak::Error::from(sent),
            Err(other) => match other.downcast::<flatpeak::Error>() {
                Ok(error) => error,
                Err(other) => return Failure::new(exit::USAGE, format!("{other:#}")),
            },
        };
        let code = exit_code(&error, page.as_ref());
        let mut message = error.to_string();
        if let (flatpeak::Error::Timeout(_), Some(method)) = (&error, method)
            && !matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
        {
            message.push_str(&format!(
                " (this {method} may have been applied on the server all the same: check \
                 before sending it again)"
            ));
        }
        if let Some(flag) = flag_for(&error) {
            message.push_str(&format!(" ({flag})"));
        }
        if let Some(page) = page {
            message.push_str(&format!(" ({page})"));
            if page.cursor_is_answered() && matches!(error, flatpeak::Error::InvalidRequest(_)) {
                message.push_str(" (the cursor is an id the page before answered)");
            }
        }
        Failure::new(code, message)
    }
}

/// The exit code of a command's `error`, `page` being the page of `--all` it happened on.
/// A request the client refused to send is the command's (exit 2), unless it is a later
/// page of `--all`, whose cursor is an id the server answered and whose filters the first
/// page sent: then there was no usable answer (exit 3).
fn exit_code(error: &flatpeak::Error, page: Option<&all::Page>) -> u8 {
    let answered = page.is_some_and(all::Page::cursor_is_answered);
    match error {
        flatpeak::Error::Api(_) => exit::API_ERROR,
        flatpeak::Error::InvalidRequest(_) if answered => exit::NO_ANSWER,
        flatpeak::Error::InvalidRequest(_) | flatpeak::Error::Build(_) => exit::USAGE,
        _ => exit::NO_ANSWER,
    }
}

/// The global flag that changes the limit `error` ran into, said as a user would use it:
/// an answer longer than `--max-body-bytes`, an attempt longer than `--timeout`. The
/// client's messages name the limit, not the command's flag.
fn flag_for(error: &flatpeak::Error) -> Option<String> {
    match error {
        flatpeak::Error::BodyTooLarge { .. } => Some(format!(
            "--max-body-bytes reads a longer answer, up to {MAX_BODY_BYTES_LIMIT} bytes"
        )),
        flatpeak::Error::Timeout(_) => Some(format!(
            "--timeout gives each attempt longer, up to {MAX_TIMEOUT_SECONDS} seconds"
        )),
        _ => None,
    }
}

/// Output as JSON on standard output; errors are reported by `main`. Each release's generated
/// `CliConfig` impl prints through [`Json::print`].
struct Json;

/// The first error writing to standard output. The generated commands print through callbacks
/// that return nothing, so [`Json::written`] tells `main` afterwards.
static OUTPUT_FAILED: std::sync::OnceLock<std::io::Error> = std::sync::OnceLock::new();

impl Json {
    /// Writes `value` as pretty JSON and a newline to standard output. A failure (a closed
    /// pipe, a full disk) is kept for [`Json::written`], never a panic as `println!`'s.
    fn print<T: serde::Serialize + ?Sized>(value: &T) {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let written = serde_json::to_writer_pretty(&mut out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush());
        if let Err(e) = written {
            let _ = OUTPUT_FAILED.set(e);
        }
    }

    /// `Ok` when everything printed was written. A reader that stopped reading (`| head`) is
    /// not an error: it has what it wanted. Any other failure is, with exit code 2, since the
    /// answer (of a call that was made) was lost.
    fn written() -> Result<(), Failure> {
        match OUTPUT_FAILED.get() {
            None => Ok(()),
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Some(e) => Err(Failure::new(
                exit::USAGE,
                format!("could not write to standard output (the command had run): {e}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call that timed out, against a server that accepts the connection and never answers.
    async fn timed_out() -> anyhow::Error {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = flatpeak::anode::Client::builder()
            .bearer_token("tok_1")
            .base_url(format!("http://{}", listener.local_addr().unwrap()))
            .timeout(std::time::Duration::from_millis(200))
            .retry(flatpeak::RetryPolicy::disabled())
            .build()
            .unwrap();
        let sent = client.retrieve_device().id("dev_1").send().await;
        anyhow::Error::from(sent.unwrap_err())
    }

    /// A timed-out call that changes something may have been applied: the error says so, and
    /// not for a read.
    #[tokio::test]
    async fn a_timeout_of_a_call_that_changes_something_says_it_may_have_been_applied() {
        // Six calls timing out at once: one wait for all.
        let methods = [
            Some("POST"),
            Some("PUT"),
            Some("PATCH"),
            Some("DELETE"),
            Some("GET"),
            None,
        ];
        let errors = futures_util::future::join_all(methods.map(|_| timed_out())).await;
        for (method, error) in methods.into_iter().zip(errors) {
            let failure = Failure::from_command(error, method);
            assert_eq!(failure.code, exit::NO_ANSWER);
            assert!(
                failure.message.starts_with("timed out: "),
                "{}",
                failure.message
            );
            let warned = failure.message.contains(&format!(
                "this {} may have been applied on the server all the same",
                method.unwrap_or_default()
            ));
            let changes = !matches!(method, Some("GET") | None);
            assert_eq!(warned, changes, "{method:?}: {}", failure.message);
        }
    }
}

//! `flatpeak`: every operation of the Flatpeak API from a shell. Each command is one operation
//! of the spec, named by its `operationId` in kebab case (`list_locations` is
//! `flatpeak list-locations`), with its parameters as flags and its body from `--json-body
//! FILE` (a body's scalar fields also as flags); it prints the JSON the API answered.
//! `--record DIR` records the exchange, scrubbed, as the client's recorder does, for the
//! contract gate.
//!
//! The commands are generated from the spec by `cargo xtask generate`
//! (`src/generated_cli.rs`, progenitor's CLI generator); this file adds credentials from the
//! environment, the global flags, JSON output and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgMatches, Command};

/// What the generated commands call, under the names progenitor's code uses (its `Error<T>`
/// is progenitor's error; `flatpeak::Error` is the client's friendlier one).
mod api {
    pub use flatpeak::{Client, ResponseValue, builder, types};
    pub use progenitor_client::Error;
}

/// The commands, generated. Included rather than declared so that rustfmt leaves the file as
/// the generator wrote it (`cargo xtask generate --check` compares bytes).
#[allow(
    clippy::all,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unused_imports,
    unused_variables,
    dead_code,
    elided_lifetimes_in_paths
)]
mod generated {
    include!("generated_cli.rs");
}

use generated::{Cli, CliCommand, CliConfig};

/// `flatpeak webhook verify`, written by hand beside the generated commands.
mod webhook;

/// Exit codes.
mod exit {
    /// The API answered with an error status.
    pub const API_ERROR: u8 = 1;
    /// The command could not be run: bad arguments, no credentials, a value the client
    /// refuses to send (nothing was sent).
    pub const USAGE: u8 = 2;
    /// No usable answer: the connection failed, timed out, or the answer could not be read.
    pub const NO_ANSWER: u8 = 3;
}

const ABOUT: &str = "Every operation of the Flatpeak API. Each command is an operation of the \
spec, named by its operationId in kebab case (list_locations is list-locations); it prints the \
JSON the API answered.\n\nCredentials come from the environment: FLATPEAK_TOKEN (a bearer \
token), or FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY (the client logs in). FLATPEAK_BASE_URL \
or --base-url chooses the server.\n\nExit codes: 0 success; 1 the API answered with an error; \
2 the command could not be run (arguments, credentials, a value the client refuses to send); \
3 no usable answer (connection, timeout, unreadable body).";

fn main() -> ExitCode {
    let matches = match command().try_get_matches() {
        Ok(matches) => matches,
        Err(e) => {
            // clap prints help and versions as it does errors; only an error fails.
            let _ = e.print();
            return match e.use_stderr() {
                true => ExitCode::from(exit::USAGE),
                false => ExitCode::SUCCESS,
            };
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(run(&matches)),
        Err(e) => Err(Failure::new(
            exit::NO_ANSWER,
            format!("cannot start a runtime: {e}"),
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// The root command: global flags and one subcommand per operation.
fn command() -> Command {
    let global = [
        Arg::new("base-url")
            .long("base-url")
            .value_name("URL")
            .global(true)
            .help("The API's root [default: FLATPEAK_BASE_URL, else https://api.flatpeak.com]"),
        Arg::new("flatpeak-version")
            .long("flatpeak-version")
            .value_name("VERSION")
            .global(true)
            .help("Send Flatpeak-Version: VERSION (default: none, the account's version)"),
        Arg::new("record")
            .long("record")
            .value_name("DIR")
            .value_parser(clap::value_parser!(PathBuf))
            .global(true)
            .help("Record each exchange under DIR as a scrubbed VCR cassette, for the gate"),
    ];
    let subcommands = CliCommand::iter().map(|cmd| Cli::<Json>::get_command(cmd).name(name(cmd)));
    Command::new("flatpeak")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .args(global)
        .subcommand_required(true)
        .subcommands(subcommands)
        .subcommand(webhook::command())
}

/// A command's name: its operation id in kebab case.
fn name(cmd: CliCommand) -> String {
    cmd.operation_id().replace('_', "-")
}

/// Runs the chosen command.
async fn run(matches: &ArgMatches) -> Result<(), Failure> {
    let (name, sub) = matches
        .subcommand()
        .ok_or_else(|| Failure::new(exit::USAGE, "no command: see `flatpeak --help`"))?;
    if name == webhook::NAME {
        return webhook::run(sub).await;
    }
    let cmd = CliCommand::iter()
        .find(|c| self::name(*c) == name)
        .ok_or_else(|| Failure::new(exit::USAGE, format!("no command `{name}`")))?;
    let client = client(matches)?;
    let outcome = Cli::new(client.clone(), Json).execute(cmd, sub).await;
    if client.recording_failures() > 0 {
        eprintln!(
            "warning: {} exchanges could not be recorded (see the log); the command ran",
            client.recording_failures()
        );
    }
    outcome.map_err(Failure::from_command)
}

/// The client the flags and the environment ask for.
fn client(matches: &ArgMatches) -> Result<flatpeak::Client, Failure> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut builder = flatpeak::Client::builder();
    builder = match (
        env("FLATPEAK_TOKEN"),
        env("FLATPEAK_ACCOUNT_ID"),
        env("FLATPEAK_API_KEY"),
    ) {
        (Some(token), _, _) => builder.bearer_token(token),
        (None, Some(account), Some(key)) => builder.credentials(account, key),
        _ => {
            return Err(Failure::new(
                exit::USAGE,
                "no credentials: set FLATPEAK_TOKEN, or FLATPEAK_ACCOUNT_ID and FLATPEAK_API_KEY",
            ));
        }
    };
    let base = matches
        .get_one::<String>("base-url")
        .cloned()
        .or_else(|| env("FLATPEAK_BASE_URL"));
    if let Some(base) = base {
        builder = builder.base_url(base);
    }
    if let Some(version) = matches.get_one::<String>("flatpeak-version") {
        builder = builder.flatpeak_version(version);
    }
    if let Some(dir) = matches.get_one::<PathBuf>("record") {
        builder = builder.record_to(dir);
    }
    builder
        .build()
        .map_err(|e| Failure::new(exit::USAGE, e.to_string()))
}

/// Why the command failed, and its exit code.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// A failed command: the client's error when it is one (every operation's error type is
    /// the envelope), else what the command says (a `--json-body` file it cannot read).
    fn from_command(error: anyhow::Error) -> Failure {
        let Ok(sent) = error.downcast::<flatpeak::SendError>() else {
            return Failure::new(exit::USAGE, "the command could not run");
        };
        let error = flatpeak::Error::from(sent);
        let code = match &error {
            flatpeak::Error::Api(_) => exit::API_ERROR,
            flatpeak::Error::InvalidRequest(_) | flatpeak::Error::Build(_) => exit::USAGE,
            _ => exit::NO_ANSWER,
        };
        Failure::new(code, error.to_string())
    }
}

/// Output as JSON on standard output; errors are reported by `main`.
struct Json;

impl CliConfig for Json {
    fn success_item<T>(&self, value: &api::ResponseValue<T>)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
        print_json(&**value);
    }

    fn success_no_item(&self, _: &api::ResponseValue<()>) {}

    fn error<T>(&self, _: &api::Error<T>)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }

    fn list_start<T>(&self)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }

    fn list_item<T>(&self, value: &T)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
        print_json(value);
    }

    fn list_end_success<T>(&self)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }

    fn list_end_error<T>(&self, _: &api::Error<T>)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }
}

fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot write the answer as JSON: {e}"),
    }
}

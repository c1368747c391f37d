//! Project tasks. `cargo xtask generate [--check] [--spec PATH] [--out DIR [--no-check]]
//! [--skip-unsupported]`,
//! `cargo xtask conformance [--profile P] [--cassettes DIR]... [--spec PATH] [--format F] [--output FILE]`,
//! `cargo xtask scrub DIR... [--check]`,
//! `cargo xtask diff OLD NEW [--format F] [--output FILE] [--verify]`,
//! `cargo xtask update-spec NEW`.

mod blame;
mod check;
mod cli;
mod client_api;
mod conformance_cmd;
mod crate_check;
mod diff;
mod generate;
mod normalise;
mod operations;
mod postprocess;
mod readme;
mod replay_table;
mod spec;
mod update_spec;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Tasks of the Flatpeak SDK workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the client from the OpenAPI spec.
    Generate(generate_cmd::Args),
    /// Run the contract gate: replay recorded responses through the client and check them
    /// against the spec (`conformance synth` writes a synthetic set to check).
    Conformance(conformance_cmd::Args),
    /// Replace credentials and personal values in cassettes by placeholders that still
    /// validate (the spec's `x-sensitive` marks say which), in place; `--check` only lists
    /// them.
    Scrub(conformance_cmd::ScrubArgs),
    /// Classify every change between two specs by what it does to code using the crate and
    /// to deployed binaries, with semver advice (`--verify`: checked by cargo-semver-checks).
    Diff(diff::Args),
    /// Replace the spec with a new one, regenerate, diff, run the gate, and summarise.
    UpdateSpec(update_spec::Args),
}

mod generate_cmd;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate_cmd::run(args),
        Command::Conformance(args) => conformance_cmd::run(args),
        Command::Scrub(args) => conformance_cmd::scrub(args),
        Command::Diff(args) => diff::run(args),
        Command::UpdateSpec(args) => update_spec::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

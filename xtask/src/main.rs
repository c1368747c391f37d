//! Project tasks. `cargo xtask generate [--check] [--spec PATH] [--out DIR [--no-check]]
//! [--skip-unsupported]`,
//! `cargo xtask conformance [--profile P] [--cassettes DIR]... [--spec PATH] [--format F] [--output FILE]`,
//! `cargo xtask scrub DIR... [--check]`,
//! `cargo xtask diff OLD NEW [--format F] [--output FILE] [--verify]`,
//! `cargo xtask update-spec NEW`.

mod conformance;
mod diff;
mod generate;
mod overlay;
mod scrub;
mod spec;
mod update_spec;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Generating a client allocates and frees millions of small values (token streams, syntax
/// trees, YAML nodes); mimalloc does that in a fraction of glibc's time (BENCHMARKS.md, row 5).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(about = "Tasks of the Flatpeak SDK workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the client from the OpenAPI spec.
    Generate(generate::Args),
    /// Run the contract gate: replay recorded responses through the client and check them
    /// against the spec (`conformance synth` writes a synthetic set to check).
    Conformance(conformance::Args),
    /// Replace credentials and personal values in cassettes by placeholders that still
    /// validate (the spec's `x-sensitive` marks say which), in place; `--check` only lists
    /// them.
    Scrub(scrub::Args),
    /// Classify every change between two specs by what it does to code using the crate and
    /// to deployed binaries, with semver advice (`--verify`: checked by cargo-semver-checks).
    Diff(diff::Args),
    /// Apply an OpenAPI Overlay to a document and list the actions that match nothing.
    Overlay(overlay::Args),
    /// Replace the spec with a new one, regenerate, diff, run the gate, and summarise.
    UpdateSpec(update_spec::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate::run(args),
        Command::Conformance(args) => conformance::run(args),
        Command::Scrub(args) => scrub::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Overlay(args) => overlay::run(args),
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

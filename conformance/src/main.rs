//! `conformance`: the contract gate's command. Usually run as `cargo xtask conformance`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    conformance::cli::main(conformance::cli::Cli::parse())
}

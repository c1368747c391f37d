//! `cargo xtask conformance`: runs the contract gate, the `conformance` crate's binary.
//!
//! The gate is a crate of its own, built on the generated client and its replay table; xtask
//! runs it through cargo rather than linking it, so that `cargo xtask generate` never depends
//! on the generated code it is about to rewrite.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result};

/// Arguments of `cargo xtask conformance`, passed to the gate as they are.
#[derive(clap::Args)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// The gate's arguments: [--cassettes DIR]... [--spec PATH] [--waivers PATH | --no-waivers]
    /// [--format text|json|junit] [--output FILE] [--timings], or `synth --count N --out DIR`
    /// to write a synthetic set. `--help` describes them.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<OsString>,
}

/// Arguments of `cargo xtask scrub`, passed to the gate's `scrub` as they are.
#[derive(clap::Args)]
#[command(disable_help_flag = true)]
pub struct ScrubArgs {
    /// DIR... [--check] [--spec PATH]: replace credentials and `x-sensitive` values in the
    /// cassettes under each DIR by placeholders (`--check` only lists them). `--help`
    /// describes them.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<OsString>,
}

/// Runs the gate and returns its exit code: 0 conforms, 1 an unwaived error, 2 could not run
/// or checked nothing.
pub fn run(args: Args) -> Result<ExitCode> {
    gate(&args.args)
}

/// Runs the gate's `scrub` and returns its exit code: 0 done (or nothing to scrub with
/// `--check`), 1 something to scrub (`--check`), 2 could not run.
pub fn scrub(args: ScrubArgs) -> Result<ExitCode> {
    let mut all = vec![OsString::from("scrub")];
    all.extend(args.args);
    gate(&all)
}

/// Runs the `conformance` binary with `args`; its exit code.
fn gate(args: &[OsString]) -> Result<ExitCode> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .args(["run", "--quiet", "--package", "conformance", "--"])
        .args(args)
        .status()
        .with_context(|| format!("cannot run `{} run`", cargo.to_string_lossy()))?;
    // A gate killed by a signal has no code: it did not run to the end.
    let code = status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(2);
    Ok(ExitCode::from(code))
}

//! `cargo xtask conformance`: runs the contract gate, the `conformance` crate's binary.
//!
//! `cargo conformance` (an alias in `.cargo/config.toml`) is the same command in one cargo step,
//! and the one README documents: each cargo step costs a run a freshness check (0.13 s for
//! xtask, 0.2 s for the gate on two cores; BENCHMARKS.md, row 3). This command stays for the
//! `--profile` choice (CI runs the gate on the tests' debug build) and for `scrub`.
//!
//! The gate is a crate of its own, built on the generated client and its replay table; xtask
//! runs it through cargo rather than linking it, so that `cargo xtask generate` never depends
//! on the generated code it is about to rewrite.
//!
//! It builds the gate in the workspace's `gate` profile (optimised) unless told otherwise: a
//! debug build of the gate is about ten times slower on a large set of recordings, and users
//! run what the README says. The first run pays for the optimised build, once.

use std::ffi::OsString;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result};

/// The cargo profile the gate is built in unless `--profile` names another.
pub const GATE_PROFILE: &str = "gate";

/// Arguments of `cargo xtask conformance`, passed to the gate as they are.
#[derive(clap::Args)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// The cargo profile to build the gate in, given before the gate's own arguments: `gate`
    /// (optimised, the default) or `dev`, which reuses the build `cargo test` made (CI runs
    /// the bundled set so).
    #[arg(long, default_value = GATE_PROFILE)]
    profile: String,
    /// The gate's arguments: [--cassettes DIR]... [--spec PATH] [--waivers PATH | --no-waivers]
    /// [--format text|json|junit|sarif] [--output FILE] [--report FORMAT=FILE]... [--timings],
    /// or `synth --count N --out DIR` to write a synthetic set. `--help` describes them.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<OsString>,
}

/// Runs the gate and returns its exit code: 0 conforms, 1 an unwaived error, 2 could not run
/// or checked nothing.
pub fn run(args: Args) -> Result<ExitCode> {
    gate(&args.profile, &args.args)
}

/// `cargo run` of the `conformance` binary built in `profile`, its arguments still to add.
pub fn gate_command(profile: &str) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args([
        "run",
        "--quiet",
        "--profile",
        profile,
        "--package",
        "conformance",
        "--",
    ]);
    command
}

/// Runs the `conformance` binary built in `profile` with `args`; its exit code.
pub(crate) fn gate(profile: &str, args: &[OsString]) -> Result<ExitCode> {
    let status = gate_command(profile)
        .args(args)
        .status()
        .context("cannot run `cargo run` for the gate")?;
    // A gate killed by a signal has no code: it did not run to the end.
    let code = status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(2);
    Ok(ExitCode::from(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo conformance` is `gate_command(GATE_PROFILE)`: the alias and this command cannot
    /// drift apart.
    #[test]
    fn the_cargo_alias_runs_the_gate_command() {
        let config = crate::workspace::root().join(".cargo/config.toml");
        let text = std::fs::read_to_string(&config).unwrap_or_default();
        let alias = text
            .lines()
            .find_map(|line| line.trim().strip_prefix("conformance = "))
            .map(|value| {
                value
                    .trim_matches('"')
                    .split_whitespace()
                    .collect::<Vec<_>>()
            });
        let command = gate_command(GATE_PROFILE);
        let args: Vec<&str> = command.get_args().filter_map(|a| a.to_str()).collect();
        let alias = alias.unwrap_or_else(|| panic!("no `conformance` alias in {config:?}"));
        assert_eq!(
            alias, args,
            "the alias in {config:?} and `cargo xtask conformance` differ"
        );
    }
}

//! `cargo xtask scrub`: the gate's `scrub`, which replaces credentials and personal values in
//! cassettes before they are shared. It runs in the gate's build (see `conformance`), since it
//! reads the spec the same way the gate does.

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Result;

use crate::conformance::{GATE_PROFILE, gate};

/// Arguments of `cargo xtask scrub`, passed to the gate's `scrub` as they are.
#[derive(clap::Args)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// The cargo profile to build the gate in (as for `conformance`).
    #[arg(long, default_value = GATE_PROFILE)]
    profile: String,
    /// DIR... [--check] [--spec PATH]: replace credentials and `x-sensitive` values in the
    /// cassettes under each DIR by placeholders (`--check` only lists them). `--help`
    /// describes them.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<OsString>,
}

/// Runs the gate's `scrub` and returns its exit code: 0 done (or nothing to scrub with
/// `--check`), 1 something to scrub (`--check`), 2 could not run.
pub fn run(args: Args) -> Result<ExitCode> {
    let mut all = vec![OsString::from("scrub")];
    all.extend(args.args);
    gate(&args.profile, &all)
}

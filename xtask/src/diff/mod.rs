//! `cargo xtask diff OLD NEW`: every change between two specs, classified by what it does to
//! code written against the generated crate (`client`) and to binaries built from it (`wire`),
//! with semver advice for the `flatpeak` crate; `--verify` checks the advice against
//! cargo-semver-checks run on the crates generated for both specs.
//!
//! Both specs are read through [`spec_model::Spec`]; schemas are walked by JSON pointer from
//! there ([`walk`]), and each change is classified by the rules of [`classify`], which follow
//! what the generator makes of a spec.

pub mod classify;
mod operations;
pub mod report;
mod shape;
pub mod source;
pub mod upgrading;
mod verify;
mod walk;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use self::operations::Side;
use self::report::Report;
use self::source::Source;

/// Arguments of `cargo xtask diff`.
#[derive(clap::Args)]
pub struct Args {
    /// The old spec: a file, or `git:REV` (`git:REV:PATH`) for the spec committed at a revision
    /// (PATH defaults to the default release's spec, `openapi/<release>.yaml`).
    old: String,
    /// The new spec, the same way.
    new: String,
    /// How to write the report.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to this file (the headline still goes to standard output).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Generate the crate for both specs and check the classification with
    /// cargo-semver-checks; a disagreement is an error and the stricter answer wins.
    #[arg(long)]
    verify: bool,
}

/// How the report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a terminal.
    Text,
    /// For tools: `{"semver", "summary", "changes": [...]}`.
    Json,
    /// For a pull request, with a CHANGELOG entry draft.
    Markdown,
}

/// Runs the command. Exit code 0: nothing breaks; 1: something breaks (or `--verify`
/// disagrees); errors (exit 2) when a spec cannot be read.
pub fn run(args: Args) -> Result<ExitCode> {
    let old = source::load(&args.old)?;
    let new = source::load(&args.new)?;
    let mut report = compare(&old, &new)?;
    if args.verify {
        verify::verify(&old, &new, &mut report)?;
    }
    emit(&report, args.format, args.output.as_deref())?;
    Ok(report.exit_code())
}

/// The report of the changes from `old` to `new`, for the workspace's `flatpeak` crate.
pub fn compare(old: &Source, new: &Source) -> Result<Report> {
    let findings = operations::diff(
        Side {
            spec: &old.spec,
            origin: &old.label,
        },
        Side {
            spec: &new.spec,
            origin: &new.label,
        },
    )?;
    let changes = findings.iter().map(classify::classify).collect();
    Ok(Report::new(
        old.label.clone(),
        new.label.clone(),
        changes,
        &crate_version()?,
    ))
}

/// Writes the report in `format` to `output`, or to standard output.
pub fn emit(report: &Report, format: Format, output: Option<&Path>) -> Result<()> {
    let text = match format {
        Format::Text => report::text(report),
        Format::Json => report::json(report) + "\n",
        Format::Markdown => report::markdown(report),
    };
    match output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("{}: cannot write", path.display()))?;
            println!("{}", report.headline());
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// The version of `crates/flatpeak`, from its manifest.
fn crate_version() -> Result<String> {
    let path = crate::workspace::root().join("crates/flatpeak/Cargo.toml");
    let manifest = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    manifest
        .lines()
        .find_map(|line| {
            let value = line
                .strip_prefix("version")?
                .trim_start()
                .strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_string())
        })
        .with_context(|| format!("{}: no `version`", path.display()))
}

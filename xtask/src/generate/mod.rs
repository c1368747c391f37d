//! `cargo xtask generate`: where the spec comes from, where the code goes, and `--check`.
//!
//! One folder for the command and everything it writes: `client` runs the pipeline (normalise
//! -> progenitor -> post-process -> format), `operations` and `client_api` add what the
//! generator knows about each operation, `cli_commands`, `replay_table` and `readme` write the
//! files generated beside the client, `crate_check` compiles a standalone crate (`--out`), and
//! `stale` compares with the committed files (`--check`).

mod blame;
mod cli_commands;
pub(crate) mod client;
mod client_api;
mod crate_check;
pub(crate) mod normalise;
mod operations;
pub(crate) mod overlay;
mod postprocess;
mod readme;
mod replay_table;
mod stale;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use self::cli_commands as cli;
use self::client::{self as generate, Generated, Options, Profile};
use self::crate_check::Origins;
use self::stale as check;
use crate::spec;

/// Arguments of `cargo xtask generate`.
#[derive(clap::Args)]
pub struct Args {
    /// Regenerate in memory and fail with a diff if the files on disk differ.
    #[arg(long)]
    check: bool,
    /// The OpenAPI 3.0 spec (YAML or JSON) [default: openapi/flatpeak.yaml].
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Write a complete standalone crate (Cargo.toml and src/) into this directory instead of
    /// regenerating crates/flatpeak.
    #[arg(long)]
    out: Option<PathBuf>,
    /// With --out: do not run `cargo check` on the crate written (by default a crate that
    /// does not compile fails the command, its errors named by operation or schema).
    #[arg(long, requires = "out")]
    no_check: bool,
    /// With --out: leave out the operations progenitor cannot take (for example a
    /// multipart/form-data body), print them with the reason, and generate the rest; without
    /// it they are refused. (crates/flatpeak never leaves an operation out.)
    #[arg(long, requires = "out")]
    skip_unsupported: bool,
}

/// A file the generator produces, with its contents.
struct Output {
    path: PathBuf,
    contents: String,
}

/// Runs the command; exit code 1 means `--check` found stale files.
pub fn run(args: Args) -> Result<ExitCode> {
    let root = crate::workspace::root();
    let spec_path = args
        .spec
        .clone()
        .unwrap_or_else(|| root.join("openapi/flatpeak.yaml"));
    let label = spec_label(&spec_path, &root);
    let spec::Loaded {
        openapi: spec,
        model,
    } = spec::load_both(&spec_path)?;
    let profile = if args.out.is_some() {
        Profile::Standalone
    } else {
        Profile::Flatpeak
    };
    let spec_for_cli = spec.clone();
    let options = Options {
        skip_unsupported: args.skip_unsupported,
    };
    let generated = generate::generate(spec, &model, &label, profile, options)
        .with_context(|| format!("{}", spec_path.display()))?;
    for change in &generated.changes {
        eprintln!("normalise: {change}");
    }
    for fault in &generated.skipped {
        eprintln!("skipped: {fault}");
    }
    let origins = generated.origins.clone();
    let outputs = match &args.out {
        Some(dir) => standalone_crate(dir, &label, &generated),
        None => {
            let mut files = flatpeak_files(&root, &model, &label, generated)?;
            files.push(Output {
                path: root.join(cli::PATH),
                contents: cli::generate(spec_for_cli, &label)
                    .with_context(|| format!("{}: the command line", cli::PATH))?,
            });
            files
        }
    };
    if args.check {
        return Ok(check_outputs(&outputs));
    }
    for out in outputs {
        write(&out)?;
        eprintln!("wrote {}", out.path.display());
    }
    match &args.out {
        Some(dir) if !args.no_check => check_crate(dir, &origins),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// `cargo check` on the crate written: its errors, each named by the operation or schema
/// that produced the code, fail the command.
fn check_crate(dir: &Path, origins: &Origins) -> Result<ExitCode> {
    eprintln!(
        "checking {} (`cargo check`; --no-check skips this)",
        dir.display()
    );
    let report = crate_check::check(dir, origins)?;
    if !report.warnings.is_empty() {
        eprintln!(
            "warning: the crate compiles with {} warnings:\n{}",
            report.warnings.len(),
            report.warnings_text()
        );
    }
    if !report.errors.is_empty() {
        bail!(
            "the crate written to {} does not compile ({} errors):\n{}",
            dir.display(),
            report.errors.len(),
            report.errors_text()
        );
    }
    eprintln!("the crate compiles");
    Ok(ExitCode::SUCCESS)
}

/// Writes the standalone crate for the spec at `spec_path` into `dir`, as `--out` does, for
/// the tools that compare generated crates (`cargo xtask diff --verify`).
pub(crate) fn write_standalone(spec_path: &Path, dir: &Path) -> Result<()> {
    let label = spec_label(spec_path, &crate::workspace::root());
    let spec::Loaded { openapi, model } = spec::load_both(spec_path)?;
    let generated = generate::generate(
        openapi,
        &model,
        &label,
        Profile::Standalone,
        Options::default(),
    )
    .with_context(|| format!("{}", spec_path.display()))?;
    standalone_crate(dir, &label, &generated)
        .iter()
        .try_for_each(write)
}

/// The client of `crates/flatpeak` and, generated from it, the conformance gate's replay
/// table, which calls it.
fn flatpeak_files(
    root: &Path,
    spec: &spec_model::Spec,
    label: &str,
    generated: Generated,
) -> Result<Vec<Output>> {
    let table = replay_table::generate(spec, &generated.code, label)
        .with_context(|| format!("{}: replay table", replay_table::PATH))?;
    for note in &table.notes {
        eprintln!("replay: {note}");
    }
    let readme_path = root.join(readme::PATH);
    let readme = std::fs::read_to_string(&readme_path)
        .with_context(|| format!("{}: cannot read", readme_path.display()))?;
    let readme = readme::with_table(&readme, spec, &generated.code)?;
    Ok(vec![
        Output {
            path: readme_path,
            contents: readme,
        },
        Output {
            path: root.join("crates/flatpeak/src/generated.rs"),
            contents: generated.code,
        },
        Output {
            path: root.join(replay_table::PATH),
            contents: table.code,
        },
    ])
}

fn check_outputs(outputs: &[Output]) -> ExitCode {
    let mut stale = false;
    for out in outputs {
        if let Some(diff) = check::stale(&out.path, &out.contents) {
            stale = true;
            eprintln!("{diff}");
        }
    }
    if stale {
        eprintln!(
            "error: generated files are stale; run `cargo xtask generate` and commit the result"
        );
        ExitCode::from(1)
    } else {
        eprintln!("generated files are up to date");
        ExitCode::SUCCESS
    }
}

fn write(out: &Output) -> Result<()> {
    if let Some(dir) = out.path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
    }
    std::fs::write(&out.path, &out.contents)
        .with_context(|| format!("{}: cannot write", out.path.display()))
}

/// How the header names the spec: relative to the workspace when it lies inside it, else by
/// file name, so the output does not depend on where the checkout is.
fn spec_label(spec: &Path, root: &Path) -> String {
    let absolute = std::fs::canonicalize(spec).unwrap_or_else(|_| spec.to_path_buf());
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    match absolute.strip_prefix(&root) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => spec
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

/// The files of a standalone crate: `Cargo.toml`, `src/lib.rs` (a generated shim) and
/// `src/generated.rs`.
fn standalone_crate(dir: &Path, label: &str, generated: &Generated) -> Vec<Output> {
    let name = crate_name(dir);
    for unknown in &generated.uses.unknown {
        eprintln!(
            "warning: the generated code uses the crate `{unknown}`, which the generator has no \
             dependency line for: add it to {}",
            dir.join("Cargo.toml").display()
        );
    }
    let lib = format!(
        "{}//! A client generated from `{label}`.\n\n\
         #[allow(clippy::all, missing_docs, unused_imports)]\nmod generated;\n\npub use generated::*;\n",
        generate::header(label)
    );
    vec![
        Output {
            path: dir.join("Cargo.toml"),
            contents: generate::cargo_toml(&name, &generated.uses),
        },
        Output {
            path: dir.join("src/lib.rs"),
            contents: lib,
        },
        Output {
            path: dir.join("src/generated.rs"),
            contents: generated.code.clone(),
        },
    ]
}

/// A valid crate name from the directory's name.
fn crate_name(dir: &Path) -> String {
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    match name.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => name,
        _ => format!("api_{name}"),
    }
}

//! `cargo xtask generate`: where the spec comes from, where the code goes, and `--check`.
//!
//! One folder for the command and everything it writes: `client` runs the pipeline (normalise
//! -> progenitor -> post-process -> format), `operations` and `client_api` add what the
//! generator knows about each operation, `cli` (a folder: the commands and their passes),
//! `replay_table` and `readme` write the files generated beside the client, `crate_check`
//! compiles a standalone crate (`--out`), and `stale` compares with the committed files
//! (`--check`).

mod blame;
mod cli;
pub(crate) mod client;
mod client_api;
mod constraints;
mod crate_check;
mod item_docs;
pub(crate) mod normalise;
pub(crate) mod operations;
pub(crate) mod overlay;
mod patterns;
mod postprocess;
mod readme;
pub(crate) mod release_spec;
mod releases;
mod replay_table;
mod send_hooks;
mod sensitive_debug;
mod stale;
mod yaml;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

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
    /// Only this release (a name of `openapi/releases.toml`): its spec, client module, CLI
    /// commands and replay table. Without it, every release and the files that list them.
    #[arg(long)]
    release: Option<String>,
    /// The OpenAPI 3.0 spec (YAML or JSON): with `--out`, any spec; with `--release`, used in
    /// place of the release's spec.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Write a complete standalone crate (Cargo.toml and src/) for `--spec` into this
    /// directory instead of regenerating the workspace's files.
    #[arg(long, requires = "spec", conflicts_with = "release")]
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
    /// List every rewrite the normalisation made and every note of the replay tables, one line
    /// each; without it, one line per release says how many there were.
    #[arg(long, short)]
    verbose: bool,
}

/// A file the generator produces, with its contents.
pub(crate) struct Output {
    pub(crate) path: PathBuf,
    pub(crate) contents: String,
}

/// Runs the command; exit code 1 means `--check` found stale files.
pub fn run(args: Args) -> Result<ExitCode> {
    if let (Some(spec), Some(out)) = (&args.spec, &args.out) {
        return standalone(&args, spec, out);
    }
    if args.spec.is_some() && args.release.is_none() {
        bail!(
            "--spec needs --out (a standalone crate) or --release (in place of that release's spec)"
        );
    }
    let root = crate::workspace::root();
    let outputs = workspace_files(
        &root,
        args.release.as_deref(),
        args.spec.as_deref(),
        args.verbose,
    )?;
    if args.check {
        return Ok(check_outputs(&outputs));
    }
    for out in outputs {
        write(&out)?;
        eprintln!("wrote {}", out.path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `--spec PATH --out DIR`: a standalone crate for any spec, `cargo check`ed unless told not.
fn standalone(args: &Args, spec_path: &Path, dir: &Path) -> Result<ExitCode> {
    let root = crate::workspace::root();
    let label = spec_label(spec_path, &root);
    let spec::Loaded { openapi, model } = spec::load_both(spec_path)?;
    let options = Options {
        skip_unsupported: args.skip_unsupported,
    };
    let generated = generate::generate(openapi, &model, &label, Profile::Standalone, options)
        .with_context(|| format!("{}", spec_path.display()))?;
    for change in &generated.changes {
        eprintln!("normalise: {change}");
    }
    for fault in &generated.skipped {
        eprintln!("skipped: {fault}");
    }
    let outputs = standalone_crate(dir, &label, &generated);
    if args.check {
        return Ok(check_outputs(&outputs));
    }
    for out in &outputs {
        write(out)?;
        eprintln!("wrote {}", out.path.display());
    }
    match args.no_check {
        true => Ok(ExitCode::SUCCESS),
        false => check_crate(dir, &generated.origins),
    }
}

/// Every file `generate` writes in the workspace: for each release (or only `only`), its spec
/// when it is built from Flatpeak's document and an overlay, its client module, CLI commands
/// and replay table; then, for a whole run, the files that list the releases (modules,
/// features, the CLI's and the gate's dispatch, README's tables, the upgrade guides).
/// `spec_override` replaces the spec of `only`. Each release's notes are printed, or counted
/// unless `verbose`.
pub(crate) fn workspace_files(
    root: &Path,
    only: Option<&str>,
    spec_override: Option<&Path>,
    verbose: bool,
) -> Result<Vec<Output>> {
    let catalogue = spec_model::releases::Catalogue::load(root)?;
    if let Some(name) = only
        && catalogue.get(name).is_none()
    {
        let known: Vec<&str> = catalogue
            .releases()
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        bail!(
            "release `{name}` is not in {} (known: {})",
            spec_model::releases::PATH,
            known.join(", ")
        );
    }
    let chosen: Vec<_> = catalogue
        .releases()
        .iter()
        .filter(|release| only.is_none_or(|name| name == release.name))
        .collect();
    // Releases are independent of one another: each is built on a thread of its own (every
    // regeneration and every `--check` waits for the slowest, not for the sum), and its notes
    // and files are taken in the catalogue's order, so the output does not depend on timing.
    let override_spec = spec_override.filter(|_| only.is_some());
    let results: Vec<Result<ReleaseFiles>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chosen
            .iter()
            .map(|release| scope.spawn(move || one_release(root, release, override_spec)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("generating a release panicked")))
            })
            .collect()
    });
    let mut outputs = Vec::new();
    let mut built = Vec::new();
    for files in results {
        let files = files?;
        print_notes(&files, verbose);
        outputs.extend(files.outputs);
        built.push(files.summary);
    }
    if only.is_none() {
        outputs.extend(releases::index_files(root, &catalogue, &built)?);
    }
    Ok(outputs)
}

/// Prints what generating one release noted: every note when `verbose`, else how many.
fn print_notes(files: &ReleaseFiles, verbose: bool) {
    if verbose {
        for note in &files.notes {
            eprintln!("{note}");
        }
    } else if !files.notes.is_empty() {
        eprintln!(
            "{}: {} notes from normalising its spec and building its replay table (--verbose lists them)",
            files.summary.name,
            files.notes.len()
        );
    }
}

/// The files of one release, what the files listing every release need of it, and the notes
/// generating it printed.
struct ReleaseFiles {
    outputs: Vec<Output>,
    summary: releases::Built,
    notes: Vec<String>,
}

/// `release`'s spec (built from Flatpeak's document and the overlay, or `spec_override`) and
/// the files generated from it.
fn one_release(
    root: &Path,
    release: &spec_model::releases::Release,
    spec_override: Option<&Path>,
) -> Result<ReleaseFiles> {
    let (spec, output) = release_spec::build(root, release, spec_override)?;
    let mut files =
        release_files(root, &spec).with_context(|| format!("release `{}`", release.name))?;
    files.outputs.splice(0..0, output);
    Ok(files)
}

/// The client module, CLI commands and replay table of one release.
fn release_files(root: &Path, spec: &release_spec::ReleaseSpec) -> Result<ReleaseFiles> {
    let name = spec.release.name.as_str();
    let label = spec_label(&spec.path, root);
    let spec::Loaded { openapi, model } = spec::parse_both(&spec.text, &spec.path)?;
    let release = operations::ReleaseName {
        name,
        version: model.flatpeak_version(),
    };
    let generated = generate::generate(
        openapi.clone(),
        &model,
        &label,
        Profile::Release(release),
        Options::default(),
    )
    .with_context(|| format!("{}", spec.path.display()))?;
    let mut notes: Vec<String> = generated
        .changes
        .iter()
        .map(|change| format!("normalise ({name}): {change}"))
        .collect();
    let table = replay_table::generate(&model, &generated.code, &label, name)
        .with_context(|| format!("{}/{name}.rs: replay table", replay_table::DIR))?;
    notes.extend(
        table
            .notes
            .iter()
            .map(|note| format!("replay ({name}): {note}")),
    );
    let commands = cli::generate(openapi, &model, &label, release, &generated.paginated)
        .with_context(|| format!("{}/{name}.rs: the command line", cli::DIR))?;
    let summary = releases::Built {
        name: name.to_string(),
        version: release.version.map(str::to_string),
        title: model
            .document
            .pointer("/info/title")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_string(),
        table: readme::table(&model, &generated.code, &generated.paginated)?,
        spec: spec.path.clone(),
        text: spec.text.clone(),
    };
    let outputs = vec![
        Output {
            path: root.join(releases::CLIENT_DIR).join(format!("{name}.rs")),
            contents: generated.code,
        },
        Output {
            path: root.join(replay_table::DIR).join(format!("{name}.rs")),
            contents: table.code,
        },
        Output {
            path: root.join(cli::DIR).join(format!("{name}.rs")),
            contents: commands,
        },
    ];
    Ok(ReleaseFiles {
        outputs,
        summary,
        notes,
    })
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
pub(crate) fn spec_label(spec: &Path, root: &Path) -> String {
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

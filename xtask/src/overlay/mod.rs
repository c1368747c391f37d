//! `cargo xtask overlay UPSTREAM OVERLAY [--output FILE]`: applies an overlay to a document and
//! prints the actions that match nothing, for working on an overlay before `generate` writes the
//! release's spec from it (see `generate::overlay`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::generate::overlay;

/// Arguments of `cargo xtask overlay`.
#[derive(clap::Args)]
pub struct Args {
    /// The document to apply it to (JSON or YAML), e.g. `openapi/upstream/zero.json`.
    upstream: PathBuf,
    /// The Overlay document (1.1, or 1.0 read as 1.1), e.g. `openapi/overlays/zero.yaml`.
    overlay: PathBuf,
    /// Where to write the result as YAML (default: standard output).
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Applies the overlay; exit code 1 when an action matches nothing (each is listed).
pub fn run(args: Args) -> Result<ExitCode> {
    let applied = overlay::apply(&args.upstream, &args.overlay)?;
    let yaml = overlay::to_yaml(&applied.document, "")?;
    match &args.output {
        Some(path) => std::fs::write(path, yaml)
            .with_context(|| format!("{}: cannot write", path.display()))?,
        None => print!("{yaml}"),
    }
    for site in &applied.stale {
        eprintln!("{}{site}: matches nothing", args.overlay.display());
    }
    Ok(if applied.stale.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

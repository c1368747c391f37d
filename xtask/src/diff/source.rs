//! Where a spec comes from: a file, or `git:REV` (`git:REV:PATH`) for the spec committed at a
//! revision.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use spec_model::Spec;

/// A spec read for a diff.
pub struct Source {
    /// As given on the command line.
    pub label: String,
    /// Its text.
    pub text: String,
    /// JSON rather than YAML.
    pub json: bool,
    /// The model.
    pub spec: Spec,
}

/// Reads `arg`: `git:REV[:PATH]` from the workspace's repository (PATH defaults to the
/// default release's spec), else a file.
pub fn load(arg: &str) -> Result<Source> {
    let (text, path) = match arg.strip_prefix("git:") {
        Some(rest) => {
            let (rev, path) = match rest.split_once(':') {
                Some((rev, path)) => (rev, path.to_string()),
                None => (rest, default_spec()?),
            };
            (git_show(rev, &path)?, path)
        }
        None => {
            let text =
                std::fs::read_to_string(arg).with_context(|| format!("{arg}: cannot read"))?;
            (text, arg.to_string())
        }
    };
    let json = Path::new(&path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    // The model tells JSON from YAML by the name's extension, which `arg` ends with.
    let spec = Spec::parse(&text, arg)?;
    Ok(Source {
        label: arg.to_string(),
        text,
        json,
        spec,
    })
}

/// A spec read from `text`, named `label` (YAML, or JSON when `label` ends in `.json`).
pub fn from_text(label: &str, text: String) -> Result<Source> {
    let spec = Spec::parse(&text, label)?;
    Ok(Source {
        label: label.to_string(),
        json: label.to_ascii_lowercase().ends_with(".json"),
        text,
        spec,
    })
}

/// The default release's spec, relative to the workspace (`openapi/zero.yaml`).
fn default_spec() -> Result<String> {
    let root = crate::workspace::root();
    let catalogue = spec_model::releases::Catalogue::load(&root)?;
    Ok(crate::generate::spec_label(
        &catalogue.default().spec,
        &root,
    ))
}

/// `git show REV:PATH` in the workspace.
fn git_show(rev: &str, path: &str) -> Result<String> {
    if rev.is_empty() || rev.starts_with('-') {
        bail!("git:{rev}: not a revision");
    }
    let root = crate::workspace::root();
    let out = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["show", &format!("{rev}:{path}")])
        .output()
        .context("cannot run git")?;
    if !out.status.success() {
        bail!(
            "git:{rev}:{path}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8(out.stdout).with_context(|| format!("git:{rev}:{path}: not UTF-8"))
}

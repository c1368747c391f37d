//! Where a spec comes from: a file, or `git:REV` (`git:REV:PATH`) for the spec committed at a
//! revision.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use spec_model::Spec;

/// The spec the workspace generates from, and the default path of `git:REV`.
pub const SPEC_PATH: &str = "openapi/flatpeak.yaml";

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

/// Reads `arg`: `git:REV[:PATH]` from the workspace's repository, else a file.
pub fn load(arg: &str) -> Result<Source> {
    let (text, path) = match arg.strip_prefix("git:") {
        Some(rest) => {
            let (rev, path) = rest.split_once(':').unwrap_or((rest, SPEC_PATH));
            (git_show(rev, path)?, path.to_string())
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

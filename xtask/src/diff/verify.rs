//! `--verify`: the spec diff's claims checked by the compiler's view. The crate is generated
//! for both specs (as `generate --out` writes it), cargo-semver-checks compares the two, and
//! any disagreement with the classification becomes an error in the report; the stricter
//! answer wins.
//!
//! cargo-semver-checks sees items, variants and derives appear and disappear; it does not see
//! a field's type change (`T` to `Option<T>`), nor a requirement the builders check at run
//! time (a new required parameter). A breaking change of those kinds it cannot contradict;
//! every other disagreement is an error.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::classify::{Effect, Level};
use super::report::{Report, Verification};
use super::source::Source;

/// Generates both crates, runs cargo-semver-checks, and records what it says in `report`.
pub fn verify(old: &Source, new: &Source, report: &mut Report) -> Result<()> {
    check_tool()?;
    let base = target_dir().join("diff-verify");
    std::fs::create_dir_all(&base).with_context(|| format!("{}: cannot create", base.display()))?;
    // cargo-semver-checks builds in one place per crate name and version: one run at a time.
    let _lock = Lock::acquire(base.join("lock"))?;
    let work = base.join("crates");
    let old_dir = generate(old, &work.join("old"))?;
    let new_dir = generate(new, &work.join("new"))?;
    let (required, lints) = semver_checks(&old_dir, &new_dir, &base.join("target"))?;
    judge(report, required, lints);
    Ok(())
}

/// A lock on the shared build directory: a file created only if absent, holding the process
/// id, removed on drop. A lock whose process is gone (on systems with `/proc`) is taken over.
struct Lock(PathBuf);

impl Lock {
    /// Waits up to half an hour for the lock at `path`.
    fn acquire(path: PathBuf) -> Result<Lock> {
        for _ in 0..1800 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let _ = write!(file, "{}", std::process::id());
                    return Ok(Lock(path));
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    if holder_gone(&path) {
                        let _ = std::fs::remove_file(&path);
                    } else {
                        std::thread::sleep(Duration::from_secs(1));
                    }
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("{}: cannot create", path.display()));
                }
            }
        }
        bail!(
            "{}: another `--verify` has held this lock for half an hour; remove the file if none is running",
            path.display()
        )
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether the lock at `path` is stale: the process it names has ended (on systems with
/// `/proc`), or it names none and was made more than a minute ago (a run that died between
/// creating it and writing its id, or an older xtask's lock file).
fn holder_gone(path: &Path) -> bool {
    let pid = std::fs::read_to_string(path).unwrap_or_default();
    let pid = pid.trim();
    if pid.is_empty() {
        let age = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok());
        return age.is_some_and(|age| age > Duration::from_secs(60));
    }
    let proc = Path::new("/proc");
    proc.is_dir() && !proc.join(pid).exists()
}

fn check_tool() -> Result<()> {
    let found = Command::new(cargo())
        .args(["semver-checks", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        bail!(
            "--verify needs cargo-semver-checks: install it with `cargo install cargo-semver-checks --locked`"
        );
    }
    Ok(())
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `CARGO_TARGET_DIR`, else the workspace's `target/`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace::root().join("target"))
}

/// Writes `source`'s spec below `dir` and the crate generated from it in `dir/flatpeak`
/// (versioned 1.0.0, so that cargo-semver-checks applies post-1.0 rules); returns the crate's
/// directory.
fn generate(source: &Source, dir: &Path) -> Result<PathBuf> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("{}: cannot clear", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let spec = dir.join(if source.json {
        "spec.json"
    } else {
        "spec.yaml"
    });
    std::fs::write(&spec, &source.text)
        .with_context(|| format!("{}: cannot write", spec.display()))?;
    let crate_dir = dir.join("flatpeak");
    crate::generate::write_standalone(&spec, &crate_dir)
        .with_context(|| format!("--verify: generating the crate for {}", source.label))?;
    let manifest = crate_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("{}: cannot read", manifest.display()))?;
    let text = text.replacen("version = \"0.1.0\"", "version = \"1.0.0\"", 1);
    std::fs::write(&manifest, text)
        .with_context(|| format!("{}: cannot write", manifest.display()))?;
    Ok(crate_dir)
}

/// Runs cargo-semver-checks on the two crates, building in `target`: the bump it requires and
/// the lints that failed.
fn semver_checks(old: &Path, new: &Path, target: &Path) -> Result<(Level, Vec<String>)> {
    eprintln!("verify: cargo semver-checks on the crates generated for both specs ...");
    let out = Command::new(cargo())
        .arg("semver-checks")
        .arg("--manifest-path")
        .arg(new.join("Cargo.toml"))
        .arg("--baseline-root")
        .arg(old)
        .args(["--color", "never"])
        .env("CARGO_TARGET_DIR", target)
        .output()
        .context("cannot run cargo semver-checks")?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let Some(required) = parse_summary(&text) else {
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        bail!(
            "cargo semver-checks failed ({}):\n{}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    };
    Ok((required, parse_lints(&text)))
}

/// The bump in cargo-semver-checks' `Summary` line.
fn parse_summary(text: &str) -> Option<Level> {
    text.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix("Summary")?.trim_start();
        if rest.starts_with("no semver update required") {
            return Some(Level::None);
        }
        let bump = rest
            .strip_prefix("semver requires new ")?
            .split(' ')
            .next()?;
        Some(match bump {
            "major" => Level::Major,
            "minor" => Level::Minor,
            _ => Level::Patch,
        })
    })
}

/// The ids of the lints that failed (`--- failure enum_variant_missing: ... ---`).
fn parse_lints(text: &str) -> Vec<String> {
    let mut lints: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--- failure "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect();
    lints.dedup();
    lints
}

/// Compares cargo-semver-checks' answer with the report's, records disagreements as errors,
/// and keeps the stricter level.
fn judge(report: &mut Report, required: Level, lints: Vec<String>) {
    let ours = report.level;
    let visible: Vec<&str> = report
        .changes
        .iter()
        .filter(|c| c.compiler_visible)
        .map(|c| c.change.as_str())
        .collect();
    let hidden = report
        .changes
        .iter()
        .any(|c| c.client == Effect::Breaking && !c.compiler_visible);
    let mut errors = Vec::new();
    if required > ours {
        errors.push(format!(
            "cargo-semver-checks requires a {} change ({}) where the spec diff says {}: the classifier misses what these lints see",
            required.as_str(),
            lints.join(", "),
            ours.as_str()
        ));
    }
    if !visible.is_empty() && required < Level::Major {
        errors.push(format!(
            "the spec diff says {} break code in ways cargo-semver-checks sees ({}), but it requires only {}",
            visible.len(),
            visible.join(", "),
            required.as_str()
        ));
    }
    let note = if hidden && required < Level::Major {
        "some breaking changes are of kinds cargo-semver-checks cannot see (field types, requirements the builders check at run time): those are the spec diff's alone"
    } else {
        "compared with the crates generated for both specs"
    }
    .to_string();
    report.verify = Some(Verification {
        required,
        lints,
        agrees: errors.is_empty(),
        note,
    });
    if required > ours {
        report.set_level(required);
    }
    report.errors.extend(errors);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_is_released_on_drop_and_a_dead_holder_s_lock_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        {
            let _held = Lock::acquire(path.clone()).unwrap();
            assert!(!holder_gone(&path), "this process holds it");
        }
        assert!(!path.exists());
        std::fs::write(&path, "4000000000").unwrap();
        assert!(holder_gone(&path), "no such process");
        drop(Lock::acquire(path.clone()).unwrap());
        std::fs::write(&path, "").unwrap();
        assert!(
            !holder_gone(&path),
            "a fresh lock without an id may be a run starting"
        );
    }

    #[test]
    fn the_summary_line_and_the_failed_lints_are_read() {
        let text = "     Checked [   0.1s] 250 checks: 248 pass, 2 fail, 0 warn, 0 skip\n\n\
            --- failure enum_variant_missing: pub enum variant removed or renamed ---\n\n\
            --- failure inherent_method_missing: pub method removed or renamed ---\n\n\
                 Summary semver requires new major version: 2 major and 0 minor checks failed\n";
        assert_eq!(parse_summary(text), Some(Level::Major));
        assert_eq!(
            parse_lints(text),
            ["enum_variant_missing", "inherent_method_missing"]
        );
        assert_eq!(
            parse_summary("     Summary no semver update required\n"),
            Some(Level::None)
        );
        assert_eq!(parse_summary("error: something else"), None);
    }
}

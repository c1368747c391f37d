//! `cargo xtask update-spec [--release R] NEW`: what a maintainer runs when Flatpeak publishes
//! a change of a release. Runs the gate on the bundled cassettes as things stand; replaces the
//! release's source with NEW (its upstream document, `openapi/upstream/<R>.json`, when it has
//! one, re-applying the overlay and listing every action that no longer applies; else its spec
//! written from the pages); regenerates; diffs the release's previous spec against the new one;
//! runs the gate again; and prints one summary: the stale overlay actions, the changes by
//! class, semver advice, the cassettes that now fail and why, and a CHANGELOG entry draft.
//! Nothing is committed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::diff::report::{self, Report};
use crate::diff::source;
use crate::generate::overlay;

/// Arguments of `cargo xtask update-spec`.
#[derive(clap::Args)]
pub struct Args {
    /// The release NEW is a document of [default: the default of openapi/releases.toml].
    #[arg(long)]
    release: Option<String>,
    /// The new document (YAML or JSON): Flatpeak's new OpenAPI document of the release, which
    /// replaces its vendored copy as it is (the overlay is applied to it); for a release
    /// written from the pages, its new spec.
    new: PathBuf,
    /// Also write the summary as Markdown to this file (for the pull request).
    #[arg(long)]
    output: Option<PathBuf>,
}

/// One finding of the gate's JSON report, as far as the summary needs it.
#[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct GateFinding {
    file: String,
    interaction: Option<usize>,
    severity: String,
    kind: String,
    pointer: String,
    message: String,
}

#[derive(Debug, Deserialize)]
struct GateReport {
    findings: Vec<GateFinding>,
}

/// Runs the workflow. Exit code 0: nothing breaks and every cassette still passes; 1:
/// something breaks or a cassette now fails; 2: a step could not run.
pub fn run(args: Args) -> Result<ExitCode> {
    let root = crate::workspace::root();
    let catalogue = spec_model::releases::Catalogue::load(&root)?;
    let release = match &args.release {
        Some(name) => catalogue.get(name).with_context(|| {
            format!("release `{name}` is not in {}", spec_model::releases::PATH)
        })?,
        None => catalogue.default(),
    };
    let spec_label = crate::generate::spec_label(&release.spec, &root);
    let new_arg = args.new.to_string_lossy().into_owned();
    let mut old = source::load(&release.spec.to_string_lossy())?;
    old.label = format!("{spec_label} (before)");
    eprintln!("update-spec: the gate on the bundled cassettes, before ...");
    let before = gate(&root)?;
    let (new_text, stale) = replace_source(&root, release, &args.new)?;
    let new = source::from_text(&format!("{spec_label} (from {new_arg})"), new_text)?;
    let report = crate::diff::compare(&old, &new)?;
    eprintln!(
        "update-spec: release `{}` takes {new_arg}; regenerating ...",
        release.name
    );
    let after = regenerate().and_then(|()| {
        eprintln!("update-spec: the gate on the bundled cassettes, after ...");
        gate(&root)
    });
    let failing = after.map(|after| newly_failing(&before, &after));
    let mut summary = stale_actions(release, &stale);
    summary.push_str(&summarise(&report, failing.as_ref()));
    print!("{summary}");
    if let Some(path) = &args.output {
        std::fs::write(path, &summary)
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    let breaking = report.summary.client_breaking + report.summary.wire_breaking > 0;
    Ok(match failing {
        Err(_) => ExitCode::from(2),
        Ok(f) if breaking || !f.is_empty() => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
    })
}

/// Puts `new` in the place of `release`'s source and writes its spec: the spec's text, and the
/// overlay's actions that no longer apply (the spec is written without them; `generate`
/// refuses it until the overlay is mended).
fn replace_source(
    root: &Path,
    release: &spec_model::releases::Release,
    new: &Path,
) -> Result<(String, Vec<overlay::Site>)> {
    let text =
        std::fs::read_to_string(new).with_context(|| format!("{}: cannot read", new.display()))?;
    let (Some(upstream), Some(overlay_path)) = (&release.upstream, &release.overlay) else {
        std::fs::write(&release.spec, &text)
            .with_context(|| format!("{}: cannot write", release.spec.display()))?;
        return Ok((text, Vec::new()));
    };
    std::fs::write(upstream, &text)
        .with_context(|| format!("{}: cannot write", upstream.display()))?;
    let applied = overlay::apply(upstream, overlay_path)?;
    let spec = overlay::to_yaml(
        &applied.document,
        &crate::generate::release_spec::header(root, upstream, overlay_path),
    )?;
    std::fs::write(&release.spec, &spec)
        .with_context(|| format!("{}: cannot write", release.spec.display()))?;
    Ok((spec, applied.stale))
}

/// The summary's section on the overlay's actions that no longer apply, if any.
fn stale_actions(release: &spec_model::releases::Release, stale: &[overlay::Site]) -> String {
    if stale.is_empty() {
        return String::new();
    }
    let overlay = release
        .overlay
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut out = format!(
        "## Overlay actions that no longer apply ({})

Each matches nothing in the new \
         document: reread its decision, then change or remove the action.

",
        stale.len()
    );
    for site in stale {
        let _ = writeln!(out, "- {overlay}{site}");
    }
    out.push('\n');
    out
}

/// `cargo xtask generate`, in this process, with its defaults.
fn regenerate() -> Result<()> {
    /// `generate`'s arguments, read as its command line would be.
    #[derive(clap::Parser)]
    struct Generate {
        #[command(flatten)]
        args: crate::generate::Args,
    }
    let Generate { args } =
        clap::Parser::try_parse_from(["generate"]).context("the arguments of `generate`")?;
    crate::generate::run(args).context("generation failed for the new spec")?;
    Ok(())
}

/// The gate's error findings on the bundled cassettes. A client that no longer compiles is
/// an error naming the compiler's first error.
fn gate(root: &Path) -> Result<Vec<GateFinding>> {
    let out_file =
        std::env::temp_dir().join(format!("xtask-update-spec-{}.json", std::process::id()));
    // The debug build: the regenerated client is rebuilt, and an optimised rebuild of it
    // takes minutes where the bundled set takes a second either way.
    let out = crate::conformance::gate_command("dev")
        .args(["--format", "json", "--output"])
        .arg(&out_file)
        .current_dir(root)
        .output()
        .context("cannot run the gate")?;
    if !matches!(out.status.code(), Some(0 | 1)) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .take(5)
            .collect();
        bail!(
            "the gate could not run ({}): {}",
            out.status,
            if first.is_empty() {
                stderr.trim().to_string()
            } else {
                first.join("; ")
            }
        );
    }
    let text = std::fs::read_to_string(&out_file)
        .with_context(|| format!("{}: cannot read the gate's report", out_file.display()))?;
    let _ = std::fs::remove_file(&out_file);
    let report: GateReport = serde_json::from_str(&text).context("the gate's JSON report")?;
    Ok(report
        .findings
        .into_iter()
        .filter(|f| f.severity == "error")
        .collect())
}

/// New errors of the gate, by cassette.
type Failing = BTreeMap<String, Vec<GateFinding>>;

/// Errors after that were not there before, by cassette.
fn newly_failing(before: &[GateFinding], after: &[GateFinding]) -> Failing {
    let key = |f: &GateFinding| {
        (
            f.file.clone(),
            f.interaction,
            f.kind.clone(),
            f.pointer.clone(),
        )
    };
    let old: Vec<_> = before.iter().map(key).collect();
    let mut out = Failing::new();
    for f in after.iter().filter(|f| !old.contains(&key(f))) {
        out.entry(f.file.clone()).or_default().push(f.clone());
    }
    out
}

/// The one summary: changes by class, advice, failing cassettes, CHANGELOG draft.
fn summarise(report: &Report, failing: Result<&Failing, &anyhow::Error>) -> String {
    let mut out = format!(
        "# Spec update: {} -> {}\n\nNothing is committed: review `git diff`, then commit.\n\n{}\n",
        report.old,
        report.new,
        report.headline()
    );
    // Every breaking change is listed; compatible ones are counted by kind.
    for (title, keep) in &report::CLASSES[..2] {
        let lines: Vec<String> = report
            .changes
            .iter()
            .filter(|c| keep(c))
            .map(|c| format!("- `{}`: {}", c.change, c.message))
            .collect();
        if !lines.is_empty() {
            let _ = write!(
                out,
                "\n## {title} ({})\n\n{}\n",
                lines.len(),
                lines.join("\n")
            );
        }
    }
    compatible_counts(report, &mut out);
    let _ = write!(out, "\n## Semver\n\n{}\n", report.advice);
    cassettes(failing, &mut out);
    out.push_str(&report::changelog(report));
    out
}

fn compatible_counts(report: &Report, out: &mut String) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in report.changes.iter().filter(|c| (report::CLASSES[2].1)(c)) {
        *counts.entry(c.change.as_str()).or_default() += 1;
    }
    if !counts.is_empty() {
        let list: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = write!(out, "\n## Compatible\n\n{}\n", list.join(", "));
    }
}

fn cassettes(failing: Result<&Failing, &anyhow::Error>, out: &mut String) {
    out.push_str("\n## Bundled cassettes\n\n");
    let failing = match failing {
        Ok(failing) => failing,
        Err(e) => {
            let _ = writeln!(
                out,
                "Not checked: {e:#}\n\n`git checkout openapi/` puts the old spec back."
            );
            return;
        }
    };
    if failing.is_empty() {
        out.push_str("No cassette fails that passed before.\n");
        return;
    }
    let _ = writeln!(out, "{} cassettes now fail:\n", failing.len());
    for (file, findings) in failing {
        let _ = writeln!(out, "- `{file}`: {} new errors", findings.len());
        for f in findings.iter().take(3) {
            let _ = writeln!(
                out,
                "  - {} at `{}`: {}",
                f.kind,
                f.pointer,
                clip(&f.message)
            );
        }
        if findings.len() > 3 {
            let _ = writeln!(out, "  - and {} more", findings.len() - 3);
        }
    }
}

/// A finding's message, cut to a line's length (a schema finding quotes the whole value).
fn clip(message: &str) -> String {
    match message.char_indices().nth(160) {
        Some((at, _)) => format!("{}...", &message[..at]),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::classify::{Change, Effect, Level};

    fn finding(file: &str, kind: &str) -> GateFinding {
        GateFinding {
            file: file.into(),
            interaction: Some(0),
            severity: "error".into(),
            kind: kind.into(),
            pointer: "/status".into(),
            message: "not in the enum".into(),
        }
    }

    #[test]
    fn the_summary_lists_classes_advice_new_failures_and_a_changelog() {
        let change = Change {
            operation: Some("retrieve_device".into()),
            operations: vec!["retrieve_device".into()],
            pointer: "/components/schemas/Device/properties/timezone".into(),
            change: "response-field-removed".into(),
            side: "response",
            client: Effect::Breaking,
            wire: Effect::Breaking,
            semver: Level::Major,
            message: "`Device.timezone`: required field removed".into(),
            compiler_visible: true,
        };
        let report = Report::new("old.yaml".into(), "new.yaml".into(), vec![change], "0.1.0");
        let before = vec![finding("a.yaml", "schema")];
        let after = vec![
            finding("a.yaml", "schema"),
            finding("b.yaml", "unknown-enum-value"),
        ];
        let failing = newly_failing(&before, &after);
        assert_eq!(failing.keys().collect::<Vec<_>>(), ["b.yaml"]);
        let text = summarise(&report, Ok(&failing));
        for expected in [
            "## Breaking for code using the crate (1)",
            "- `response-field-removed`: `Device.timezone`: required field removed",
            "before 1.0 is a minor bump of 0.x (0.1.0 -> 0.2.0)",
            "1 cassettes now fail",
            "- `b.yaml`: 1 new errors",
            "## [0.2.0]",
        ] {
            assert!(text.contains(expected), "{expected}\nnot in\n{text}");
        }
    }
}

//! The report of a spec diff: the classified changes, the semver advice for the `flatpeak`
//! crate, counts, what `--verify` found; written as text, JSON or Markdown (for a pull request,
//! with a CHANGELOG entry draft).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

use serde::Serialize;

use super::classify::{Change, Effect, Level};

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The old spec, as given.
    pub old: String,
    /// The new spec, as given.
    pub new: String,
    /// The bump the `flatpeak` crate's version needs, by the rules for its version (before
    /// 1.0, a breaking change is a minor bump of `0.x`).
    pub semver: Level,
    /// The bump under post-1.0 rules: what the changes are.
    pub level: Level,
    /// The crate's version and the next one.
    pub version: Version,
    /// The advice in words.
    pub advice: String,
    /// Counts.
    pub summary: Summary,
    /// Every change.
    pub changes: Vec<Change>,
    /// What cargo-semver-checks said, with `--verify`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<Verification>,
    /// Disagreements and other errors: each fails the run.
    pub errors: Vec<String>,
}

/// The crate's version now and after the advised bump.
#[derive(Debug, Serialize)]
pub struct Version {
    /// From `crates/flatpeak/Cargo.toml`.
    pub current: String,
    /// After the bump.
    pub next: String,
}

/// Counts of changes.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// All changes.
    pub changes: usize,
    /// Changes that break code written against the old crate.
    pub client_breaking: usize,
    /// Changes that break binaries built from the old crate.
    pub wire_breaking: usize,
    /// Changes that break neither.
    pub compatible: usize,
    /// Changes by kind.
    pub by_change: BTreeMap<String, usize>,
}

/// What cargo-semver-checks said about the crates generated for both specs.
#[derive(Debug, Serialize)]
pub struct Verification {
    /// The bump it requires (`major`, `minor` or `none`).
    pub required: Level,
    /// The lints that failed.
    pub lints: Vec<String>,
    /// Whether it agrees with the spec-level classification.
    pub agrees: bool,
    /// What was compared, in words.
    pub note: String,
}

impl Report {
    /// A report of `changes` between `old` and `new`, for a crate at version `current`.
    pub fn new(old: String, new: String, changes: Vec<Change>, current: &str) -> Report {
        let level = changes
            .iter()
            .map(|c| c.semver)
            .max()
            .unwrap_or(Level::None);
        let mut report = Report {
            old,
            new,
            semver: Level::None,
            level,
            version: Version {
                current: current.to_string(),
                next: current.to_string(),
            },
            advice: String::new(),
            summary: summary(&changes),
            changes,
            verify: None,
            errors: Vec::new(),
        };
        report.set_level(level);
        report
    }

    /// Sets the post-1.0 level, and the bump and advice that follow from it.
    pub fn set_level(&mut self, level: Level) {
        self.level = level;
        let (bump, next, advice) = advice(level, &self.version.current);
        self.semver = bump;
        self.version.next = next;
        self.advice = advice;
    }

    /// 0: nothing breaks; 1: something breaks, or an error (a disagreement) was found.
    pub fn exit_code(&self) -> ExitCode {
        let breaking = self.summary.client_breaking + self.summary.wire_breaking > 0;
        if breaking || !self.errors.is_empty() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }

    /// One line: counts and the advice.
    pub fn headline(&self) -> String {
        let s = &self.summary;
        format!(
            "{} changes: {} break code using the crate, {} break deployed binaries, {} compatible; semver: {}",
            s.changes, s.client_breaking, s.wire_breaking, s.compatible, self.advice
        )
    }
}

fn summary(changes: &[Change]) -> Summary {
    let mut s = Summary {
        changes: changes.len(),
        ..Summary::default()
    };
    for c in changes {
        s.client_breaking += usize::from(c.client == Effect::Breaking);
        s.wire_breaking += usize::from(c.wire == Effect::Breaking);
        s.compatible += usize::from(c.client == Effect::Compatible && c.wire == Effect::Compatible);
        *s.by_change.entry(c.change.clone()).or_default() += 1;
    }
    s
}

/// The bump for a crate at `current` given the post-1.0 `level`, the next version, and the
/// advice in words. Before 1.0, Cargo reads `0.y` as the major version: a breaking change bumps
/// `y`, anything else `z`.
pub fn advice(level: Level, current: &str) -> (Level, String, String) {
    let mut parts = current
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or(0))
        .chain(std::iter::repeat(0));
    let (major, minor, patch) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    let pre = major == 0;
    let bump = match (pre, level) {
        (true, Level::Major) => Level::Minor,
        (true, Level::Minor) => Level::Patch,
        (_, other) => other,
    };
    let next = match bump {
        Level::Major => format!("{}.0.0", major + 1),
        Level::Minor => format!("{major}.{}.0", minor + 1),
        Level::Patch => format!("{major}.{minor}.{}", patch + 1),
        Level::None => current.to_string(),
    };
    let what = match level {
        Level::Major => "breaking changes for code using the crate: a major change",
        Level::Minor => "additions only: a minor change",
        Level::Patch => "no change to the crate's API: a patch",
        Level::None => return (bump, next, "no change: no release needed".into()),
    };
    let advice = if pre && bump != level {
        format!(
            "{what}, which before 1.0 is a {} bump of 0.x ({current} -> {next})",
            bump.as_str()
        )
    } else {
        format!("{what} ({current} -> {next})")
    };
    (bump, next, advice)
}

/// The report as JSON.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The report as text: a headline, then each change with its columns and message.
pub fn text(report: &Report) -> String {
    let mut out = format!(
        "spec diff: {} -> {}\n{}\n",
        report.old,
        report.new,
        report.headline()
    );
    if !report.changes.is_empty() {
        let _ = writeln!(out, "\n{:<11}{:<11}change / where", "client", "wire");
    }
    for c in ordered(&report.changes) {
        let _ = writeln!(
            out,
            "{:<11}{:<11}{}  #{}\n{:22}{}",
            effect(c.client),
            effect(c.wire),
            c.change,
            c.pointer,
            "",
            c.message
        );
    }
    verification_text(report, &mut out);
    out
}

fn verification_text(report: &Report, out: &mut String) {
    if let Some(v) = &report.verify {
        let _ = writeln!(
            out,
            "\ncargo-semver-checks: requires {} ({}); {}",
            v.required.as_str(),
            if v.lints.is_empty() {
                "no lint failed".to_string()
            } else {
                v.lints.join(", ")
            },
            if v.agrees { "agrees" } else { "DISAGREES" }
        );
        let _ = writeln!(out, "  {}", v.note);
    }
    for e in &report.errors {
        let _ = writeln!(out, "error: {e}");
    }
}

fn effect(e: Effect) -> &'static str {
    match e {
        Effect::Breaking => "BREAKING",
        Effect::Compatible => "ok",
    }
}

/// Changes breaking code first, then those breaking binaries, then the rest; in order of
/// discovery within each.
fn ordered(changes: &[Change]) -> Vec<&Change> {
    let mut out: Vec<&Change> = changes.iter().collect();
    out.sort_by_key(|c| (std::cmp::Reverse(c.client), std::cmp::Reverse(c.wire)));
    out
}

/// A heading and the changes it holds.
pub type Class = (&'static str, fn(&Change) -> bool);

/// The three classes of change, as reports group them.
pub const CLASSES: [Class; 3] = [
    ("Breaking for code using the crate", breaks_code),
    (
        "Breaking for deployed binaries (code still compiles)",
        breaks_binaries_only,
    ),
    ("Compatible", compatible),
];

fn breaks_code(c: &Change) -> bool {
    c.client == Effect::Breaking
}

fn breaks_binaries_only(c: &Change) -> bool {
    c.client == Effect::Compatible && c.wire == Effect::Breaking
}

fn compatible(c: &Change) -> bool {
    c.client == Effect::Compatible && c.wire == Effect::Compatible
}

/// The report as Markdown for a pull request: the advice, a table per class, and a CHANGELOG
/// entry draft.
pub fn markdown(report: &Report) -> String {
    let mut out = format!(
        "## API spec changes\n\n`{}` → `{}`\n\n**Semver:** {}\n\n{}\n",
        report.old,
        report.new,
        report.advice,
        report.headline()
    );
    for (title, keep) in CLASSES {
        let rows: Vec<&Change> = report.changes.iter().filter(|c| keep(c)).collect();
        if !rows.is_empty() {
            table(&mut out, title, &rows);
        }
    }
    let mut verify = String::new();
    verification_text(report, &mut verify);
    if !verify.is_empty() {
        let _ = write!(
            out,
            "\n### Verification\n\n```\n{}```\n",
            verify.trim_start()
        );
    }
    out.push_str(&changelog(report));
    out
}

fn table(out: &mut String, title: &str, rows: &[&Change]) {
    let _ = write!(
        out,
        "\n### {title} ({})\n\n| change | operation | client | wire | what | where |\n| --- | --- | --- | --- | --- | --- |\n",
        rows.len()
    );
    for c in rows {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | `{}` |",
            c.change,
            c.operation
                .as_deref()
                .map_or("(shared)".to_string(), |o| format!("`{o}`")),
            effect(c.client),
            effect(c.wire),
            cell(&c.message),
            cell(&c.pointer)
        );
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// A CHANGELOG entry draft: breaking changes, additions, other changes; documentation-only
/// changes counted in one line.
pub fn changelog(report: &Report) -> String {
    let mut out = format!("\n### CHANGELOG draft\n\n## [{}]\n", report.version.next);
    let sections: [Class; 4] = [
        ("Breaking", breaks_code),
        (
            "Breaking on the wire for binaries built from earlier versions",
            breaks_binaries_only,
        ),
        ("Added", |c| compatible(c) && c.semver == Level::Minor),
        ("Changed", |c| {
            compatible(c) && c.semver == Level::Patch && !is_documentation(c)
        }),
    ];
    for (title, keep) in sections {
        let lines: Vec<String> = report
            .changes
            .iter()
            .filter(|c| keep(c))
            .map(|c| format!("- {}", c.message))
            .collect();
        if !lines.is_empty() {
            let _ = write!(out, "\n### {title}\n\n{}\n", lines.join("\n"));
        }
    }
    let docs = report
        .changes
        .iter()
        .filter(|c| is_documentation(c))
        .count();
    if docs > 0 {
        let _ = write!(
            out,
            "\n### Documentation\n\n- {docs} descriptions, examples or other documentation updated from the spec\n"
        );
    }
    out
}

fn is_documentation(c: &Change) -> bool {
    c.change == "description-changed" || c.change == "documentation-changed"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_1_0_a_breaking_change_is_a_minor_bump_and_says_so() {
        let (bump, next, words) = advice(Level::Major, "0.1.0");
        assert_eq!((bump, next.as_str()), (Level::Minor, "0.2.0"));
        assert!(
            words.contains("before 1.0 is a minor bump of 0.x (0.1.0 -> 0.2.0)"),
            "{words}"
        );
        assert_eq!(advice(Level::Minor, "0.1.0").0, Level::Patch);
        assert_eq!(advice(Level::Major, "1.2.3").1, "2.0.0");
        assert_eq!(advice(Level::Minor, "1.2.3").1, "1.3.0");
        assert_eq!(advice(Level::None, "0.1.0").0, Level::None);
    }
}

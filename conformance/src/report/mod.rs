//! Writing a [`Report`]: one writer per format.

mod json;
mod junit;
mod sarif;
mod text;

use crate::model::{Finding, Report};

/// The formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a person: grouped by file, one line per finding, a summary line.
    Text,
    /// One JSON object: `summary` and `findings`.
    Json,
    /// JUnit XML, one test case per interaction, for CI dashboards.
    Junit,
    /// SARIF 2.1.0, for GitHub code scanning and other review tools: a result per finding,
    /// waived ones suppressed, coverage gaps as notes.
    Sarif,
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text::render(report),
        Format::Json => json::render(report),
        Format::Junit => junit::render(report),
        Format::Sarif => sarif::render(report),
    }
}

/// One finding on one line (without its file), shared by the text and JUnit writers.
fn line(f: &Finding) -> String {
    let interaction = f.interaction.map(|i| format!("#{i} ")).unwrap_or_default();
    let operation = f
        .operation
        .as_deref()
        .map(|o| format!("{o} "))
        .unwrap_or_default();
    let pointer = match f.pointer.as_str() {
        "" => String::new(),
        p => format!(" at {p}"),
    };
    let severity = serde_json::to_value(f.severity)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let mut line = format!(
        "{interaction}{operation}{severity} {}{pointer}: {}",
        f.kind.name(),
        f.message
    );
    // Expected and found are in the message already for most checks; repeat them only when
    // they add something.
    if !f.found.is_empty() && !f.message.contains(&f.found) {
        line.push_str(&format!(" [expected {}; found {}]", f.expected, f.found));
    }
    if let Some(reason) = &f.waiver {
        line.push_str(&format!(" (waived: {reason})"));
    }
    line
}

/// `3 files, 12 interactions, 60 checks: 0 errors, 1 warning, 1 waived`.
fn summary_line(report: &Report) -> String {
    let s = report.summary;
    let verdict = if report.summary.checks == 0 {
        "ran no checks"
    } else if report.conforms() {
        "conforms"
    } else {
        "does not conform"
    };
    let skipped = match s.skipped {
        0 => String::new(),
        n => format!("; skipped {n} interactions to other hosts"),
    };
    format!(
        "{verdict}: {} files, {} interactions, {} checks: {} errors, {} warnings, {} waived{skipped}",
        s.files, s.interactions, s.checks, s.errors, s.warnings, s.waived
    )
}

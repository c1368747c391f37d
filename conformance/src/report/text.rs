//! The report for a person: findings grouped by file, what the recordings covered, then a
//! summary line. A file's name and each finding's line quote what a cassette held, so each is
//! made [`terminal_safe`]: an ESC sequence or a newline in a recorded header or a file's name
//! neither drives the terminal nor forges a line.

use flatpeak_redact::terminal_safe;

use super::{line, summary_line};
use crate::coverage::Coverage;
use crate::model::Report;

/// How many gaps a coverage line names before it says how many more there are.
const NAMED: usize = 12;

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for finding in &report.findings {
        if current != Some(finding.file.as_str()) {
            out.push_str(&terminal_safe(&finding.file));
            out.push('\n');
            current = Some(&finding.file);
        }
        out.push_str("  ");
        out.push_str(&terminal_safe(&line(finding)));
        out.push('\n');
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    for c in &report.coverage {
        out.push_str(&coverage(c));
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

/// `coverage: 38 of 38 operations, ...` and a line for each kind of gap.
fn coverage(c: &Coverage) -> String {
    let (ops, all_ops) = c.operations_seen();
    let (statuses, all_statuses) = c.statuses_seen();
    let (values, all_values) = c.enum_values_seen();
    let mut out = format!(
        "coverage of {}: {ops} of {all_ops} operations, {statuses} of {all_statuses} documented \
         statuses, {values} of {all_values} response enum values\n",
        c.release
    );
    let unexercised: Vec<String> = c
        .operations
        .iter()
        .filter(|o| o.interactions == 0)
        .map(|o| o.operation.clone())
        .collect();
    let statuses: Vec<String> = c
        .operations
        .iter()
        .filter(|o| o.interactions > 0)
        .filter_map(|o| {
            let missing = o.statuses_missed();
            (!missing.is_empty()).then(|| format!("{} {}", o.operation, missing.join(" ")))
        })
        .collect();
    let values: Vec<String> = c
        .enums
        .iter()
        .filter_map(|e| {
            let unseen: Vec<&str> = e
                .values_unseen()
                .into_iter()
                .map(|v| if v.is_empty() { "\"\"" } else { v })
                .collect();
            (!unseen.is_empty()).then(|| format!("{} {}", enum_name(&e.schema), unseen.join(" ")))
        })
        .collect();
    for (label, gaps) in [
        ("operations not exercised", unexercised),
        ("statuses not exercised", statuses),
        ("enum values not seen", values),
    ] {
        if !gaps.is_empty() {
            out.push_str(&format!("  {label}: {}\n", named(&gaps)));
        }
    }
    out
}

/// The first [`NAMED`] items, and how many more.
fn named(items: &[String]) -> String {
    let shown = items[..items.len().min(NAMED)].join("; ");
    match items.len().saturating_sub(NAMED) {
        0 => shown,
        more => format!("{shown}; and {more} more"),
    }
}

/// A short name for the enum schema at `pointer`: `Direction` for a component,
/// `TariffElement.object` for a property of one.
fn enum_name(pointer: &str) -> String {
    let name = pointer
        .strip_prefix("/components/schemas/")
        .unwrap_or(pointer);
    crate::spec::unescape(&name.replace("/properties/", "."))
}

//! The report for a person: findings grouped by file, then a summary line.

use super::{line, summary_line};
use crate::model::Report;

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for finding in &report.findings {
        if current != Some(finding.file.as_str()) {
            out.push_str(&finding.file);
            out.push('\n');
            current = Some(&finding.file);
        }
        out.push_str("  ");
        out.push_str(&line(finding));
        out.push('\n');
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

//! The report as one JSON object: `summary`, `findings` and `coverage` (one entry per release
//! the recordings were served by).

use serde::Serialize;

use crate::coverage::Coverage;
use crate::model::{Finding, Report, Summary};

#[derive(Serialize)]
struct Document<'r> {
    summary: Summary,
    findings: &'r [Finding],
    coverage: &'r [Coverage],
}

pub(super) fn render(report: &Report) -> String {
    let document = Document {
        summary: report.summary,
        findings: &report.findings,
        coverage: &report.coverage,
    };
    // Plain data of strings and numbers: serialising it cannot fail.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

//! The report as one JSON object: `summary` and `findings`.

use serde::Serialize;

use crate::model::{Finding, Report, Summary};

#[derive(Serialize)]
struct Document<'r> {
    summary: Summary,
    findings: &'r [Finding],
}

pub(super) fn render(report: &Report) -> String {
    let document = Document {
        summary: report.summary,
        findings: &report.findings,
    };
    // Plain data of strings and numbers: serialising it cannot fail.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

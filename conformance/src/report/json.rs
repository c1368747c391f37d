//! The report as one JSON object: `summary`, `findings` and `coverage` (one entry per release
//! the recordings were served by).

use std::io::{self, Write};

use serde::Serialize;

use crate::coverage::Coverage;
use crate::model::{Finding, Report, Summary};

#[derive(Serialize)]
struct Document<'r> {
    summary: Summary,
    findings: &'r [Finding],
    coverage: &'r [Coverage],
}

fn document(report: &Report) -> Document<'_> {
    Document {
        summary: report.summary,
        findings: &report.findings,
        coverage: &report.coverage,
    }
}

pub(super) fn render(report: &Report) -> String {
    // Plain data of strings and numbers: serialising it cannot fail.
    let mut text = serde_json::to_string_pretty(&document(report)).unwrap_or_default();
    text.push('\n');
    text
}

/// Streams what [`render`] returns into `out`, never holding the whole text in memory.
pub(super) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(report))?;
    out.write_all(b"\n")
}

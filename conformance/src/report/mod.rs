//! Writing a [`Report`]: one writer per format.

mod json;
mod junit;
mod sarif;
mod text;

use std::io::{self, BufWriter, Write};

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

/// Writes `report` in `format` to `out`, as [`render`] returns it. The JSON report is streamed
/// rather than rendered whole first, so a large one (13 MB for 10,000 unscrubbed recordings
/// with three findings each) is never held whole in memory beside the report it is made from.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use conformance::report::{Format, write};
///
/// let config = conformance::Config::for_workspace(
///     vec!["conformance/cassettes".into()],
///     std::path::Path::new("."),
/// )?;
/// let report = conformance::run(&config).await?;
/// write(&report, Format::Json, std::fs::File::create("gate.json")?)?;
/// # Ok(())
/// # }
/// ```
pub fn write(report: &Report, format: Format, out: impl Write) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    match format {
        Format::Json => json::write(report, &mut out)?,
        Format::Text | Format::Junit | Format::Sarif => {
            out.write_all(render(report, format).as_bytes())?;
        }
    }
    out.flush()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Interaction, Kind, Site, Summary};

    #[test]
    fn a_written_report_is_the_rendered_one_in_every_format() {
        let interaction = Interaction::sample(3);
        let site = Site {
            interaction: &interaction,
            operation: Some("retrieve_device"),
        };
        let findings = (0..200)
            .map(|i| {
                Finding::at(site, Kind::Schema, format!("/items/{i}/name"))
                    .expected("a string", format!("{i}"))
                    .message(format!("\"quoted\" é\\ {i}\n"))
            })
            .collect();
        let mut report = Report {
            summary: Summary::default(),
            findings,
            interactions: Vec::new(),
            coverage: Vec::new(),
        };
        report.recount();
        for format in [Format::Text, Format::Json, Format::Junit, Format::Sarif] {
            let mut out = Vec::new();
            write(&report, format, &mut out).unwrap();
            let rendered = render(&report, format);
            // JUnit lists interactions (none here), the others every finding.
            if format != Format::Junit {
                assert!(rendered.contains("/items/199/name"), "{format:?}");
            }
            assert_eq!(String::from_utf8(out).unwrap(), rendered, "{format:?}");
        }
    }

    #[test]
    fn a_sink_that_refuses_the_report_is_an_error() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let report = Report {
            summary: Summary::default(),
            findings: Vec::new(),
            interactions: Vec::new(),
            coverage: Vec::new(),
        };
        for format in [Format::Text, Format::Json] {
            let error = write(&report, format, Full).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::StorageFull, "{format:?}");
        }
    }
}

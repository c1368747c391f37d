//! SARIF 2.1.0, for GitHub code scanning and other CI review tools: one run for the gate, one
//! rule per kind of finding, one result per finding located at its cassette (and the line of
//! its interaction, when the reader knows it), waived findings as suppressed results, and what
//! the recordings did not cover as notes.
//!
//! GitHub code scanning ignores `suppressions`: it shows a waived finding as an open alert
//! (of level `note`). A run holds at most [`MAX_RESULTS`] results, GitHub's limit.

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Suppression, Tool,
    ToolComponent,
};

use crate::coverage::Coverage;
use crate::model::{Finding, Kind, Report, Severity};

/// The most results one run holds: GitHub code scanning takes no more.
pub const MAX_RESULTS: usize = 25_000;

/// The SARIF rule of coverage notes (the coverage rule is for `--require-coverage` errors).
const COVERAGE_NOTE: &str = "coverage-note";

pub(super) fn render(report: &Report) -> String {
    let mut results: Vec<SarifResult> = report.findings.iter().map(result).collect();
    results.extend(report.coverage.iter().flat_map(coverage_notes));
    let left_out = results.len().saturating_sub(MAX_RESULTS);
    results.truncate(MAX_RESULTS);
    let run = Run::builder()
        .tool(tool())
        .results(results)
        .properties(properties(report, left_out))
        .build();
    let sarif = Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    // Plain data of strings and numbers: serialising it cannot fail.
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}

fn tool() -> Tool {
    let mut rules: Vec<ReportingDescriptor> = Kind::all()
        .map(|kind| rule(kind.name(), kind.summary(), kind.help()))
        .collect();
    rules.push(rule(
        COVERAGE_NOTE,
        "An operation, status or enum value the recordings did not exercise.",
        "What the cassettes leave untested of the spec. Run with --require-coverage \
         operations or statuses to make a gap fail the gate.",
    ));
    let driver = ToolComponent::builder()
        .name("flatpeak-conformance")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/oxidecomputer/progenitor")
        .rules(rules)
        .build();
    Tool::builder().driver(driver).build()
}

fn rule(id: &str, summary: &str, help: &str) -> ReportingDescriptor {
    let text = |t: &str| MultiformatMessageString::builder().text(t).build();
    ReportingDescriptor::builder()
        .id(id)
        .name(id)
        .short_description(text(summary))
        .full_description(text(help))
        .help(text(help))
        .build()
}

fn result(f: &Finding) -> SarifResult {
    let level = match f.severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Waived => ResultLevel::Note,
    };
    let mut text = f.message.clone();
    if !f.pointer.is_empty() {
        text = format!("{text} (at `{}`)", f.pointer);
    }
    if let Some(op) = &f.operation {
        text = format!("{op}: {text}");
    }
    let mut result = SarifResult::builder()
        .rule_id(f.kind.name())
        .level(level)
        .message(Message::builder().text(text).build())
        .locations(vec![location(&f.file, f.line)])
        .partial_fingerprints(
            [("primaryLocationLineHash".to_string(), fingerprint(f))]
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        .build();
    if let Some(reason) = &f.waiver {
        result.suppressions = Some(vec![
            Suppression::builder()
                .kind(json!("external"))
                .justification(reason.clone())
                .build(),
        ]);
    }
    result
}

/// The cassette, and the line of the interaction when known.
fn location(file: &str, line: Option<usize>) -> Location {
    let artifact = ArtifactLocation::builder().uri(uri(file)).build();
    let mut physical = PhysicalLocation::builder()
        .artifact_location(artifact)
        .build();
    if let Some(line) = line.and_then(|l| i64::try_from(l).ok()) {
        physical.region = Some(Region::builder().start_line(line).build());
    }
    Location::builder().physical_location(physical).build()
}

/// A file name as a URI reference: relative paths stay relative (GitHub resolves them from the
/// repository's root), absolute ones become `file://` URLs, and so does a relative path that
/// climbs out of the directory the gate ran in (`../recordings/x.json`, as from a submodule):
/// it means nothing to a reader that does not know where the gate ran.
fn uri(file: &str) -> String {
    let path = std::path::Path::new(file);
    let climbs = path
        .components()
        .any(|c| c == std::path::Component::ParentDir);
    let absolute = match (path.is_absolute(), climbs) {
        (true, _) => Some(path.to_path_buf()),
        (false, true) => std::env::current_dir()
            .ok()
            .map(|dir| lexical(&dir.join(path))),
        (false, false) => None,
    };
    if let Some(url) = absolute.and_then(|p| url::Url::from_file_path(p).ok()) {
        return url.to_string();
    }
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(file, KEEP).to_string()
}

/// `path` with its `.` and `..` components resolved without the file system.
fn lexical(path: &std::path::Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A stable fingerprint of where and what a finding is, so that a finding seen again is the
/// same alert: FNV-1a of file, interaction, kind and pointer.
fn fingerprint(f: &Finding) -> String {
    let key = format!(
        "{}\u{0}{:?}\u{0}{}\u{0}{}",
        f.file,
        f.interaction,
        f.kind.name(),
        f.pointer
    );
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// What the recordings did not exercise, as notes: one per operation (its statuses not
/// exercised listed together) and one per enum (its values not seen listed together), so that
/// a code-scanning page shows a gap once rather than a note per status and value.
fn coverage_notes(c: &Coverage) -> Vec<SarifResult> {
    let mut notes = Vec::new();
    let mut note = |text: String| {
        notes.push(
            SarifResult::builder()
                .rule_id(COVERAGE_NOTE)
                .level(ResultLevel::Note)
                .message(
                    Message::builder()
                        .text(format!("release {}: {text}", c.release))
                        .build(),
                )
                .locations(vec![location(&c.spec, None)])
                .build(),
        );
    };
    for op in &c.operations {
        if op.interactions == 0 {
            note(format!(
                "`{}` ({} {}) was not exercised",
                op.operation, op.method, op.path
            ));
            continue;
        }
        let missed = op.statuses_missed();
        if !missed.is_empty() {
            let (noun, list) = listed("status", "statuses", &missed);
            note(format!(
                "`{}` was not exercised with {noun} {list}",
                op.operation
            ));
        }
    }
    for e in &c.enums {
        let missed: Vec<String> = e
            .values_unseen()
            .iter()
            .map(|value| format!("{value:?}"))
            .collect();
        if !missed.is_empty() {
            let missed: Vec<&str> = missed.iter().map(String::as_str).collect();
            let (noun, list) = listed("value", "values", &missed);
            note(format!("enum `{}`: {noun} {list} not seen", e.schema));
        }
    }
    notes
}

/// `one` or `many` as `items` has one or more, and the items joined by commas.
fn listed<'a>(one: &'a str, many: &'a str, items: &[&str]) -> (&'a str, String) {
    let noun = match items.len() {
        1 => one,
        _ => many,
    };
    (noun, items.join(", "))
}

/// The run's counts and coverage totals, and how many results were left out.
fn properties(report: &Report, left_out: usize) -> PropertyBag {
    let s = report.summary;
    let pair = |(seen, all): (usize, usize)| json!({"seen": seen, "documented": all});
    let coverage: serde_json::Map<String, serde_json::Value> = report
        .coverage
        .iter()
        .map(|c| {
            let totals = json!({
                "operations": pair(c.operations_seen()),
                "statuses": pair(c.statuses_seen()),
                "enumValues": pair(c.enum_values_seen()),
            });
            (c.release.clone(), totals)
        })
        .collect();
    let bag = json!({
        "summary": s,
        "coverage": coverage,
        "resultsLeftOut": left_out,
    });
    let additional: std::collections::BTreeMap<String, serde_json::Value> = match bag {
        serde_json::Value::Object(map) => map.into_iter().collect(),
        _ => Default::default(),
    };
    PropertyBag::builder()
        .additional_properties(additional)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{EnumCoverage, OperationCoverage};

    #[test]
    fn coverage_gaps_are_one_note_per_operation_and_per_enum() {
        let op = |operation: &str, interactions, statuses: &[(&str, usize)]| OperationCoverage {
            operation: operation.into(),
            method: "GET".into(),
            path: "/x".into(),
            interactions,
            statuses: statuses.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
        };
        let coverage = Coverage {
            release: "anode".into(),
            spec: "openapi/anode.yaml".into(),
            operations: vec![
                op("list_x", 3, &[("200", 3), ("400", 0), ("404", 0)]),
                op("get_x", 0, &[("200", 0), ("404", 0)]),
                op("put_x", 1, &[("200", 1), ("422", 0)]),
                op("done_x", 2, &[("200", 2)]),
            ],
            enums: vec![EnumCoverage {
                schema: "/components/schemas/X/properties/kind".into(),
                values: [("a", 1), ("b", 0), ("c", 0)]
                    .iter()
                    .map(|(v, n)| (v.to_string(), *n))
                    .collect(),
            }],
        };
        let texts: Vec<String> = coverage_notes(&coverage)
            .iter()
            .filter_map(|n| n.message.text.clone())
            .collect();
        assert_eq!(
            texts,
            [
                "release anode: `list_x` was not exercised with statuses 400, 404",
                "release anode: `get_x` (GET /x) was not exercised",
                "release anode: `put_x` was not exercised with status 422",
                "release anode: enum `/components/schemas/X/properties/kind`: values \"b\", \"c\" \
                 not seen",
            ]
        );
    }

    #[test]
    fn a_path_below_the_run_stays_relative_and_one_above_it_becomes_a_file_url() {
        assert_eq!(uri("cassettes/a b.json"), "cassettes/a%20b.json");
        assert_eq!(uri("/abs/x.json"), "file:///abs/x.json");
        let above = uri("../recordings/./x.json");
        let parent = std::env::current_dir()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        let expected = url::Url::from_file_path(parent.join("recordings/x.json")).unwrap();
        assert_eq!(above, expected.to_string());
        assert!(!above.contains(".."), "{above}");
    }
}

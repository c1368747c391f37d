//! JUnit XML: a test suite per cassette, a test case per interaction (failed when it has an
//! unwaived error), warnings and waived findings in the case's system-out.

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::{line, summary_line};
use crate::model::{Finding, Replayed, Report, Severity};

pub(super) fn render(report: &Report) -> String {
    let mut junit = quick_junit::Report::new("conformance");
    let mut files: Vec<&str> = report
        .interactions
        .iter()
        .map(|i| i.file.as_str())
        .chain(report.findings.iter().map(|f| f.file.as_str()))
        .collect();
    files.sort_unstable();
    files.dedup();
    for file in files {
        junit.add_test_suite(suite(report, file));
    }
    let mut xml = junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot write JUnit XML: {e} -->\n"));
    xml.push_str(&format!("<!-- {} -->\n", summary_line(report)));
    xml
}

fn suite(report: &Report, file: &str) -> TestSuite {
    let mut suite = TestSuite::new(file);
    let about_file: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.file == file && f.interaction.is_none())
        .collect();
    if !about_file.is_empty() {
        suite.add_test_case(case(file, "file", &about_file));
    }
    for replayed in report.interactions.iter().filter(|i| i.file == file) {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.file == file && f.interaction == Some(replayed.interaction))
            .collect();
        suite.add_test_case(case(file, &name(replayed), &findings));
    }
    suite
}

fn name(r: &Replayed) -> String {
    let operation = r.operation.as_deref().unwrap_or("no operation");
    format!(
        "#{} {} {} -> {} ({operation})",
        r.interaction, r.method, r.path, r.status
    )
}

fn case(file: &str, name: &str, findings: &[&Finding]) -> TestCase {
    let errors: Vec<&&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    let status = match errors.first() {
        None => TestCaseStatus::success(),
        Some(first) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(first.message.clone());
            status.set_type(first.kind.name());
            let all: Vec<String> = errors.iter().map(|f| line(f)).collect();
            status.set_description(all.join("\n"));
            status
        }
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(file);
    let notes: Vec<String> = findings
        .iter()
        .filter(|f| f.severity != Severity::Error)
        .map(|f| line(f))
        .collect();
    if !notes.is_empty() {
        case.set_system_out(notes.join("\n"));
    }
    case
}

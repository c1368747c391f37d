//! `waivers.toml`: accepted deviations. A waiver names a file, a JSON pointer and a kind of
//! finding, says why, and may expire:
//!
//! ```toml
//! [[waiver]]
//! file = "seeds/location-status.json"   # matched against the end of the finding's path
//! pointer = "/tariff_status/commodity_export/status"
//! kind = "unknown-enum-value"
//! reason = "the reference page's example has a trailing space"
//! expires = 2027-06-30                  # optional: from this day on, it no longer applies
//! ```
//!
//! A matching error becomes `waived`; an expired waiver stops applying and is reported; a
//! waiver that matches nothing is reported, so stale waivers do not pile up.

use std::path::{Component, Path};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::RunError;
use crate::model::{Finding, Kind, Severity};

/// The waivers of one file.
#[derive(Debug, Clone, Default)]
pub struct Waivers {
    /// How the run names the file, for findings about it.
    pub file: String,
    /// The waivers, in file order.
    pub waivers: Vec<Waiver>,
}

/// One accepted deviation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The cassette, as a path relative to a cassette directory (or any trailing part of the
    /// path the report shows).
    pub file: String,
    /// JSON pointer into the response body, as the finding reports it.
    pub pointer: String,
    /// The kind of finding.
    pub kind: Kind,
    /// Why the deviation is accepted.
    pub reason: String,
    /// The first day on which the waiver no longer applies.
    #[serde(default, deserialize_with = "date")]
    pub expires: Option<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    #[serde(default)]
    waiver: Vec<Waiver>,
}

/// A TOML date (`2027-06-30`), or a string holding one.
fn date<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<NaiveDate>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Date(toml::value::Datetime),
        Text(String),
    }
    let text = match Raw::deserialize(de)? {
        Raw::Date(d) => d.to_string(),
        Raw::Text(t) => t,
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("`{text}` is not a date (YYYY-MM-DD): {e}")))
}

impl Waivers {
    /// Reads `path`. A malformed file stops the run: a typo in a waiver must not silently
    /// waive nothing, or everything.
    pub fn load(path: &Path) -> Result<Waivers, RunError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RunError::Io {
            path: path.to_path_buf(),
            action: "read the waivers",
            source,
        })?;
        let parsed: WaiverFile = toml::from_str(&text).map_err(|source| RunError::Waivers {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        Ok(Waivers {
            file,
            waivers: parsed.waiver,
        })
    }

    /// Marks the errors and warnings the waivers accept as waived, as of `today`, and returns
    /// a warning for each waiver that has expired, or that matched nothing in a file this run
    /// checked (`checked`, named as findings name them): a waiver about a file the run did not
    /// read, such as the bundled set's when a team checks its own recordings, is not stale.
    pub fn apply(
        &self,
        findings: &mut [Finding],
        checked: &[String],
        today: NaiveDate,
    ) -> Vec<Finding> {
        let mut notes = Vec::new();
        for (i, waiver) in self.waivers.iter().enumerate() {
            let matching = findings
                .iter_mut()
                .filter(|f| f.severity != Severity::Waived && waiver.matches(f));
            if let Some(expired) = waiver.expires.filter(|day| *day <= today) {
                if matching.count() > 0 {
                    notes.push(self.note(i, format!("expired on {expired}; no longer applies")));
                }
                continue;
            }
            let mut used = false;
            for finding in matching {
                finding.severity = Severity::Waived;
                finding.waiver = Some(waiver.reason.clone());
                used = true;
            }
            let read = checked
                .iter()
                .any(|file| ends_with(Path::new(file), Path::new(&waiver.file)));
            if !used && read {
                notes.push(self.note(i, "matches no finding; remove it?".to_string()));
            }
        }
        notes
    }

    fn note(&self, index: usize, what: String) -> Finding {
        let w = &self.waivers[index];
        let name = format!("{} {} {}", w.file, w.kind.name(), w.pointer);
        Finding::about_file(&self.file, Kind::Waiver)
            .expected("a waiver that applies to a finding", name.clone())
            .message(format!("waiver {} ({name}) {what}", index + 1))
    }
}

impl Waiver {
    /// Same kind and pointer, and the waiver's file is the trailing part of the finding's.
    pub fn matches(&self, finding: &Finding) -> bool {
        self.kind == finding.kind
            && self.pointer == finding.pointer
            && ends_with(Path::new(&finding.file), Path::new(&self.file))
    }
}

/// Compares whole components, ignoring `.`: `a/seeds/x.json` ends with `seeds/x.json`, not
/// with `eds/x.json`.
fn ends_with(path: &Path, tail: &Path) -> bool {
    let parts = |p: &Path| -> Vec<String> {
        p.components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    let (path, tail) = (parts(path), parts(tail));
    !tail.is_empty() && path.ends_with(&tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files the runs below read.
    fn checked() -> Vec<String> {
        vec![
            "cassettes/seeds/status.json".to_string(),
            "cassettes/myseeds/status.json".to_string(),
        ]
    }

    fn finding(file: &str, kind: Kind, pointer: &str) -> Finding {
        Finding {
            pointer: pointer.to_string(),
            ..Finding::about_file(file, kind).message("x")
        }
    }

    fn waivers(toml_text: &str) -> Waivers {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("waivers.toml");
        std::fs::write(&path, toml_text).unwrap();
        Waivers::load(&path).unwrap()
    }

    const ONE: &str = r#"
[[waiver]]
file = "seeds/status.json"
pointer = "/a"
kind = "unknown-enum-value"
reason = "typo in the example"
"#;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_matching_error_is_waived_with_the_reason() {
        let mut f = vec![finding(
            "cassettes/seeds/status.json",
            Kind::UnknownEnumValue,
            "/a",
        )];
        let notes = waivers(ONE).apply(&mut f, &checked(), day("2026-01-01"));
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(f[0].severity, Severity::Waived);
        assert_eq!(f[0].waiver.as_deref(), Some("typo in the example"));
    }

    #[test]
    fn other_pointer_kind_or_file_is_not_waived_and_the_waiver_is_reported() {
        let mut f = vec![
            finding("cassettes/seeds/status.json", Kind::UnknownEnumValue, "/b"),
            finding("cassettes/seeds/status.json", Kind::Schema, "/a"),
            finding(
                "cassettes/myseeds/status.json",
                Kind::UnknownEnumValue,
                "/a",
            ),
        ];
        let notes = waivers(ONE).apply(&mut f, &checked(), day("2026-01-01"));
        assert!(f.iter().all(|f| f.severity == Severity::Error));
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].kind, Kind::Waiver);
        assert_eq!(notes[0].severity, Severity::Warning);
        assert!(
            notes[0].message.contains("matches no finding"),
            "{}",
            notes[0].message
        );
    }

    #[test]
    fn a_waiver_about_a_file_the_run_did_not_read_is_not_reported() {
        let mut f = vec![finding("recordings/mine.json", Kind::Schema, "/a")];
        let read = ["recordings/mine.json".to_string()];
        let notes = waivers(ONE).apply(&mut f, &read, day("2026-01-01"));
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(f[0].severity, Severity::Error);
    }

    #[test]
    fn an_expired_waiver_stops_applying_and_says_so() {
        let text = format!("{ONE}expires = 2026-03-01\n");
        let w = waivers(&text);
        let mut before = vec![finding("seeds/status.json", Kind::UnknownEnumValue, "/a")];
        assert!(
            w.apply(&mut before, &checked(), day("2026-02-28"))
                .is_empty()
        );
        assert_eq!(before[0].severity, Severity::Waived);

        let mut on = vec![finding("seeds/status.json", Kind::UnknownEnumValue, "/a")];
        let notes = w.apply(&mut on, &checked(), day("2026-03-01"));
        assert_eq!(on[0].severity, Severity::Error);
        assert!(
            notes[0].message.contains("expired on 2026-03-01"),
            "{}",
            notes[0].message
        );
    }

    #[test]
    fn malformed_waivers_stop_the_run_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("waivers.toml");
        for bad in [
            "[[waiver]]\nfile = \"x\"\npointer = \"\"\nkind = \"schema\"\n",
            "[[waiver]]\nfile = \"x\"\npointer = \"\"\nkind = \"shcema\"\nreason = \"r\"\n",
            "[[waiver]]\nfile = \"x\"\npointer = \"\"\nkind = \"schema\"\nreason = \"r\"\nexpires = \"soon\"\n",
        ] {
            std::fs::write(&path, bad).unwrap();
            let err = Waivers::load(&path).unwrap_err().to_string();
            assert!(err.contains("waivers.toml"), "{err}");
        }
    }
}

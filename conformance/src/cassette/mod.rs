//! Reading cassettes: every file under the cassette directories, in whichever format it is.
//!
//! One reader per format ([`vcr`], [`har`]), each producing the same [`Interaction`]s. The
//! format is recognised by content, not by file name: a HAR file has a top-level `log`, a VCR
//! cassette a top-level `http_interactions`. A file that is neither, or that is malformed,
//! becomes a [`Kind::Cassette`] finding naming the file and the place inside it.

mod har;
mod vcr;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::RunError;
use crate::model::{Finding, Interaction, Kind};

/// What the cassette directories held.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Files examined.
    pub files: usize,
    /// Every interaction, by file (in path order) and index.
    pub interactions: Vec<Interaction>,
    /// Files that could not be read as cassettes.
    pub findings: Vec<Finding>,
}

/// Reads every file under each of `dirs`, recursively, skipping hidden files and directories
/// (`.gitkeep`, editor swap files). A directory that cannot be read stops the run.
pub fn load(dirs: &[PathBuf]) -> Result<Loaded, RunError> {
    let mut loaded = Loaded::default();
    for dir in dirs {
        for path in files_under(dir)? {
            loaded.files += 1;
            let name = path.display().to_string();
            match read_file(&path, &name) {
                Ok(mut interactions) => loaded.interactions.append(&mut interactions),
                Err(why) => loaded.findings.push(
                    Finding::about_file(&name, Kind::Cassette)
                        .expected("a VCR cassette or a HAR 1.2 file", why.clone())
                        .message(format!("not a readable cassette: {why}")),
                ),
            }
        }
    }
    Ok(loaded)
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>, RunError> {
    if !dir.is_dir() {
        return Err(RunError::new(format!(
            "{}: not a directory of cassettes",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walk {
        let entry = entry.map_err(|e| RunError::new(format!("{}: {e}", dir.display())))?;
        if entry.file_type().is_file() {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// Reads one file; the error says why it is not a cassette, and where.
fn read_file(path: &Path, name: &str) -> Result<Vec<Interaction>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| format!("not UTF-8 text: {e}"))?;
    let syntax = Syntax::of(path, text);
    let shape = syntax.parse::<Value>(text)?;
    match shape.as_object() {
        Some(top) if top.contains_key("log") => har::read(text, name),
        Some(top) if top.contains_key("http_interactions") => vcr::read(text, syntax, name),
        _ => Err(
            "neither a VCR cassette (no top-level `http_interactions`) nor a HAR file \
                  (no top-level `log`)"
                .to_string(),
        ),
    }
}

/// How a file's text is written. JSON is chosen by a `.json` or `.har` extension or by a
/// leading `{`; anything else is read as YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Json,
    Yaml,
}

impl Syntax {
    fn of(path: &Path, text: &str) -> Self {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("json" | "har") => Syntax::Json,
            _ if text.trim_start().starts_with('{') => Syntax::Json,
            _ => Syntax::Yaml,
        }
    }

    /// Parses `text` as `T`; the error names the line, column and field path.
    fn parse<T: serde::de::DeserializeOwned>(self, text: &str) -> Result<T, String> {
        match self {
            Syntax::Json => {
                let mut de = serde_json::Deserializer::from_str(text);
                serde_path_to_error::deserialize(&mut de).map_err(|e| {
                    let at = field_path(e.path());
                    format!("{}{at}", e.inner())
                })
            }
            // serde_norway's messages already name the field path and the line.
            Syntax::Yaml => {
                let de = serde_norway::Deserializer::from_str(text);
                serde_path_to_error::deserialize(de).map_err(|e| e.into_inner().to_string())
            }
        }
    }
}

fn field_path(path: &serde_path_to_error::Path) -> String {
    match path.to_string().as_str() {
        "." => String::new(),
        p => format!(" (at `{p}`)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_files(files: &[(&str, &str)]) -> Loaded {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        load(&[dir.path().to_path_buf()]).unwrap()
    }

    const HAR: &str = r#"{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
      "entries": [{"startedDateTime": "2026-01-01T00:00:00Z", "time": 1,
        "request": {"method": "get", "url": "https://h/login", "httpVersion": "HTTP/1.1",
          "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
          "headers": [{"name": "Content-Type", "value": "application/json"}],
          "content": {"size": 2, "mimeType": "application/json", "text": "e30=", "encoding": "base64"},
          "redirectURL": "", "headersSize": -1, "bodySize": 2},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}]}}"#;

    const VCR_YAML: &str = "http_interactions:
- request: {uri: 'https://h/a', method: get, body: '', headers: {}}
  response:
    status: {code: 200, message: OK}
    headers: {X-B: ['2'], content-type: [application/json], A: ['1']}
    body: {encoding: UTF-8, string: \"{}\"}
  recorded_at: Mon, 02 Mar 2026 10:15:00 GMT
recorded_with: t
";

    #[test]
    fn har_bodies_in_base64_are_decoded_and_methods_upper_cased() {
        let loaded = load_files(&[("x.har", HAR)]);
        assert!(loaded.findings.is_empty(), "{:?}", loaded.findings);
        let it = &loaded.interactions[0];
        assert_eq!(it.request.method, "GET");
        assert_eq!(it.response.body, b"{}");
        assert_eq!(it.response.header("content-type"), Some("application/json"));
    }

    #[test]
    fn yaml_vcr_headers_come_sorted_by_name_whatever_the_extension() {
        let loaded = load_files(&[("sub/dir/recording", VCR_YAML)]);
        let names: Vec<&str> = loaded.interactions[0]
            .response
            .headers
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(names, ["A", "content-type", "X-B"]);
    }

    #[test]
    fn hidden_files_are_skipped_and_other_files_are_findings() {
        let loaded = load_files(&[
            (".gitkeep", ""),
            ("a.json", "[1, 2]"),
            ("b.har", &HAR.replace("\"1.2\"", "\"2.0\"")),
            ("c.har", &HAR.replace("e30=", "not base64!")),
        ]);
        assert_eq!(loaded.files, 3);
        let why: Vec<&str> = loaded.findings.iter().map(|f| f.found.as_str()).collect();
        assert!(why[0].starts_with("neither a VCR cassette"), "{why:?}");
        assert!(why[1].contains("HAR version `2.0`"), "{why:?}");
        assert!(
            why[2].contains("entry 0: response.content") && why[2].contains("base64"),
            "{why:?}"
        );
        assert!(loaded.findings.iter().all(|f| f.kind == Kind::Cassette));
    }

    #[test]
    fn a_missing_directory_stops_the_run() {
        let err = load(&["/nonexistent/cassettes".into()]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/cassettes"), "{err}");
    }
}

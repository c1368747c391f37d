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

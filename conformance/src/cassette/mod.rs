//! Reading cassettes: every file under the cassette directories, in whichever format it is.
//!
//! One reader per format (`vcr`, `har`), each producing the same [`Interaction`]s. The
//! format is recognised by content, not by file name: a HAR file has a top-level `log`, a VCR
//! cassette a top-level `http_interactions`. A file that is neither, or that is malformed,
//! becomes a [`Kind::Cassette`] finding naming the file and the place inside it. The tools that
//! write or edit cassettes in place (`scrub`, `synth`) find each part through `layout`.

pub(crate) mod encoding;
mod har;
pub(crate) mod har_extra;
pub(crate) mod layout;
pub(crate) mod unique;
mod vcr;
mod yaml;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::RunError;
use crate::model::{Extra, Finding, Interaction, Kind};

/// Every file under each of `dirs`, recursively and in path order, skipping hidden files and
/// directories (`.gitkeep`, editor swap files); a file given itself is taken as it is.
/// Symbolic links are followed, so a linked cassette is checked like any other; a link that
/// leads nowhere, or around in a loop, and anything that is not a regular file (a FIFO, a
/// device) is listed too, for its reader to report as unreadable ([`read_regular`]) rather
/// than skip without a word. A directory that cannot be read stops the run.
pub fn files(dirs: &[PathBuf]) -> Result<Vec<CassetteFile>, RunError> {
    let mut files = Vec::new();
    let mut markers = Markers::default();
    for dir in dirs {
        let paths = match dir.is_file() {
            true => vec![dir.clone()],
            false => files_under(dir)?,
        };
        for path in paths {
            let release = markers.release_of(&path)?;
            files.push(CassetteFile { path, release });
        }
    }
    Ok(files)
}

/// A cassette file to read, and the release its directory says its recordings are of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CassetteFile {
    /// The file.
    pub path: PathBuf,
    /// The release named by the nearest [`RELEASE_MARKER`] in the file's directory or one above
    /// it, for the recordings that name none themselves.
    pub release: Option<String>,
}

/// A file whose content names the release of the recordings below its directory that name
/// none themselves (no `flatpeak-version` response header, no `Flatpeak-Version` request
/// header): for recordings of a release whose client sends no version (Yotta's), or written
/// from reference pages.
pub const RELEASE_MARKER: &str = ".flatpeak-release";

/// The markers read so far, by directory.
#[derive(Default)]
struct Markers(std::collections::BTreeMap<PathBuf, Option<String>>);

impl Markers {
    /// The release the nearest marker names, from `path`'s directory up. (A relative path's
    /// ancestors end at the current directory: markers above it are found through its
    /// canonical form.)
    fn release_of(&mut self, path: &Path) -> Result<Option<String>, RunError> {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        for dir in absolute.ancestors().skip(1).take(64) {
            if let Some(release) = self.at(dir)? {
                return Ok(Some(release));
            }
        }
        Ok(None)
    }

    fn at(&mut self, dir: &Path) -> Result<Option<String>, RunError> {
        if let Some(known) = self.0.get(dir) {
            return Ok(known.clone());
        }
        let marker = dir.join(RELEASE_MARKER);
        let release = match std::fs::read_to_string(&marker) {
            Ok(text) => Some(text.trim().chars().take(64).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(RunError::Io {
                    path: marker,
                    action: "read",
                    source,
                });
            }
        };
        self.0.insert(dir.to_path_buf(), release.clone());
        Ok(release)
    }
}

/// A cassette as read: its interactions, and what a HAR file keeps outside its entries.
#[derive(Debug, Default)]
pub struct Cassette {
    /// Its interactions, in order.
    pub interactions: Vec<Interaction>,
    /// A HAR file's values outside its entries (page titles, comments); empty for VCR.
    pub extras: Vec<Extra>,
}

/// The cassette at `path`, or a [`Kind::Cassette`] finding that says why it is not one, and
/// where.
pub fn read(path: &Path) -> Result<Cassette, Box<Finding>> {
    let name = path.display().to_string();
    read_file(path, &name).map_err(|why| {
        Box::new(
            Finding::about_file(&name, Kind::Cassette)
                .expected("a VCR cassette or a HAR 1.2 file", why.to_string())
                .message(format!("not a readable cassette: {why}")),
        )
    })
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>, RunError> {
    if !dir.is_dir() {
        return Err(RunError::NotADirectory(dir.to_path_buf()));
    }
    let mut files = Vec::new();
    let walk = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walk {
        match entry {
            Ok(entry) if entry.file_type().is_dir() => {}
            Ok(entry) => files.push(entry.into_path()),
            // A link in a loop (to a directory above it, or links to each other), or to
            // nothing: its reader says so.
            Err(e)
                if e.loop_ancestor().is_some()
                    || e.io_error().is_some_and(is_not_found)
                    || e.path().is_some_and(is_link) =>
            {
                files.extend(e.path().map(Path::to_path_buf));
            }
            Err(source) => {
                return Err(RunError::Walk {
                    path: dir.to_path_buf(),
                    source,
                });
            }
        }
    }
    Ok(files)
}

fn is_not_found(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound
}

/// Whether `path` is a symbolic link itself: one the walk could not follow is a file for its
/// reader to report, not the end of the run.
fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink())
}

/// The bytes of the regular file at `path` (a link followed); an error for anything else, a
/// FIFO or a device (`/dev/zero` would never end), before reading it.
pub(crate) fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    let metadata = std::fs::metadata(path)?;
    if metadata.is_dir() {
        // The walk lists a directory only when a link to it loops back above itself.
        return Err(std::io::Error::other(
            "a link to a directory above it (a loop): not followed",
        ));
    }
    if !metadata.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a FIFO, a device or a socket): not read",
        ));
    }
    std::fs::read(path)
}

/// Why a file is not a cassette the gate can read, and where; the text of a
/// [`Kind::Cassette`] finding.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotACassette {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("not UTF-8 text at line {line}, column {column}: {source}")]
    NotUtf8 {
        /// The line of the first byte that is not UTF-8, from 1.
        line: usize,
        /// Its column, in characters from 1.
        column: usize,
        /// Which bytes, at which byte index.
        source: std::str::Utf8Error,
    },
    /// The parser's message, which names the line and column, and the field path if known.
    /// A string the parser quotes (`invalid type: string "Bearer ..."`) is shown by its
    /// fingerprint: a value where the cassette's shape wanted another is as likely a
    /// credential as anything else.
    #[error("{}{}", without_strings(message), at.as_deref().map(|p| format!(" (at `{}`)", crate::secrets::fingerprint_tokens(p))).unwrap_or_default())]
    Syntax { message: String, at: Option<String> },
    #[error(
        "neither a VCR cassette (no top-level `http_interactions`) nor a HAR file (no top-level `log`)"
    )]
    UnknownShape,
    #[error("HAR version `{0}` is not supported (1.2)")]
    HarVersion(String),
    #[error("a HAR file needs `log.version`")]
    HarNoVersion,
    #[error("entry {index}: response.content: `text` is not valid base64: {source}")]
    HarBase64 {
        index: usize,
        source: base64::DecodeError,
    },
    #[error(
        "entry {index}: response.content: unknown `encoding` `{encoding}` (only base64 is defined)"
    )]
    HarEncoding { index: usize, encoding: String },
}

/// Reads one file; the error says why it is not a cassette, and where.
fn read_file(path: &Path, name: &str) -> Result<Cassette, NotACassette> {
    let bytes = read_regular(path)?;
    let text = text_of(&bytes)?;
    let syntax = Syntax::of(path, text);
    let mut cassette = parse(text, syntax, name)?;
    let lines = starting_lines(text, syntax);
    if lines.len() == cassette.interactions.len() {
        for (interaction, line) in cassette.interactions.iter_mut().zip(lines) {
            interaction.line = Some(line);
        }
    }
    Ok(cassette)
}

/// A file's bytes as the text a cassette is read from: UTF-8, without the byte-order mark some
/// editors on Windows write first (the JSON and YAML readers would stop at it, at line 1,
/// column 1, without saying why). Bytes that are not UTF-8 are an error naming their line.
pub(crate) fn text_of(bytes: &[u8]) -> Result<&str, NotACassette> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|source| {
        let valid = &bytes[..source.valid_up_to()];
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        NotACassette::NotUtf8 {
            line: valid.iter().filter(|&&b| b == b'\n').count() + 1,
            column: String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1,
            source,
        }
    })
}

/// Whether `text` is a cassette, read exactly as the gate reads it: the error says why not, and
/// where. `scrub` asks this before it edits a file, so that it scrubs what the gate reads and
/// refuses what the gate refuses (a duplicate key, a VCR file without `recorded_with`, base64
/// that does not decode), rather than read a shape of its own.
pub(crate) fn check(text: &str, syntax: Syntax) -> Result<(), NotACassette> {
    parse(text, syntax, "").map(drop)
}

/// The cassette written `text`, in whichever format it is. A key twice in one object or
/// mapping is refused, whatever the format: a JSON tree would keep the last.
fn parse(text: &str, syntax: Syntax, name: &str) -> Result<Cassette, NotACassette> {
    // Most files are VCR cassettes, read here in one pass, which refuses a key written twice
    // itself; a HAR file, or one that does not read as a cassette, goes the general way below,
    // which decides and explains.
    let vcr = |interactions| Cassette {
        interactions,
        extras: Vec::new(),
    };
    if let Some(interactions) = vcr::read_direct(text, syntax, name) {
        return Ok(vcr(interactions));
    }
    unique::check(text, syntax)?;
    let shape = syntax.document(text)?;
    match shape.as_object() {
        Some(top) if top.contains_key("log") => har::read(text, shape, syntax, name),
        Some(top) if top.contains_key("http_interactions") => {
            vcr::read(text, shape, syntax, name).map(vcr)
        }
        _ => Err(NotACassette::UnknownShape),
    }
}

/// The line (from 1) of each `request` key in `text`: where each interaction (VCR) or entry
/// (HAR) starts, as recorders write them. The parsers do not keep positions; the caller uses
/// these only when there is one per interaction, so a body that happens to hold the text
/// cannot shift them.
fn starting_lines(text: &str, syntax: Syntax) -> Vec<usize> {
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let starts = match syntax {
            Syntax::Json => trimmed.matches("\"request\"").count(),
            Syntax::Yaml => {
                usize::from(trimmed.starts_with("- request:") || trimmed.starts_with("request:"))
            }
        };
        lines.extend(std::iter::repeat_n(n + 1, starts));
    }
    lines
}

/// How a file's text is written. JSON is chosen by a `.json` or `.har` extension or by a
/// leading `{`; anything else is read as YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    Json,
    Yaml,
}

impl Syntax {
    pub(crate) fn of(path: &Path, text: &str) -> Self {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("json" | "har") => Syntax::Json,
            _ if text.trim_start().starts_with('{') => Syntax::Json,
            _ => Syntax::Yaml,
        }
    }

    /// `T` from `parsed`, the document already parsed from `text`, else from `text` again:
    /// converting the parsed document is faster than parsing again, and when it fails (a
    /// shape error, or a YAML scalar that JSON types differently) the text decides, as if it
    /// had been parsed as `T` in the first place, with an error that names the line.
    fn convert<T: serde::de::DeserializeOwned>(
        self,
        parsed: Value,
        text: &str,
    ) -> Result<T, NotACassette> {
        serde_json::from_value(parsed).or_else(|_| self.parse(text))
    }

    /// `text` as a JSON document: JSON as it is, YAML as [`yaml::document`] reads it (Ruby
    /// VCR's `!binary` bodies as their `base64_string`, any other tag refused).
    pub(crate) fn document(self, text: &str) -> Result<Value, NotACassette> {
        match self {
            Syntax::Json => self.parse(text),
            Syntax::Yaml => yaml::document(text),
        }
    }

    /// Parses `text` as `T`; the error names the line, column and field path. The path is
    /// tracked only when parsing fails: tracking it costs as much as the parse, and most files
    /// parse.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(
        self,
        text: &str,
    ) -> Result<T, NotACassette> {
        match self.try_parse(text) {
            Some(value) => Ok(value),
            None => self.parse_tracked(text),
        }
    }

    /// `text` as `T`, or `None` without saying why.
    fn try_parse<T: serde::de::DeserializeOwned>(self, text: &str) -> Option<T> {
        match self {
            Syntax::Json => T::deserialize(&mut serde_json::Deserializer::from_str(text)).ok(),
            Syntax::Yaml => T::deserialize(serde_norway::Deserializer::from_str(text)).ok(),
        }
    }

    /// [`Syntax::parse`], tracking the path for the error message.
    fn parse_tracked<T: serde::de::DeserializeOwned>(self, text: &str) -> Result<T, NotACassette> {
        match self {
            Syntax::Json => {
                let mut de = serde_json::Deserializer::from_str(text);
                serde_path_to_error::deserialize(&mut de).map_err(|e| NotACassette::Syntax {
                    message: e.inner().to_string(),
                    at: Some(e.path().to_string()).filter(|p| p != "."),
                })
            }
            // serde_norway's messages already name the field path and the line.
            Syntax::Yaml => {
                let de = serde_norway::Deserializer::from_str(text);
                serde_path_to_error::deserialize(de).map_err(|e| NotACassette::Syntax {
                    message: e.into_inner().to_string(),
                    at: None,
                })
            }
        }
    }
}

/// `message` (a parser's) with each text it quotes in double quotes shown by its fingerprint:
/// serde's `invalid type: string "Bearer ..."` and the URL parser's `relative URL without a
/// base: "/devices/eyJ..."` quote what the file held, which is as likely a credential as
/// anything else. A quoted text ends at the first quote no backslash escapes (serde writes it
/// as Rust's `Debug` does).
fn without_strings(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find('"') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let mut escaped = false;
        let end = after.char_indices().find_map(|(i, c)| match (c, escaped) {
            ('"', false) => Some(i),
            ('\\', false) => {
                escaped = true;
                None
            }
            _ => {
                escaped = false;
                None
            }
        });
        let Some(end) = end else {
            // No closing quote: the rest is the value.
            out.push_str(&flatpeak_redact::fingerprint(after));
            return out;
        };
        out.push_str(&flatpeak_redact::fingerprint(&after[..end]));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    // What is not quoted can hold one too (serde's `unknown variant `...``, a path).
    crate::secrets::fingerprint_tokens(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_har_body_is_read_as_decoded_whatever_its_content_encoding_says() {
        let har = r#"{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
            "entries": [{"startedDateTime": "2026-03-02T10:12:00Z", "time": 1,
            "request": {"method": "GET", "url": "https://api.flatpeak.com/x", "httpVersion": "h2",
                "cookies": [], "headers": [], "queryString": [], "headersSize": -1,
                "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "h2", "cookies": [],
                "headers": [{"name": "Content-Encoding", "value": "gzip"},
                            {"name": "Content-Type", "value": "image/png"}],
                "content": {"size": 4, "mimeType": "image/png", "text": "iVBORw==",
                            "encoding": "base64"},
                "redirectURL": "", "headersSize": -1, "bodySize": 4},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}]}}"#;
        let cassette = parse(har, Syntax::Json, "x.har").unwrap();
        let response = &cassette.interactions[0].response;
        assert_eq!(response.body, b"\x89PNG");
        assert_eq!(
            response.headers,
            [("Content-Type".into(), "image/png".into())]
        );
        assert_eq!(
            encoding::unreadable(&response.headers, &response.body),
            None
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_bytes_that_are_not_utf8_are_placed_by_line() {
        assert_eq!(text_of(b"\xef\xbb\xbf{\"a\": 1}").unwrap(), "{\"a\": 1}");
        let after_mark = text_of(b"\xef\xbb\xbf{\xff}").unwrap_err().to_string();
        assert!(
            after_mark.starts_with("not UTF-8 text at line 1, column 2: "),
            "{after_mark}"
        );
        let why = text_of(b"{\n  \"a\": \"\xc3\xa9\",\n  \"b\xff\": 2}").unwrap_err();
        let shown = why.to_string();
        assert!(
            shown.starts_with("not UTF-8 text at line 3, column 5: "),
            "{shown}"
        );
    }

    #[test]
    fn a_quoted_string_in_a_parser_s_message_is_shown_by_its_fingerprint() {
        let message = r#"invalid type: string "Bearer SUPERSECRET\"zq8", expected a sequence at line 3 column 40"#;
        assert_eq!(
            without_strings(message),
            r#"invalid type: string ""… (23 chars), expected a sequence at line 3 column 40"#
        );
        let two = r#"invalid value: string "sk_live_1234567890abcdef" and string "x"#;
        assert_eq!(
            without_strings(two),
            r#"invalid value: string "sk_l"… (24 chars) and string ""… (1 chars)"#
        );
        assert_eq!(
            without_strings("expected `,` at line 1"),
            "expected `,` at line 1"
        );
        // Through the error's Display, as every report and scrub show it.
        let error = NotACassette::Syntax {
            message: "invalid type: string \"Bearer eyJhbGciOi.x.y\", expected a sequence".into(),
            at: Some("http_interactions[0].request.headers.Authorization".into()),
        };
        let shown = error.to_string();
        assert!(!shown.contains("eyJhbGciOi"), "{shown}");
        assert!(shown.contains("(at `http_interactions[0].request.headers.Authorization`)"));
    }

    /// What a run reads from a directory holding `files`.
    struct Loaded {
        files: usize,
        interactions: Vec<Interaction>,
        findings: Vec<Finding>,
    }

    fn load_files(files: &[(&str, &str)]) -> Loaded {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let paths = super::files(&[dir.path().to_path_buf()]).unwrap();
        let mut loaded = Loaded {
            files: paths.len(),
            interactions: Vec::new(),
            findings: Vec::new(),
        };
        for file in paths {
            match read(&file.path) {
                Ok(mut cassette) => loaded.interactions.append(&mut cassette.interactions),
                Err(finding) => loaded.findings.push(*finding),
            }
        }
        loaded
    }

    #[test]
    fn the_nearest_release_marker_names_the_release_of_the_files_below_it() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(".flatpeak-release", "zero\n");
        write("a.json", "{}");
        write("yotta/.flatpeak-release", " yotta ");
        write("yotta/b.json", "{}");
        write("yotta/deeper/c.json", "{}");
        let files = super::files(&[dir.path().to_path_buf()]).unwrap();
        let found: Vec<(String, Option<String>)> = files
            .iter()
            .map(|f| {
                let name = f.path.strip_prefix(dir.path()).unwrap();
                (name.display().to_string(), f.release.clone())
            })
            .collect();
        let some = |r: &str| Some(r.to_string());
        assert_eq!(
            found,
            [
                ("a.json".to_string(), some("zero")),
                ("yotta/b.json".to_string(), some("yotta")),
                ("yotta/deeper/c.json".to_string(), some("yotta")),
            ]
        );
        // A file given alone finds the marker of its directory too.
        let alone = super::files(&[dir.path().join("yotta/deeper/c.json")]).unwrap();
        assert_eq!(alone[0].release, some("yotta"));
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
    fn a_cassette_read_in_one_pass_is_the_cassette_the_general_path_reads() {
        let vcr_json =
            serde_json::to_string(&serde_norway::from_str::<Value>(VCR_YAML).unwrap()).unwrap();
        for (text, syntax) in [(VCR_YAML, Syntax::Yaml), (vcr_json.as_str(), Syntax::Json)] {
            let direct = vcr::read_direct(text, syntax, "f").unwrap();
            let general = vcr::read(text, syntax.parse(text).unwrap(), syntax, "f").unwrap();
            assert_eq!(direct, general);
        }
    }

    /// Ruby VCR's `string: !binary` body is read as its bytes (the direct path leaves a file
    /// that may hold a tag to the general one); another tag, and YAML's `!!binary`, are
    /// refused, saying where, rather than read as the text they tag.
    #[test]
    fn a_binary_body_is_read_as_its_bytes_and_another_tag_is_refused() {
        let tagged = |tag: &str| {
            format!(
                "http_interactions:
- request: {{uri: 'https://h/a', method: get, body: '', headers: {{}}}}
  response:
    status: {{code: 200, message: OK}}
    headers: {{content-type: [application/json]}}
    body:
      encoding: ASCII-8BIT
      string: {tag} |-
        e30=
  recorded_at: Mon, 02 Mar 2026 10:15:00 GMT
recorded_with: t
"
            )
        };
        let binary = tagged("!binary");
        assert!(vcr::read_direct(&binary, Syntax::Yaml, "f").is_none());
        let loaded = load_files(&[("binary.yaml", &binary)]);
        assert!(loaded.findings.is_empty(), "{:?}", loaded.findings);
        assert_eq!(loaded.interactions[0].response.body, b"{}");

        for (tag, says) in [
            ("!ruby/string", "a YAML tag `!ruby/string`"),
            ("!!binary", "line 8: a `!!binary` node"),
        ] {
            let loaded = load_files(&[("tagged.yaml", &tagged(tag))]);
            assert!(loaded.interactions.is_empty(), "{:?}", loaded.interactions);
            assert_eq!(loaded.findings[0].kind, Kind::Cassette);
            assert!(
                loaded.findings[0].found.contains(says),
                "{:?}",
                loaded.findings
            );
        }
    }

    #[test]
    fn a_cassette_with_a_top_level_log_goes_the_general_way_and_is_read_as_har() {
        let mut doc = serde_norway::from_str::<Value>(VCR_YAML).unwrap();
        doc["log"] = Value::Null;
        let both = doc.to_string();
        assert!(vcr::read_direct(&both, Syntax::Json, "f").is_none());
        let loaded = load_files(&[("both.json", &both)]);
        assert!(loaded.interactions.is_empty());
        assert!(
            loaded.findings[0]
                .found
                .contains("HAR file needs `log.version`"),
            "{:?}",
            loaded.findings
        );
    }

    #[test]
    fn a_har_body_the_browser_left_out_is_marked_as_not_recorded() {
        let left_out = HAR.replace(
            r#""text": "e30=", "encoding": "base64""#,
            r#""comment": "x""#,
        );
        let loaded = load_files(&[("x.har", &left_out)]);
        let response = &loaded.interactions[0].response;
        assert_eq!(
            (response.unrecorded_body, response.body.len()),
            (Some(2), 0)
        );
        let recorded = load_files(&[("x.har", HAR)]);
        assert_eq!(recorded.interactions[0].response.unrecorded_body, None);
    }

    #[test]
    fn interactions_know_the_line_they_start_on_when_the_file_tells() {
        let loaded = load_files(&[("a.yaml", VCR_YAML), ("b.har", HAR)]);
        let lines: Vec<Option<usize>> = loaded.interactions.iter().map(|i| i.line).collect();
        assert_eq!(lines, [Some(2), Some(3)]);
        let one_line = serde_json::to_string(&serde_norway::from_str::<Value>(VCR_YAML).unwrap())
            .unwrap()
            .replace("\"uri\"", "\"request\":{},\"uri\"");
        let loaded = load_files(&[("c.json", &one_line)]);
        assert_eq!(
            loaded.interactions[0].line, None,
            "two `request`s, one interaction"
        );
    }

    #[test]
    fn a_missing_directory_stops_the_run() {
        let err = files(&["/nonexistent/cassettes".into()]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/cassettes"), "{err}");
    }
}

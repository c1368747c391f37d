//! `scrub`: the recorder's scrubbing for cassettes recorded by anything (VCR JSON or YAML,
//! HAR), in place. Every value the `secret` check would report is replaced by a placeholder
//! that keeps the verdict: it validates where the value did and breaks the schema the same
//! way where the value did not, so scrubbing never hides a defect (the same placeholder for
//! the same value throughout the run); nothing else
//! changes. A second run changes nothing. `--check` writes nothing and lists what it would
//! change, by fingerprint, never by value.

use std::path::{Path, PathBuf};

use flatpeak_redact::{self as record, Placeholders};
use serde_json::Value;

use crate::RunError;
use crate::cassette::layout::{
    self, HAR_CONTENT_COMPRESSION, HAR_POST_PARAMS, HAR_QUERY_STRING, Layout, Part,
};
use crate::cassette::{self, NotACassette, Syntax};
use crate::cassette::{encoding, har_extra, unique};
use crate::model::Extra;
use crate::releases::{Release, Releases};
use crate::secrets::{self, Leak, Place, View};

/// One value scrubbed, or that would be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The cassette.
    pub file: String,
    /// The interaction's index in it; `None` for a place of a HAR file outside its entries (a
    /// page's title, the log's comment), which `place` names.
    pub interaction: Option<usize>,
    /// Where (`header:Authorization`, `query:connect_token`, `/postal_address/city`,
    /// `har:/log/pages/0/title`, ...).
    pub place: String,
    /// The value's fingerprint: its first characters and its length.
    pub fingerprint: String,
}

/// Something a person should know about a scrubbed interaction, besides its changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The cassette.
    pub file: String,
    /// The interaction's index in it.
    pub interaction: usize,
    /// What to know, in one sentence.
    pub message: String,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Scrubbed {
    /// Files examined.
    pub files: usize,
    /// Files written (none with `check`).
    pub written: Vec<PathBuf>,
    /// Every value replaced (or, with `check`, to replace).
    pub changes: Vec<Change>,
    /// What else scrubbing did: for each recorded webhook delivery whose body it changed (or,
    /// with `check`, would change), that its signature no longer verifies. Its signature
    /// headers are kept as they were (they are not secrets by themselves; the secret check
    /// flags one only if it holds a credential).
    pub notes: Vec<Note>,
    /// Files that could not be read as cassettes, or scrubbed without losing a value, and why
    /// (each error names its file).
    pub unreadable: Vec<RunError>,
}

/// Scrubs every cassette under `dirs` (or each file given): every credential and every value
/// the spec of the interaction's release marks `x-sensitive` (the release chosen as the gate
/// chooses it, `default_release` when the recording names none or one the run does not know)
/// is replaced by a placeholder that keeps the gate's verdict on it (see `flatpeak::record`, whose rules the gate shares); with `check`,
/// writes nothing and only lists what it would replace. A file that cannot be read or is not a
/// cassette is listed in [`Scrubbed::unreadable`] and left alone; the others are scrubbed.
/// `Err` when a spec or a directory cannot be read, or a file cannot be written back.
///
/// ```no_run
/// # fn run() -> Result<(), conformance::RunError> {
/// let (releases, default) = conformance::Release::of_workspace(std::path::Path::new("."))?;
/// let done = conformance::scrub(&releases, &default, &["recordings".into()], false)?;
/// for change in &done.changes {
///     let at = change.interaction.map(|i| format!(" #{i}")).unwrap_or_default();
///     println!("{}{at} {}: {}", change.file, change.place, change.fingerprint);
/// }
/// # Ok(())
/// # }
/// ```
pub fn scrub(
    releases: &[Release],
    default_release: &str,
    dirs: &[PathBuf],
    check: bool,
) -> Result<Scrubbed, RunError> {
    let releases = Releases::load(releases, default_release)?;
    let placeholders = Placeholders::new();
    let files = cassette::files(dirs)?;
    let mut done = Scrubbed {
        files: files.len(),
        ..Scrubbed::default()
    };
    for cassette in files {
        let path = cassette.path;
        let mut file = match File::read(&path) {
            Ok(file) => file,
            Err(e) => {
                done.unreadable.push(e);
                continue;
            }
        };
        let (changes, notes) =
            match file.scrub(&releases, cassette.release.as_deref(), &placeholders, check) {
                Ok(done) => done,
                Err(why) => {
                    done.unreadable.push(RunError::Scrub {
                        path,
                        source: why.into(),
                    });
                    continue;
                }
            };
        done.notes.extend(notes);
        if !changes.is_empty() && !check {
            file.write(&path)?;
            done.written.push(path);
        }
        done.changes.extend(changes);
    }
    Ok(done)
}

/// A cassette as parsed, to be written back in its own syntax.
struct File {
    name: String,
    syntax: Syntax,
    layout: Layout,
    /// Comment lines before a YAML document, kept.
    preamble: String,
    doc: Value,
}

impl File {
    fn read(path: &Path) -> Result<File, RunError> {
        let name = path.display().to_string();
        let fail = |source: NotACassette| RunError::Scrub {
            path: path.to_path_buf(),
            source: Box::new(source),
        };
        let bytes = cassette::read_regular(path).map_err(|source| RunError::Io {
            path: path.to_path_buf(),
            action: "read",
            source,
        })?;
        let text = cassette::text_of(&bytes).map_err(fail)?.to_string();
        let syntax = Syntax::of(path, &text);
        // Read as the gate reads it first: what the gate refuses is not scrubbed either, and a
        // key the tree below would hold once (a duplicate) is refused rather than merged.
        cassette::check(&text, syntax).map_err(fail)?;
        let doc: Value = syntax.document(&text).map_err(fail)?;
        let layout = Layout::of(&doc).ok_or_else(|| fail(NotACassette::UnknownShape))?;
        let preamble = match syntax {
            Syntax::Yaml => text
                .lines()
                .take_while(|l| l.starts_with('#'))
                .map(|l| format!("{l}\n"))
                .collect(),
            Syntax::Json => String::new(),
        };
        Ok(File {
            name,
            syntax,
            layout,
            preamble,
            doc,
        })
    }

    fn write(&self, path: &Path) -> Result<(), RunError> {
        let scrub = |source: Box<dyn std::error::Error + Send + Sync>| RunError::Scrub {
            path: path.to_path_buf(),
            source,
        };
        let text = match self.syntax {
            Syntax::Json => serde_json::to_string_pretty(&self.doc)
                .map(|t| t + "\n")
                .map_err(|e| scrub(e.into()))?,
            Syntax::Yaml => serde_norway::to_string(&self.doc)
                .map(|t| format!("{}{t}", self.preamble))
                .map_err(|e| scrub(e.into()))?,
        };
        let io = |source| RunError::Io {
            path: path.to_path_buf(),
            action: "write",
            source,
        };
        // A link's target is the cassette: replacing the link would leave the target, secrets
        // and all, where the link pointed.
        let target = std::fs::canonicalize(path).map_err(io)?;
        replace_file(&target, text.as_bytes()).map_err(io)
    }

    /// Replaces every leak of every interaction; what was replaced, and the notes about it
    /// (`check`: the run only says what it would do). `Err` with why, before anything is
    /// replaced, when a JSON body that holds a leak has a key twice: writing it again would keep
    /// one of the key's values, and the gate's finding about it would go with the other.
    fn scrub(
        &mut self,
        releases: &Releases,
        marker: Option<&str>,
        p: &Placeholders,
        check: bool,
    ) -> Result<(Vec<Change>, Vec<Note>), String> {
        let layout = self.layout;
        let Some(interactions) = layout.interactions(&mut self.doc) else {
            return Ok((Vec::new(), Vec::new()));
        };
        let all: Vec<(Parts, Vec<Leak>)> = interactions
            .iter()
            .enumerate()
            .map(|(index, interaction)| {
                let parts = Parts::of(interaction, layout, index);
                let leaks = parts.leaks(releases, marker);
                (parts, leaks)
            })
            .collect();
        for (index, ((parts, leaks), interaction)) in
            all.iter().zip(interactions.iter()).enumerate()
        {
            let unreadable = [
                ("request", Part::RequestBody),
                ("response", Part::ResponseBody),
            ]
            .into_iter()
            .find_map(|(name, part)| Some((name, layout.unreadable(interaction, part)?)));
            if let Some((part, coding)) = unreadable {
                return Err(format!(
                    "interaction #{index}: the {part} body was recorded with `Content-Encoding: \
                     {coding}` and could not be decoded to text, so scrub cannot look into it; \
                     record it decoded"
                ));
            }
            parts
                .rewritable(leaks)
                .map_err(|why| format!("interaction #{index}: {why}"))?;
        }
        let mut changes = Vec::new();
        let mut notes = Vec::new();
        for (index, (interaction, (mut parts, leaks))) in
            interactions.iter_mut().zip(all).enumerate()
        {
            if let Some(name) =
                releases.unknown(&parts.request_headers, &parts.response_headers, marker)
            {
                notes.push(Note {
                    file: self.name.clone(),
                    interaction: index,
                    message: format!(
                        "names release `{name}`, which is not known: scrubbed with the default \
                         release's spec (its `x-sensitive` places)"
                    ),
                });
            }
            let delivery = releases.is_delivery(&parts.method, &parts.url, &parts.request_headers);
            if delivery
                && leaks
                    .iter()
                    .any(|l| matches!(l.place, Place::RequestBody(_)))
            {
                let message = match check {
                    false => {
                        "the signature of the delivery no longer verifies: its body was \
                              scrubbed (its Flatpeak-Signature header is kept as recorded)"
                    }
                    true => {
                        "the signature of the delivery would no longer verify: its body \
                             would be scrubbed (its Flatpeak-Signature header is kept)"
                    }
                };
                notes.push(Note {
                    file: self.name.clone(),
                    interaction: index,
                    message: message.to_string(),
                });
            }
            for leak in &leaks {
                parts.replace(leak, p);
                changes.push(Change {
                    file: self.name.clone(),
                    interaction: Some(index),
                    place: shown_place(leak),
                    fingerprint: record::fingerprint(&text_of(&leak.value)),
                });
            }
            parts.store(interaction, layout);
        }
        if layout == Layout::Har {
            changes.extend(self.scrub_log(p));
        }
        Ok((changes, notes))
    }

    /// Replaces every leak among the values a HAR file keeps outside its entries (a page's
    /// title, the log's comment) where it is; what was replaced.
    fn scrub_log(&mut self, p: &Placeholders) -> Vec<Change> {
        let mut leaks = Vec::new();
        secrets::extra_leaks(&har_extra::of_log(&self.doc), &[], &mut leaks);
        let mut changes = Vec::new();
        for leak in leaks {
            let Place::Har(pointer) = &leak.place else {
                continue;
            };
            if let Some(slot) = self.doc.pointer_mut(pointer) {
                *slot = p.replace(&leak.value, &leak.hint);
            }
            changes.push(Change {
                file: self.name.clone(),
                interaction: None,
                place: shown_place(&leak),
                fingerprint: record::fingerprint(&text_of(&leak.value)),
            });
        }
        changes
    }
}

/// Writes `bytes` over the file at `path` through a temporary file beside it, so that a failure
/// leaves the file as it was, with the file's own permissions (a cassette kept readable by its
/// owner alone stays so).
fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy());
    let temporary = path.with_file_name(format!(".{}.scrub", name.unwrap_or_default()));
    let permissions = std::fs::metadata(path)?.permissions();
    std::fs::write(&temporary, bytes)?;
    let written = std::fs::set_permissions(&temporary, permissions)
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        // Nothing of the cassette is lost: only the copy goes.
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One interaction's parts as strings, whatever the format, and where each came from.
struct Parts {
    method: String,
    url: String,
    request_headers: Vec<(String, String)>,
    request_body: String,
    status: i64,
    response_headers: Vec<(String, String)>,
    response_body: String,
    /// What a HAR entry keeps besides the exchange ([`Extra`]); empty for VCR.
    extras: Vec<Extra>,
    /// Placeholders for places of a HAR entry outside the parts above, by JSON pointer from
    /// the entry (`/response/redirectURL`).
    placed: Vec<(String, Value)>,
    /// Where the entry is in the file (`/log/entries/3`): the extras' pointers start with it.
    at: String,
    /// Which parts a placeholder went into: their recorded lengths follow.
    rewritten: Rewritten,
    /// Whether the request's and the response's bodies were recorded compressed (read
    /// decoded): one that is rewritten is written decoded, without its `Content-Encoding`.
    compressed: (bool, bool),
}

/// The parts of an interaction scrub rewrote, whose recorded lengths must follow.
#[derive(Debug, Default, Clone, Copy)]
struct Rewritten {
    /// The request line or headers (a path segment, the query, a header).
    request_head: bool,
    request_body: bool,
    /// The response's headers.
    response_head: bool,
    response_body: bool,
}

impl Parts {
    /// The parts of `interaction`, the file's interaction `index`.
    fn of(interaction: &Value, layout: Layout, index: usize) -> Parts {
        let extras = match layout {
            Layout::Har => har_extra::of_entry(interaction, index),
            Layout::Vcr => Vec::new(),
        };
        Parts {
            method: layout.text(interaction, Part::Method),
            url: layout.text(interaction, Part::Url),
            request_headers: layout.headers(interaction, Part::RequestHeaders),
            request_body: layout.text(interaction, Part::RequestBody),
            status: layout.status(interaction),
            response_headers: layout.headers(interaction, Part::ResponseHeaders),
            response_body: layout.text(interaction, Part::ResponseBody),
            extras,
            placed: Vec::new(),
            at: har_extra::entry_pointer(index),
            rewritten: Rewritten::default(),
            compressed: (
                layout.is_compressed(interaction, Part::RequestBody),
                layout.is_compressed(interaction, Part::ResponseBody),
            ),
        }
    }

    fn leaks(&self, releases: &Releases, marker: Option<&str>) -> Vec<Leak> {
        let view = View {
            url: &self.url,
            request_headers: &self.request_headers,
            request_body: unique::Body::new(self.request_body.as_bytes()),
            status: self.status,
            response_headers: &self.response_headers,
            response_body: unique::Body::new(self.response_body.as_bytes()),
            extras: &self.extras,
        };
        if releases.is_delivery(&self.method, &self.url, &self.request_headers) {
            // A webhook delivery: its event is of the release its own `Flatpeak-Version`
            // names (the response is the receiver's).
            let release = releases.for_headers(&self.request_headers, &[], marker);
            return release
                .sensitivity()
                .delivery_leaks(release.events.as_ref(), &view);
        }
        let release = releases.for_headers(&self.request_headers, &self.response_headers, marker);
        let route = crate::route::route(&release.spec, &self.method, &self.url).ok();
        release
            .sensitivity()
            .leaks(route.map(|r| r.operation), &view)
    }

    /// `Err` with why when a body that holds one of `leaks` is JSON with a key twice
    /// ([`unique::json`]): it cannot be written again without losing one of the key's values.
    fn rewritable(&self, leaks: &[Leak]) -> Result<(), String> {
        let bodies = [
            ("request", &self.request_body),
            ("response", &self.response_body),
        ];
        for (part, body) in bodies {
            let holds = |place: &Place| match place {
                Place::RequestBody(_) => part == "request",
                Place::ResponseBody(_) => part == "response",
                _ => false,
            };
            if !leaks.iter().any(|l| holds(&l.place)) {
                continue;
            }
            if let Err(e) = unique::json(body.as_bytes())
                && let Some(object) = unique::duplicate_key_at(body.as_bytes(), &e)
            {
                let within = match object.is_empty() {
                    true => String::new(),
                    false => format!(
                        ", in the object at {}",
                        secrets::fingerprint_tokens(&object)
                    ),
                };
                return Err(format!(
                    "the {part} body has a key twice ({e}{within}): written again it would \
                     keep only one of the two values; remove the duplicate, then scrub"
                ));
            }
        }
        Ok(())
    }

    fn replace(&mut self, leak: &Leak, p: &Placeholders) {
        let placeholder = p.replace(&leak.value, &leak.hint);
        let rewritten = &mut self.rewritten;
        match &leak.place {
            Place::RequestHeader(name) => {
                replace_header(&mut self.request_headers, name);
                rewritten.request_head = true;
            }
            Place::ResponseHeader(name) => {
                replace_header(&mut self.response_headers, name);
                rewritten.response_head = true;
            }
            Place::Query(name) => {
                self.url = with_query(&self.url, name, &text_of(&placeholder));
                rewritten.request_head = true;
            }
            Place::PathSegment(i, _) => {
                self.url = with_segment(&self.url, *i, &text_of(&placeholder));
                rewritten.request_head = true;
            }
            Place::RequestBody(pointer) => {
                let body = &self.request_body;
                self.request_body = match leak.why == secrets::TOKEN_AS_NAME {
                    true => with_name(body, pointer, &text_of(&placeholder)),
                    false => with_value(body, pointer, &leak.value, placeholder),
                };
                rewritten.request_body = true;
            }
            Place::ResponseBody(pointer) => {
                let body = &self.response_body;
                self.response_body = match leak.why == secrets::TOKEN_AS_NAME {
                    true => with_name(body, pointer, &text_of(&placeholder)),
                    false => with_value(body, pointer, &leak.value, placeholder),
                };
                rewritten.response_body = true;
            }
            Place::UserInfo => {
                self.url = with_userinfo(&self.url, &text_of(&placeholder));
                rewritten.request_head = true;
            }
            // Not sent: nothing recorded of the request's size changes.
            Place::Fragment(name) => {
                self.url = with_fragment(&self.url, name, &text_of(&placeholder));
            }
            Place::Har(pointer) => {
                if let Some(inside) = pointer.strip_prefix(self.at.as_str()) {
                    self.placed.push((inside.to_string(), placeholder));
                }
            }
        }
    }

    /// Writes the parts back into the interaction, in its layout. A HAR body that was absent,
    /// or not text, stays as it was; one recorded base64 is written base64
    /// ([`Layout::replace_body`]); HAR's copies of the query and of a form body's fields
    /// follow, and so does every recorded length of a rewritten body. Placeholders for the
    /// entry's other places (its cookies, comments, redirect URL) go where they were found.
    fn store(mut self, interaction: &mut Value, layout: Layout) {
        // A compressed body written again is written as it reads: decoded.
        if self.compressed.0 && self.rewritten.request_body {
            encoding::without_encoding(&mut self.request_headers);
        }
        if self.compressed.1 && self.rewritten.response_body {
            encoding::without_encoding(&mut self.response_headers);
        }
        self.set_lengths(interaction, layout);
        for (pointer, placeholder) in std::mem::take(&mut self.placed) {
            if let Some(slot) = interaction.pointer_mut(&pointer) {
                *slot = placeholder;
            }
        }
        let request_body_rewritten = self.rewritten.request_body;
        let headers = [
            (Part::RequestHeaders, &self.request_headers),
            (Part::ResponseHeaders, &self.response_headers),
        ];
        for (part, list) in headers {
            layout.replace(interaction, part, layout.headers_value(list));
        }
        if layout == Layout::Har
            && let Some(slot) = interaction.pointer_mut(HAR_QUERY_STRING)
        {
            *slot = query_string(&self.url);
        }
        layout.replace(interaction, Part::Url, self.url.into());
        let bodies = [
            (Part::RequestBody, self.request_body),
            (Part::ResponseBody, self.response_body),
        ];
        for (part, body) in bodies {
            if layout == Layout::Vcr || !body.is_empty() {
                layout.replace_body(interaction, part, &body);
            }
        }
        if layout == Layout::Har {
            let params = interaction.pointer_mut(HAR_POST_PARAMS);
            scrub_params(params, request_body_rewritten);
        }
    }

    /// Every recorded length of a body a placeholder went into becomes the written body's
    /// length in bytes (decoded, for a HAR body written base64): its `Content-Length` header
    /// and, in HAR, the entry's `bodySize` and `content.size` ([`Layout::lengths`]). The
    /// received lengths would tell how long the replaced values were, and no longer describe
    /// the body. A HAR `content.compression` (the bytes the received encoding saved) becomes
    /// 0: the body is written as it is. A HAR `headersSize` of a rewritten request line or
    /// headers becomes -1, unknown: it counts bytes as they went over the wire, which a
    /// placeholder changes.
    fn set_lengths(&mut self, interaction: &mut Value, layout: Layout) {
        let rewritten = self.rewritten;
        for (head, changed) in [
            (Part::RequestHeaders, rewritten.request_head),
            (Part::ResponseHeaders, rewritten.response_head),
        ] {
            if let (true, Some(at)) = (changed, layout.headers_size(head)) {
                set_size(interaction.pointer_mut(at), -1);
            }
        }
        let bodies = [
            (
                rewritten.request_body,
                Part::RequestBody,
                &mut self.request_headers,
                self.request_body.len(),
            ),
            (
                rewritten.response_body,
                Part::ResponseBody,
                &mut self.response_headers,
                self.response_body.len(),
            ),
        ];
        for (rewritten, part, headers, length) in bodies {
            if !rewritten {
                continue;
            }
            set_length(headers, length);
            for at in layout.lengths(part) {
                set_size(interaction.pointer_mut(at), size(length));
            }
            if layout == Layout::Har && part == Part::ResponseBody {
                set_size(interaction.pointer_mut(HAR_CONTENT_COMPRESSION), 0);
            }
        }
    }
}

/// A recorded `Content-Length` header becomes `length`.
fn set_length(headers: &mut [(String, String)], length: usize) {
    let recorded = headers.iter_mut();
    for (_, value) in recorded.filter(|(n, _)| n.eq_ignore_ascii_case("content-length")) {
        *value = length.to_string();
    }
}

/// A length a HAR entry records, `slot`, becomes `length` when it is one (a number above 0):
/// -1 (unknown) and 0 (a response served from the cache) tell nothing of the replaced values
/// and keep their meaning; an absent field stays absent.
fn set_size(slot: Option<&mut Value>, length: i64) {
    if let Some(slot) = slot.filter(|s| s.as_i64().is_some_and(|n| n > 0)) {
        *slot = length.into();
    }
}

/// A body's length as HAR writes it; a body past `i64::MAX` bytes cannot be in memory.
fn size(length: usize) -> i64 {
    i64::try_from(length).unwrap_or(i64::MAX)
}

fn replace_header(headers: &mut [(String, String)], name: &str) {
    for (_, value) in headers.iter_mut().filter(|(n, _)| n == name) {
        *value = record::header_placeholder(value);
    }
}

/// HAR's `postData.params`, a form body's fields copied from `postData.text`: once scrub
/// rewrote that text, every value is `<redacted>`, since the copy would keep what the text no
/// longer holds. (Fields given without the text are the body: each is judged and replaced as
/// a [`Extra`] of the entry.)
fn scrub_params(params: Option<&mut Value>, body_rewritten: bool) {
    let Some(Value::Array(params)) = params.filter(|_| body_rewritten) else {
        return;
    };
    for param in params {
        if let Some(value) = param.get_mut("value").filter(|v| v.is_string()) {
            *value = "<redacted>".into();
        }
    }
}

fn with_query(url: &str, name: &str, placeholder: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_string();
    };
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(n, v)| {
            let v = if n == name {
                placeholder.to_string()
            } else {
                v.into_owned()
            };
            (n.into_owned(), v)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

/// `url` with its user name, and its password when it has one, replaced by `placeholder`.
fn with_userinfo(url: &str, placeholder: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_string();
    };
    let password = parsed.password().is_some();
    // Setting either fails only for a URL that cannot have them (no host), which had none.
    let _ = parsed.set_username(placeholder);
    let _ = parsed.set_password(password.then_some(placeholder));
    parsed.to_string()
}

/// `url` with the value of its fragment's parameter `name` replaced by `placeholder` (the
/// whole fragment, for `""`: one that is not `name=value` pairs).
fn with_fragment(url: &str, name: &str, placeholder: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_string();
    };
    let fragment = parsed.fragment().unwrap_or_default().to_string();
    let pairs = crate::personal::fragment_pairs(&fragment);
    let written = match pairs.as_slice() {
        [(whole, _)] if whole.is_empty() && name.is_empty() => placeholder.to_string(),
        _ => {
            let mut out = url::form_urlencoded::Serializer::new(String::new());
            for (n, v) in &pairs {
                out.append_pair(n, if n == name { placeholder } else { v });
            }
            out.finish()
        }
    };
    parsed.set_fragment(Some(&written));
    parsed.to_string()
}

fn with_segment(url: &str, index: usize, placeholder: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_string();
    };
    let mut segments: Vec<String> = parsed.path().split('/').map(str::to_string).collect();
    if let Some(segment) = segments.get_mut(index) {
        *segment =
            percent_encoding::utf8_percent_encode(placeholder, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
                .replace("%5F", "_")
                .replace("%2D", "-");
    }
    parsed.set_path(&segments.join("/"));
    parsed.to_string()
}

/// The form `body` with each field named `name` whose value is `found` holding `placeholder`
/// instead; every other pair, and the separators, as they were written.
fn with_form_field(body: &str, name: &str, found: &str, placeholder: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(placeholder.as_bytes()).collect();
    let pairs: Vec<String> = body
        .split('&')
        .map(
            |pair| match url::form_urlencoded::parse(pair.as_bytes()).next() {
                Some((n, v)) if n == name && v == found => {
                    let written_name = pair.split_once('=').map_or(pair, |(n, _)| n);
                    format!("{written_name}={encoded}")
                }
                _ => pair.to_string(),
            },
        )
        .collect();
    pairs.join("&")
}

/// HAR's copy of `url`'s query.
fn query_string(url: &str) -> Value {
    let pairs: Vec<(String, String)> = url::Url::parse(url)
        .map(|u| {
            u.query_pairs()
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    layout::pairs(&pairs)
}

/// `body` (JSON text) with the value at `pointer` (`found`) replaced, written as it was (pretty
/// when it had line breaks). A body that is not JSON is a form when the pointer names a field
/// (the secret check reads only a form's fields so): each field of that name holding `found`
/// is replaced, and every other byte kept; at `""` the body is replaced whole.
fn with_value(body: &str, pointer: &str, found: &Value, placeholder: Value) -> String {
    let Ok(mut json) = serde_json::from_str::<Value>(body) else {
        return match pointer.strip_prefix('/') {
            Some(field) => {
                let name = crate::spec::unescape(field);
                with_form_field(body, &name, &text_of(found), &text_of(&placeholder))
            }
            None => text_of(&placeholder),
        };
    };
    match json.pointer_mut(pointer) {
        Some(slot) => *slot = placeholder,
        None => return body.to_string(),
    }
    let written = match body.contains('\n') {
        true => serde_json::to_string_pretty(&json),
        false => serde_json::to_string(&json),
    };
    written.unwrap_or_else(|_| body.to_string())
}

/// How scrub's list names `leak`'s place: its label, with anything in it shaped like a
/// credential (a token used as a field's name, or a field inside one) shown by fingerprint.
fn shown_place(leak: &Leak) -> String {
    secrets::fingerprint_tokens(&leak.place.label())
}

/// JSON `body` with the name of the field at `pointer` replaced by `placeholder` (a token used
/// as a key), its value and place among its siblings kept; `body` as it is when it is not JSON
/// or has no such field.
fn with_name(body: &str, pointer: &str, placeholder: &str) -> String {
    let Ok(mut json) = serde_json::from_str::<Value>(body) else {
        return body.to_string();
    };
    let Some((parent, name)) = pointer.rsplit_once('/') else {
        return body.to_string();
    };
    let name = crate::spec::unescape(name);
    let Some(Value::Object(fields)) = json.pointer_mut(parent) else {
        return body.to_string();
    };
    if !fields.contains_key(&name) {
        return body.to_string();
    }
    let renamed = std::mem::take(fields)
        .into_iter()
        .map(|(k, v)| match k == name {
            true => (placeholder.to_string(), v),
            false => (k, v),
        });
    *fields = renamed.collect();
    let written = match body.contains('\n') {
        true => serde_json::to_string_pretty(&json),
        false => serde_json::to_string(&json),
    };
    written.unwrap_or_else(|_| body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_s_name_is_replaced_where_it_stands_and_its_value_kept() {
        let body = r#"{"a":1,"eyJhbGciOi.x.y":{"b":2},"c":3}"#;
        assert_eq!(
            with_name(body, "/eyJhbGciOi.x.y", "redacted-1"),
            r#"{"a":1,"redacted-1":{"b":2},"c":3}"#
        );
        assert_eq!(with_name(body, "/missing", "redacted-1"), body);
        assert_eq!(with_name("a=b", "/a", "redacted-1"), "a=b");
    }

    #[test]
    fn a_url_s_user_name_and_password_are_replaced_and_the_rest_kept() {
        assert_eq!(
            with_userinfo(
                "https://acc_1:s3cr3t@api.example/devices?limit=2",
                "redacted-1"
            ),
            "https://redacted-1:redacted-1@api.example/devices?limit=2"
        );
        assert_eq!(
            with_userinfo("https://jo@api.example/", "redacted-2"),
            "https://redacted-2@api.example/"
        );
    }

    #[test]
    fn a_form_field_is_replaced_where_it_holds_the_secret_and_nothing_else_moves() {
        let body =
            "scope=read%20write&flag&refresh_token=AAAA1111&refresh_token=CCCC2222&a=1&&b=%7E";
        let once = with_form_field(body, "refresh_token", "CCCC2222", "<redacted>");
        assert_eq!(
            once,
            "scope=read%20write&flag&refresh_token=AAAA1111&refresh_token=%3Credacted%3E&a=1&&b=%7E"
        );
        let found = Value::String("AAAA1111".into());
        let placeholder = Value::String("redacted-1".into());
        assert_eq!(
            with_value(&once, "/refresh_token", &found, placeholder),
            "scope=read%20write&flag&refresh_token=redacted-1&refresh_token=%3Credacted%3E&a=1&&b=%7E"
        );
    }
}

//! Recording the client's traffic as VCR cassettes the contract gate reads as they are, with
//! every credential and every value the spec marks `x-sensitive` replaced by a placeholder
//! before anything touches the disk ([`ClientBuilder::record_to`](crate::ClientBuilder::record_to)).
//!
//! # What is written
//! One file per HTTP exchange (a retried call writes one per attempt; the login the client
//! makes on its own writes one too), named
//! `<UTC time>-<session>-<sequence>-<operation>.json`, for example
//! `20261201T150615.123Z-3f9a0c1b-000004-retrieve_device.json`: a VCR cassette (JSON, as Ruby
//! VCR and rvcr write it) of one interaction, with the request (method, URL, headers, body)
//! and the response (status, headers, body). A body is written as received unless something
//! in it was replaced: a JSON body is then written again, compactly (its object keys may come
//! in another order); a body that is not UTF-8 text keeps its bytes, in base64
//! (`base64_string`, as Ruby VCR writes one). The session is one client and its clones; several
//! clients may share a directory.
//!
//! # What is replaced
//! - every header that carries credentials (`Authorization`, `Proxy-Authorization`, `Cookie`,
//!   `Set-Cookie`, any name holding `api-key` or `token`): `Bearer <redacted>`;
//! - every path parameter, query parameter, request body field and response body field the
//!   spec marks `x-sensitive` (tokens, postal addresses, coordinates, your references): a
//!   placeholder that keeps the value's verdict against the spec ([`flatpeak_redact::Placeholders`]), the same for the same value within
//!   the session;
//! - any other string that looks like a credential (a bearer token, a JWT, a known API-key
//!   prefix): a `redacted-…` placeholder.
//!
//! # Safety
//! Each file is written under a hidden temporary name and renamed into place, so a reader (or
//! a process killed mid-write) never sees a half-written cassette. A recording that fails (a
//! full disk, a directory without permission) never fails the call: it is logged once through
//! `tracing` and counted (every release's `Client` has `recording_failures()`,
//! [`ClientState::recording_failures`](crate::ClientState::recording_failures)).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

// The rules the contract gate and scrub share with the recorder are `flatpeak-redact`'s: they
// are not the recorder's API.
pub(crate) use flatpeak_redact::{
    Hint, Placeholders, header_placeholder, holds_token, is_credential_header, vcr,
};

use crate::place::{Place, Step};
use crate::release::OperationFacts;

/// A sensitive place of an operation's traffic, generated from its release's spec for every
/// operation.
#[doc(hidden)]
#[derive(Debug)]
pub struct Sensitive {
    pub(crate) place: Place,
    pub(crate) hint: Hint,
}

/// A request as it is about to be sent: what the recording shows of it.
#[derive(Debug)]
pub(crate) struct Snapshot {
    method: String,
    url: url::Url,
    headers: Vec<(String, String)>,
    body: Option<Bytes>,
}

impl Snapshot {
    /// What is about to be sent: `request`, plus the `Flatpeak-Version` the HTTP client adds to
    /// it as a default header (`version`), so that the gate checks the recording against the
    /// release that was asked for.
    pub(crate) fn of(request: &reqwest::Request, version: Option<&HeaderValue>) -> Snapshot {
        let mut headers = pairs(request.headers());
        if let Some(version) = version.and_then(|v| v.to_str().ok())
            && !request
                .headers()
                .contains_key(&crate::release::VERSION_HEADER)
        {
            headers.push(("Flatpeak-Version".to_string(), version.to_string()));
        }
        Snapshot {
            method: request.method().as_str().to_ascii_lowercase(),
            url: request.url().clone(),
            headers,
            body: request
                .body()
                .and_then(reqwest::Body::as_bytes)
                .map(Bytes::copy_from_slice),
        }
    }
}

/// A client's recording session.
#[derive(Debug)]
pub(crate) struct Recorder {
    dir: PathBuf,
    session: String,
    placeholders: Placeholders,
    sequence: AtomicU64,
    failures: AtomicU64,
    reported: AtomicBool,
}

impl Recorder {
    pub(crate) fn new(dir: PathBuf) -> Recorder {
        Recorder {
            dir,
            session: format!("{:08x}", fastrand::u32(..)),
            placeholders: Placeholders::new(),
            sequence: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            reported: AtomicBool::new(false),
        }
    }

    /// Recordings that failed so far.
    pub(crate) fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Writes one exchange of `operation`, scrubbed. Never fails: a failure is counted and
    /// logged (once).
    pub(crate) fn record(
        &self,
        operation: &OperationFacts,
        request: &Snapshot,
        response: &reqwest::Response,
    ) {
        let Some(body) = crate::body::raw_body(response) else {
            return; // not read under the limit: nothing whole to record
        };
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        let cassette = self.cassette(operation, request, response, body);
        let name = format!(
            "{}-{}-{sequence:06}-{}.json",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
            self.session,
            operation.id
        );
        if let Err(error) = write_atomically(&self.dir, &name, &cassette) {
            self.failures.fetch_add(1, Ordering::Relaxed);
            if !self.reported.swap(true, Ordering::Relaxed) {
                crate::telemetry::recording_failed(&self.dir, &error);
            }
        }
    }

    /// The cassette's text: one interaction, in the VCR layout `flatpeak_redact::vcr` states
    /// for the recorder and the gate alike.
    fn cassette(
        &self,
        operation: &OperationFacts,
        request: &Snapshot,
        response: &reqwest::Response,
        body: &Bytes,
    ) -> String {
        let sensitive = operation.sensitive;
        let status = response.status();
        let request_body = self.request_body(request, sensitive);
        let response_body = self.response_body(status.as_u16(), body, sensitive);
        let interaction = vcr::Interaction {
            request: vcr::Request {
                uri: self.url(operation, request, sensitive),
                method: request.method.clone(),
                headers: self.headers(&request.headers, request_body.as_bytes().len()),
                body: request_body,
            },
            response: vcr::Response {
                status: vcr::Status {
                    code: status.as_u16(),
                    message: status.canonical_reason().unwrap_or("").to_string(),
                },
                headers: self.headers(&pairs(response.headers()), response_body.as_bytes().len()),
                body: response_body,
                http_version: Some("1.1".to_string()),
            },
            recorded_at: httpdate::fmt_http_date(std::time::SystemTime::now()),
        };
        let recorded_with = concat!("flatpeak-rust/", env!("CARGO_PKG_VERSION"), " record_to");
        let cassette = vcr::Cassette {
            http_interactions: vec![interaction],
            recorded_with: recorded_with.to_string(),
        };
        // Plain data of strings and numbers, and maps with string keys: serialising it cannot
        // fail.
        serde_json::to_string_pretty(&cassette).unwrap_or_default()
    }

    /// The URL with sensitive (or credential-shaped) path and query values replaced.
    fn url(
        &self,
        operation: &OperationFacts,
        request: &Snapshot,
        sensitive: &[Sensitive],
    ) -> url::Url {
        let mut url = request.url.clone();
        let template = Some(operation.path);
        let mut segments: Vec<String> = url.path().split('/').map(str::to_string).collect();
        for s in sensitive {
            if let (Place::Path(name), Some(template)) = (&s.place, template)
                && let Some(i) = crate::wire::path_segment(template, &request.url, name)
                && let Some(segment) = segments.get_mut(i)
            {
                let value = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
                let placeholder = self
                    .placeholders
                    .replace(&Value::String(value.into()), &s.hint);
                *segment = text(&placeholder);
            }
        }
        url.set_path(&segments.join("/"));
        let query: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(name, value)| {
                let marked = sensitive
                    .iter()
                    .find(|s| matches!(s.place, Place::Query(n) if n == name));
                let value = match marked {
                    Some(s) => text(
                        &self
                            .placeholders
                            .replace(&Value::String(value.into()), &s.hint),
                    ),
                    None if holds_token(&value) => self.placeholders.replace_text(&value),
                    None => value.into_owned(),
                };
                (name.into_owned(), value)
            })
            .collect();
        if !query.is_empty() {
            url.query_pairs_mut().clear().extend_pairs(query);
        }
        url
    }

    /// VCR's headers: a map of lists, credentials replaced, and `Content-Length` the length of
    /// the body as written (`body_len`), not of the one received: a scrubbed body is another
    /// length, and the old one would tell how long the values replaced were.
    fn headers(&self, headers: &[(String, String)], body_len: usize) -> vcr::Headers {
        vcr::Headers::from_pairs(headers.iter().map(|(name, value)| {
            let value = if is_credential_header(name) || holds_token(value) {
                header_placeholder(value)
            } else if name.eq_ignore_ascii_case("content-length") {
                body_len.to_string()
            } else {
                value.clone()
            };
            (name.as_str(), value)
        }))
    }

    fn request_body(&self, request: &Snapshot, sensitive: &[Sensitive]) -> vcr::Body {
        let Some(body) = &request.body else {
            return vcr::Body::default();
        };
        let marked = sensitive.iter().filter_map(|s| match s.place {
            Place::Request(steps) => Some((steps, &s.hint)),
            _ => None,
        });
        self.scrub_body(body, marked)
    }

    fn response_body(&self, status: u16, body: &Bytes, sensitive: &[Sensitive]) -> vcr::Body {
        let key = status.to_string();
        let documented: Vec<&str> = sensitive
            .iter()
            .filter_map(|s| match s.place {
                Place::Response(k, _) => Some(k),
                _ => None,
            })
            .collect();
        // The status's own response, else `default`.
        let key = match documented.contains(&key.as_str()) {
            true => key,
            false => "default".to_string(),
        };
        let marked = sensitive.iter().filter_map(|s| match s.place {
            Place::Response(k, steps) if k == key => Some((steps, &s.hint)),
            _ => None,
        });
        self.scrub_body(body, marked)
    }

    /// A body with the `marked` places and anything credential-shaped replaced, as it came when
    /// nothing was. A JSON body that changed is written again, compactly; a body that is not
    /// JSON and holds a credential's shape is replaced whole; a body that is not text keeps
    /// its bytes (the cassette holds it in base64).
    fn scrub_body<'h>(
        &self,
        body: &Bytes,
        marked: impl Iterator<Item = (&'static [Step], &'h Hint)>,
    ) -> vcr::Body {
        let Ok(mut json) = serde_json::from_slice::<Value>(body) else {
            let text = String::from_utf8_lossy(body);
            return match holds_token(&text) {
                true => vcr::Body::from(self.placeholders.replace_text(&text)),
                false => vcr::Body(body.to_vec()),
            };
        };
        let mut changed = false;
        for (steps, hint) in marked {
            for_each_at(&mut json, steps, &mut |value| {
                let placeholder = self.placeholders.replace(value, hint);
                changed |= placeholder != *value;
                *value = placeholder;
            });
        }
        changed |= self.scrub_tokens(&mut json);
        match changed {
            true => vcr::Body::from(json.to_string()),
            false => vcr::Body(body.to_vec()),
        }
    }

    /// Replaces every credential-shaped string in `json`; whether one was.
    fn scrub_tokens(&self, json: &mut Value) -> bool {
        match json {
            Value::String(s) if holds_token(s) => {
                *s = self.placeholders.replace_text(s);
                true
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |c, v| self.scrub_tokens(v) | c),
            Value::Object(fields) => fields
                .values_mut()
                .fold(false, |c, v| self.scrub_tokens(v) | c),
            _ => false,
        }
    }
}

/// Calls `f` on each value `steps` lead to in `json` (found by the one body walker,
/// [`crate::place::values_at`]).
fn for_each_at(json: &mut Value, steps: &[Step], f: &mut impl FnMut(&mut Value)) {
    let pointers: Vec<String> = crate::place::values_at(json, steps)
        .into_iter()
        .map(|(pointer, _)| pointer)
        .collect();
    for pointer in pointers {
        if let Some(value) = json.pointer_mut(&pointer) {
            f(value);
        }
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_string(), value)
        })
        .collect()
}

/// Writes `text` to `dir/name` through a hidden temporary file renamed into place, so that no
/// reader ever sees part of it.
fn write_atomically(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".{name}.tmp"));
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, dir.join(name)))
        .inspect_err(|_| {
            // A partial file stays hidden; removing it is tidiness, and may fail too.
            let _ = std::fs::remove_file(&temporary);
        })
}

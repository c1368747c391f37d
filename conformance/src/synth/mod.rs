//! `conformance synth`: writes a synthetic set of recorded responses, valid ones with defects
//! mixed in, for measuring the gate and for checking it against other validators.
//!
//! `synth --count N --out DIR` writes `DIR/cassettes/` (files of `--per-file` interactions,
//! taking turns as VCR JSON, VCR YAML and HAR) and `DIR/manifest.json`, which lists every
//! interaction with its defect, if any, and the findings the gate must report for it. The same
//! options and seed write the same bytes.
//!
//! Bodies are Flatpeak's shapes (`bodies`); the operations and their documented statuses, and
//! where in a body each kind of defect can go, come from the spec (`defects`). About
//! `--defect-rate` of the interactions get one defect each, of a kind chosen at random among
//! those that fit the interaction.

mod bodies;
mod defects;
mod rng;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use defects::{Defect, Expected};

use crate::model::{Kind, Severity};
use crate::spec::{Operation, Spec};
use rng::Rng;

/// Where the recorded requests went.
const ORIGIN: &str = "https://api.flatpeak.com";

/// The operations the set is made of; their bodies are written by `bodies`.
const LOGIN: &str = "login";
const DEVICE: &str = "retrieve_device";
const LOCATION: &str = "retrieve_location_status";

/// Statuses tried, in turn, for an undocumented-status defect.
const UNDOCUMENTED: [u16; 4] = [409, 418, 502, 503];

/// What to write.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct Options {
    /// Interactions to write.
    #[arg(long)]
    pub count: usize,
    /// The share of interactions that get a defect, from 0 to 1.
    #[arg(long, default_value_t = 0.1, value_parser = parse_rate)]
    pub defect_rate: f64,
    /// The seed: the same options and seed write the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Interactions per cassette file.
    #[arg(long, default_value_t = 20, value_parser = parse_per_file)]
    pub per_file: usize,
}

/// Why an option's value was refused.
#[derive(Debug, thiserror::Error)]
pub enum BadOption {
    /// Not a number.
    #[error(transparent)]
    Float(#[from] std::num::ParseFloatError),
    /// Not a whole number.
    #[error(transparent)]
    Int(#[from] std::num::ParseIntError),
    /// A rate outside `0..=1`.
    #[error("{0} is not between 0 and 1")]
    Rate(f64),
    /// Zero interactions per file.
    #[error("at least 1")]
    Zero,
}

fn parse_rate(text: &str) -> Result<f64, BadOption> {
    let rate: f64 = text.parse()?;
    match (0.0..=1.0).contains(&rate) {
        true => Ok(rate),
        false => Err(BadOption::Rate(rate)),
    }
}

fn parse_per_file(text: &str) -> Result<usize, BadOption> {
    match text.parse::<usize>()? {
        0 => Err(BadOption::Zero),
        n => Ok(n),
    }
}

/// Why a synthetic set could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// The spec could not be read.
    #[error(transparent)]
    Spec(#[from] spec_model::SpecError),
    /// The spec lacks an operation the set is made of.
    #[error(
        "the spec has no operation `{0}`: synthetic sets are made of Flatpeak's {LOGIN}, {DEVICE} and {LOCATION}"
    )]
    NoOperation(String),
    /// An operation documents no JSON schema for a status the set needs.
    #[error("`{operation}` documents no JSON schema for status {status}")]
    NoSchema {
        /// The operation.
        operation: String,
        /// The status.
        status: u16,
    },
    /// The directory already holds cassettes.
    #[error("{}: already holds files; write a synthetic set into an empty directory", .0.display())]
    NotEmpty(PathBuf),
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The manifest could not be serialised.
    #[error("cannot write the manifest: {0}")]
    Manifest(#[from] serde_json::Error),
}

/// What was written and what the gate must find: `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The seed.
    pub seed: u64,
    /// Interactions written.
    pub count: usize,
    /// The share of interactions asked to get a defect.
    pub defect_rate: f64,
    /// Interactions with a defect, by kind of defect.
    pub defects: BTreeMap<String, usize>,
    /// Every interaction, by file and index.
    pub interactions: Vec<Entry>,
}

/// One synthetic interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The cassette, relative to the `cassettes` directory.
    pub file: String,
    /// The interaction's index in it.
    pub interaction: usize,
    /// The operation it was made for.
    pub operation: String,
    /// The request's method.
    pub method: String,
    /// The request's URL.
    pub url: String,
    /// The response's status.
    pub status: u16,
    /// Its defect, if it has one.
    pub defect: Option<Defect>,
    /// Where in the body the defect is, for defects of the body.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub at: Option<String>,
    /// The findings the gate must report for it, sorted; none for a clean interaction.
    pub expect: Vec<Expected>,
}

/// A synthetic set, in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    /// The cassette files: name (relative to `cassettes/`) and contents.
    pub files: Vec<(String, String)>,
    /// The manifest.
    pub manifest: Manifest,
}

/// One interaction before it is written in a cassette format.
struct Made {
    operation: &'static str,
    url: String,
    authorization: &'static str,
    status: u16,
    content_type: &'static str,
    body: String,
    defect: Option<Defect>,
    at: Option<String>,
    expect: Vec<Expected>,
}

/// The three operations, looked up once.
struct Operations<'s> {
    login: &'s Operation,
    device: &'s Operation,
    location: &'s Operation,
}

impl<'s> Operations<'s> {
    fn find(spec: &'s Spec) -> Result<Self, SynthError> {
        let get = |id: &str| {
            spec.operations
                .iter()
                .find(|o| o.id == id)
                .ok_or_else(|| SynthError::NoOperation(id.to_string()))
        };
        Ok(Operations {
            login: get(LOGIN)?,
            device: get(DEVICE)?,
            location: get(LOCATION)?,
        })
    }
}

/// Makes a synthetic set from `spec` (Flatpeak's, or one with the same operations).
pub fn generate(spec: &Spec, options: &Options) -> Result<Synthetic, SynthError> {
    let ops = Operations::find(spec)?;
    let mut rng = Rng::new(options.seed);
    let mut files = Vec::new();
    let mut entries = Vec::with_capacity(options.count);
    let mut defects = BTreeMap::new();
    let per_file = options.per_file.max(1);
    let mut done = 0;
    while done < options.count {
        let n = per_file.min(options.count - done);
        let mut made = Vec::with_capacity(n);
        for _ in 0..n {
            made.push(interaction(spec, &ops, &mut rng, options.defect_rate)?);
        }
        let format = Format::ALL[files.len() % Format::ALL.len()];
        let name = format!("synth-{:05}.{}", files.len(), format.extension());
        for (index, m) in made.iter().enumerate() {
            if let Some(defect) = m.defect {
                *defects.entry(defect.name().to_string()).or_insert(0) += 1;
            }
            entries.push(Entry {
                file: name.clone(),
                interaction: index,
                operation: m.operation.to_string(),
                method: "GET".to_string(),
                url: m.url.clone(),
                status: m.status,
                defect: m.defect,
                at: m.at.clone(),
                expect: m.expect.clone(),
            });
        }
        files.push((name, format.write(&made, options.seed)));
        done += n;
    }
    Ok(Synthetic {
        files,
        manifest: Manifest {
            seed: options.seed,
            count: options.count,
            defect_rate: options.defect_rate,
            defects,
            interactions: entries,
        },
    })
}

/// Writes `set` into `dir`: `dir/cassettes/` and `dir/manifest.json`. Refuses a `cassettes`
/// directory that already holds files, so that two sets are never mixed.
pub fn write(dir: &Path, set: &Synthetic) -> Result<(), SynthError> {
    let cassettes = dir.join("cassettes");
    let io = |path: &Path, source| SynthError::Io {
        path: path.to_path_buf(),
        source,
    };
    if std::fs::read_dir(&cassettes).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(SynthError::NotEmpty(cassettes));
    }
    std::fs::create_dir_all(&cassettes).map_err(|e| io(&cassettes, e))?;
    for (name, text) in &set.files {
        let path = cassettes.join(name);
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    let path = dir.join("manifest.json");
    let mut text = serde_json::to_string_pretty(&set.manifest)?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| io(&path, e))
}

/// One interaction: a valid response of a random operation and status, then, with probability
/// `rate`, one defect.
fn interaction(
    spec: &Spec,
    ops: &Operations<'_>,
    rng: &mut Rng,
    rate: f64,
) -> Result<Made, SynthError> {
    let roll = rng.unit();
    let op = match roll {
        r if r < 0.50 => ops.device,
        r if r < 0.90 => ops.location,
        _ => ops.login,
    };
    // One response in five is a documented error.
    let errors: Vec<u16> = op
        .responses
        .keys()
        .filter_map(|k| k.parse::<u16>().ok())
        .filter(|s| *s >= 400)
        .collect();
    let status = match errors.is_empty() || rng.chance(0.8) {
        true => 200,
        false => *rng.pick(&errors),
    };
    let (url, context, authorization) = match op.id.as_str() {
        DEVICE => (
            format!("{ORIGIN}/devices/{}", rng.id("dev")),
            "api.device_retrieve",
            "Bearer <redacted>",
        ),
        LOCATION => (
            format!("{ORIGIN}/locations/{}/status", rng.id("loc")),
            "api.location_status_retrieve",
            "Bearer <redacted>",
        ),
        _ => (format!("{ORIGIN}/login"), "api.login", "Basic <redacted>"),
    };
    let mut body = match (op.id.as_str(), status) {
        (DEVICE, 200) => {
            let id = url.rsplit('/').next().unwrap_or_default().to_string();
            bodies::device(rng, &id)
        }
        (LOCATION, 200) => {
            let id = url.split('/').nth(4).unwrap_or_default().to_string();
            bodies::location_status(rng, &id)
        }
        (_, 200) => bodies::auth_token(rng),
        (_, s) => bodies::error(rng, s, context),
    };
    let mut made = Made {
        operation: static_id(op),
        url,
        authorization,
        status,
        content_type: "application/json",
        body: String::new(),
        defect: None,
        at: None,
        expect: Vec::new(),
    };
    if rng.chance(rate) {
        let schema = schema_of(spec, op, status)?;
        let places = defects::places(&spec.document, schema, &body, rng);
        let undocumented: Vec<u16> = UNDOCUMENTED
            .into_iter()
            .filter(|s| op.response_for(*s).is_none())
            .collect();
        let fits = |d: &Defect| match d {
            Defect::UndocumentedStatus => !undocumented.is_empty(),
            Defect::HtmlErrorPage => op.responses.contains_key("500"),
            Defect::UnknownRoute => true,
            body_defect => places.iter().any(|p| p.defect == *body_defect),
        };
        let kinds: Vec<Defect> = Defect::ALL.into_iter().filter(fits).collect();
        let defect = *rng.pick(&kinds);
        made.defect = Some(defect);
        match defect {
            Defect::UndocumentedStatus => {
                made.status = *rng.pick(&undocumented);
                body = bodies::error(rng, made.status, context);
                made.expect = vec![expected(Kind::Status, "")];
            }
            Defect::HtmlErrorPage => {
                made.status = 500;
                made.content_type = "text/html; charset=utf-8";
                made.body = bodies::HTML_ERROR_PAGE.to_string();
                made.expect = vec![
                    expected(Kind::ContentType, ""),
                    expected(Kind::Json, ""),
                    expected(Kind::Client, ""),
                ];
            }
            Defect::UnknownRoute => {
                made.url.push_str("/history");
                made.expect = vec![expected(Kind::Route, "")];
            }
            body_defect => {
                let fitting: Vec<&defects::Place> =
                    places.iter().filter(|p| p.defect == body_defect).collect();
                let place = *rng.pick(&fitting);
                made.expect = defects::apply(&mut body, place);
                made.at = Some(place.pointer.clone());
            }
        }
        made.expect.sort();
    }
    if made.body.is_empty() {
        made.body = body.to_string();
    }
    Ok(made)
}

fn expected(kind: Kind, pointer: &str) -> Expected {
    Expected {
        kind,
        pointer: pointer.to_string(),
        severity: Severity::Error,
    }
}

fn static_id(op: &Operation) -> &'static str {
    match op.id.as_str() {
        DEVICE => DEVICE,
        LOCATION => LOCATION,
        _ => LOGIN,
    }
}

/// The documented JSON schema of `op`'s `status` response.
fn schema_of<'d>(spec: &'d Spec, op: &Operation, status: u16) -> Result<&'d Value, SynthError> {
    op.response_for(status)
        .and_then(|r| r.media.iter().find(|m| m.is_json()))
        .and_then(|m| m.schema.as_deref())
        .and_then(|p| spec.document.pointer(p))
        .ok_or_else(|| SynthError::NoSchema {
            operation: op.id.clone(),
            status,
        })
}

/// The cassette formats the gate reads, taken in turn.
#[derive(Debug, Clone, Copy)]
enum Format {
    VcrJson,
    VcrYaml,
    Har,
}

impl Format {
    const ALL: [Format; 3] = [Format::VcrJson, Format::VcrYaml, Format::Har];

    fn extension(self) -> &'static str {
        match self {
            Format::VcrJson => "json",
            Format::VcrYaml => "yaml",
            Format::Har => "har",
        }
    }

    fn write(self, made: &[Made], seed: u64) -> String {
        let by = format!("conformance synth --seed {seed}");
        match self {
            Format::VcrJson => pretty(&vcr(made, &by)),
            Format::VcrYaml => {
                let yaml = serde_norway::to_string(&vcr(made, &by)).unwrap_or_default();
                format!("# Synthetic: written by `{by}`.\n{yaml}")
            }
            Format::Har => pretty(&har(made, &by)),
        }
    }
}

fn pretty(value: &Value) -> String {
    // Plain data of strings and numbers: serialising it cannot fail.
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

const RECORDED_AT: &str = "Mon, 02 Mar 2026 10:15:00 GMT";

fn response_headers(m: &Made) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("Content-Type", m.content_type.to_string()),
        ("Date", RECORDED_AT.to_string()),
    ];
    if m.status == 429 {
        headers.push(("Retry-After", "30".to_string()));
    }
    headers
}

fn request_headers(m: &Made) -> Vec<(&'static str, String)> {
    vec![
        ("Accept", "application/json".to_string()),
        ("Authorization", m.authorization.to_string()),
    ]
}

/// A VCR cassette (Ruby VCR's layout).
fn vcr(made: &[Made], by: &str) -> Value {
    let headers = |list: Vec<(&str, String)>| {
        let map: serde_json::Map<String, Value> = list
            .into_iter()
            .map(|(n, v)| (n.to_string(), json!([v])))
            .collect();
        Value::Object(map)
    };
    let interactions: Vec<Value> = made
        .iter()
        .map(|m| {
            json!({
                "request": {
                    "uri": m.url,
                    "body": {"encoding": "UTF-8", "string": ""},
                    "method": "get",
                    "headers": headers(request_headers(m)),
                },
                "response": {
                    "status": {"code": m.status, "message": reason(m.status)},
                    "headers": headers(response_headers(m)),
                    "body": {"encoding": "UTF-8", "string": m.body},
                    "http_version": "1.1",
                },
                "recorded_at": RECORDED_AT,
            })
        })
        .collect();
    json!({"http_interactions": interactions, "recorded_with": by})
}

/// A HAR 1.2 file (the layout mitmproxy and browser devtools export).
fn har(made: &[Made], by: &str) -> Value {
    let headers = |list: Vec<(&str, String)>| -> Vec<Value> {
        list.into_iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect()
    };
    let entries: Vec<Value> = made
        .iter()
        .map(|m| {
            json!({
                "startedDateTime": "2026-03-02T10:15:00.000Z",
                "time": 40.0,
                "request": {
                    "method": "GET",
                    "url": m.url,
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": headers(request_headers(m)),
                    "queryString": [],
                    "headersSize": -1,
                    "bodySize": 0,
                },
                "response": {
                    "status": m.status,
                    "statusText": reason(m.status),
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": headers(response_headers(m)),
                    "content": {"size": m.body.len(), "mimeType": m.content_type, "text": m.body},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": m.body.len(),
                },
                "cache": {},
                "timings": {"send": 0.1, "wait": 39.0, "receive": 0.9},
            })
        })
        .collect();
    json!({"log": {
        "version": "1.2",
        "creator": {"name": by, "version": env!("CARGO_PKG_VERSION")},
        "entries": entries,
    }})
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        418 => "I'm a teapot",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

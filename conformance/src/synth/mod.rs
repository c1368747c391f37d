//! `conformance synth`: writes a synthetic set of recorded interactions, valid ones with
//! defects mixed in, for measuring the gate and for checking it against other validators.
//!
//! `synth --count N --out DIR` writes `DIR/cassettes/` (files of `--per-file` interactions,
//! taking turns as VCR JSON, VCR YAML and HAR) and `DIR/manifest.json`, which lists every
//! interaction with its defect, if any, and the findings the gate must report for it. The same
//! options and seed write the same bytes.
//!
//! Everything comes from the spec, through its model: every operation of it appears (picked
//! uniformly), with its method, its path and query parameters and its JSON request body
//! (`request`), and one of its documented statuses (mostly the success status, one in five a
//! documented error, a documented bodyless `202` now and then) with a body made from the
//! status's schema (`instance`). About `--defect-rate` of the interactions get one defect
//! each: a kind is chosen uniformly among all kinds (`defects`), then an operation that can
//! carry it, and a place in its request or response where it goes.

mod defects;
mod instance;
mod request;
mod rng;
mod view;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::cassette::layout::pairs;
use flatpeak_redact::vcr;

pub use defects::{Defect, Expected};

use crate::model::{Kind, Severity};
use crate::spec::{Operation, Spec};
use defects::Walk;
use instance::{Instances, Side, Slot};
use request::Request;
use rng::Rng;

/// Statuses tried, in turn, for an undocumented-status defect.
const UNDOCUMENTED: [u16; 4] = [409, 418, 502, 503];

/// The share of responses that are a documented error.
const ERROR_SHARE: f64 = 0.2;

/// The share of responses documented as maybe bodyless (`x-optional-body`) sent without one.
const BODYLESS_SHARE: f64 = 0.3;

/// Operations tried for a defect before falling back to one that always fits.
const ATTEMPTS: usize = 16;

/// An HTML error page, as a proxy in front of the API sends it.
const HTML_ERROR_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\
     <body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
     </body>\r\n</html>\r\n";

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
    /// The spec has no operations.
    #[error("the spec has no operations: a synthetic set is made of its operations")]
    NoOperations,
    /// An operation documents no status.
    #[error("`{operation}` documents no status code: synth needs one to answer with")]
    NoStatus {
        /// The operation.
        operation: String,
    },
    /// An operation documents no JSON schema for a status the set needs.
    #[error(
        "`{operation}` documents no JSON schema for status {status}: synth writes JSON bodies only"
    )]
    NoSchema {
        /// The operation.
        operation: String,
        /// The status.
        status: u16,
    },
    /// An operation requires a request body that has no JSON schema.
    #[error(
        "`{operation}` requires a request body without a JSON schema: synth writes JSON bodies only"
    )]
    NoRequestSchema {
        /// The operation.
        operation: String,
    },
    /// A parameter's schema allows nothing but `null`.
    #[error("parameter `{name}` of the spec has no value but `null`")]
    NullParameter {
        /// The parameter.
        name: String,
    },
    /// A URL synth made from the spec's server and a path is not one a cassette can hold.
    #[error("`{url}` (made for `{operation}`) is not a URL: {why}")]
    BadUrl {
        /// The operation.
        operation: String,
        /// The URL made.
        url: String,
        /// Why it is not one.
        why: url::ParseError,
    },
    /// A schema nests deeper than synth follows.
    #[error("a schema nests deeper than {0} levels: synth cannot make an instance of it")]
    TooDeep(usize),
    /// A `oneOf` has no members.
    #[error("a `oneOf` without members has no instance")]
    EmptyOneOf,
    /// A pattern has no example to make strings from.
    #[error(
        "pattern `{0}` has no example that matches it: synth makes the strings of a pattern from its schema's (or its property's) example"
    )]
    PatternWithoutExample(String),
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
    /// Interactions by operation.
    #[serde(default)]
    pub operations: BTreeMap<String, usize>,
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
    /// Where the defect is: a JSON pointer into the response body or the request body (for
    /// the defects of a body), or the parameter (`query:limit`, `path:id`).
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
    operation: String,
    method: String,
    url: String,
    query: Vec<(String, String)>,
    request_headers: Vec<(String, String)>,
    /// The request body, empty when there is none.
    request_body: String,
    status: u16,
    /// The response's media type; `None` for a response without a body.
    content_type: Option<&'static str>,
    body: String,
    defect: Option<Defect>,
    at: Option<String>,
    expect: Vec<Expected>,
}

/// One interaction while it is made, its bodies still JSON.
struct Draft<'s> {
    op: &'s Operation,
    request: Request,
    /// A URL other than the request's (an unknown route).
    url: Option<String>,
    status: u16,
    /// The response body; `None` for a response without one.
    body: Option<Value>,
    /// A body that is not JSON, which replaces `body`.
    raw: Option<&'static str>,
    content_type: Option<&'static str>,
    defect: Option<Defect>,
    at: Option<String>,
    expect: Vec<Expected>,
}

/// What making interactions needs: the spec and its schemas' instances.
struct Context<'s> {
    spec: &'s Spec,
    instances: Instances<'s>,
}

/// Makes a synthetic set from `spec`: any OpenAPI 3.0 spec whose bodies are JSON, and whose
/// every `pattern` has an example that matches it.
pub fn generate(spec: &Spec, options: &Options) -> Result<Synthetic, SynthError> {
    if spec.operations.is_empty() {
        return Err(SynthError::NoOperations);
    }
    let mut context = Context {
        spec,
        instances: Instances::new(&spec.document, options.seed),
    };
    let mut rng = Rng::new(options.seed);
    let mut files = Vec::new();
    let mut entries = Vec::with_capacity(options.count);
    let mut defects = BTreeMap::new();
    let mut operations = BTreeMap::new();
    let per_file = options.per_file.max(1);
    let mut done = 0;
    while done < options.count {
        let n = per_file.min(options.count - done);
        let mut made = Vec::with_capacity(n);
        for _ in 0..n {
            made.push(interaction(&mut context, &mut rng, options.defect_rate)?);
        }
        let format = Format::ALL[files.len() % Format::ALL.len()];
        let name = format!("synth-{:05}.{}", files.len(), format.extension());
        for (index, m) in made.iter().enumerate() {
            if let Some(defect) = m.defect {
                *defects.entry(defect.name().to_string()).or_insert(0) += 1;
            }
            *operations.entry(m.operation.clone()).or_insert(0) += 1;
            entries.push(entry(&name, index, m));
        }
        files.push((name, format.write(&made, options.seed)?));
        done += n;
    }
    Ok(Synthetic {
        files,
        manifest: Manifest {
            seed: options.seed,
            count: options.count,
            defect_rate: options.defect_rate,
            defects,
            operations,
            interactions: entries,
        },
    })
}

fn entry(file: &str, index: usize, m: &Made) -> Entry {
    Entry {
        file: file.to_string(),
        interaction: index,
        operation: m.operation.clone(),
        method: m.method.clone(),
        url: m.url.clone(),
        status: m.status,
        defect: m.defect,
        at: m.at.clone(),
        expect: m.expect.clone(),
    }
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

/// One interaction: with probability `rate` one with a defect, else a valid one of an
/// operation picked uniformly.
fn interaction(context: &mut Context<'_>, rng: &mut Rng, rate: f64) -> Result<Made, SynthError> {
    let spec = context.spec;
    if !rng.chance(rate) {
        let op = pick_operation(spec, rng)?;
        return Ok(finish(spec, draft(context, op, rng)?));
    }
    // The kind first, then an operation that can carry it: every kind is as frequent as
    // any other, however few operations can carry it.
    let defect = *rng.pick(&Defect::ALL);
    let able: Vec<&Operation> = spec
        .operations
        .iter()
        .filter(|op| could_carry(spec, op, defect))
        .collect();
    for _ in 0..ATTEMPTS {
        let Some(&op) = rng.pick_opt(&able) else {
            break;
        };
        let mut d = draft(context, op, rng)?;
        if make_defect(context, &mut d, defect, rng)? {
            return Ok(finish(spec, d));
        }
    }
    // Nothing could carry it (a body without the field it needs, say): an unknown route
    // fits any interaction.
    let op = pick_operation(spec, rng)?;
    let mut d = draft(context, op, rng)?;
    make_defect(context, &mut d, Defect::UnknownRoute, rng)?;
    Ok(finish(spec, d))
}

fn pick_operation<'s>(spec: &'s Spec, rng: &mut Rng) -> Result<&'s Operation, SynthError> {
    rng.pick_opt(&spec.operations)
        .ok_or(SynthError::NoOperations)
}

/// A valid interaction of `op`.
fn draft<'s>(
    context: &mut Context<'s>,
    op: &'s Operation,
    rng: &mut Rng,
) -> Result<Draft<'s>, SynthError> {
    let spec = context.spec;
    let request = request::make(&mut context.instances, spec, op, rng)?;
    let status = status(op, rng)?;
    let optional = op.response_for(status).is_some_and(|r| r.optional_body);
    let (body, content_type) = match response_schema(spec, op, status)? {
        Some(_) if optional && rng.chance(BODYLESS_SHARE) => (None, None),
        Some(schema) => {
            let mut body = context
                .instances
                .value(rng, schema, Side::Response, Slot::default())?;
            error_class(&mut body, status);
            (Some(body), Some("application/json"))
        }
        None => (None, None),
    };
    Ok(Draft {
        op,
        request,
        url: None,
        status,
        body,
        raw: None,
        content_type,
        defect: None,
        at: None,
        expect: Vec::new(),
    })
}

/// One of `op`'s documented statuses: a success status, or one time in five an error one.
fn status(op: &Operation, rng: &mut Rng) -> Result<u16, SynthError> {
    let (errors, successes): (Vec<u16>, Vec<u16>) =
        op.statuses().into_iter().partition(|s| *s >= 400);
    let errors_now = successes.is_empty() || rng.chance(ERROR_SHARE);
    let from = if errors_now && !errors.is_empty() {
        &errors
    } else {
        &successes
    };
    rng.pick_opt(from)
        .copied()
        .ok_or_else(|| SynthError::NoStatus {
            operation: op.id.clone(),
        })
}

/// The documented JSON schema of `op`'s `status` response; `None` when it documents no
/// body. A body of another media type is an error: synth writes JSON bodies only.
fn response_schema<'d>(
    spec: &'d Spec,
    op: &Operation,
    status: u16,
) -> Result<Option<&'d Value>, SynthError> {
    let Some(response) = op.response_for(status) else {
        return Ok(None);
    };
    if response.media.is_empty() {
        return Ok(None);
    }
    spec_model::Media::json_schema(&response.media)
        .and_then(|p| spec.document.pointer(p))
        .map(Some)
        .ok_or_else(|| SynthError::NoSchema {
            operation: op.id.clone(),
            status,
        })
}

/// An error envelope's `type` follows the status (the `Error` schema's description):
/// `rate_limit` for 429, `api_error` for 5xx, `invalid_request` otherwise.
fn error_class(body: &mut Value, status: u16) {
    if status < 400 || body.get("object").and_then(Value::as_str) != Some("error") {
        return;
    }
    if let Some(kind) = body.get_mut("type") {
        *kind = Value::from(match status {
            429 => "rate_limit",
            s if s >= 500 => "api_error",
            _ => "invalid_request",
        });
    }
}

/// Statuses of [`UNDOCUMENTED`] that `op` does not document.
fn undocumented(op: &Operation) -> Vec<u16> {
    UNDOCUMENTED
        .into_iter()
        .filter(|s| op.response_for(*s).is_none())
        .collect()
}

/// Whether `op` can carry `defect` at all (whether a given interaction of it can depends on
/// what was made).
fn could_carry(spec: &Spec, op: &Operation, defect: Defect) -> bool {
    match defect {
        Defect::UndocumentedStatus => !undocumented(op).is_empty(),
        Defect::HtmlErrorPage => op.responses.contains_key("500"),
        Defect::UnknownRoute => true,
        d if d.of_response_body() => op.responses.values().any(|r| !r.media.is_empty()),
        d if d.in_response_body().is_some() => op.request_body.is_some(),
        d => !request::candidates(spec, op, d).is_empty(),
    }
}

/// Makes `defect` in `d`; false when `d` cannot carry it.
fn make_defect(
    context: &mut Context<'_>,
    d: &mut Draft<'_>,
    defect: Defect,
    rng: &mut Rng,
) -> Result<bool, SynthError> {
    let spec = context.spec;
    let made: Broken = match defect {
        Defect::UndocumentedStatus => undocumented_status(context, d, rng)?,
        Defect::HtmlErrorPage if d.op.responses.contains_key("500") => {
            d.status = 500;
            d.raw = Some(HTML_ERROR_PAGE);
            d.content_type = Some("text/html; charset=utf-8");
            let at = |kind| expected(kind, "");
            Some((
                None,
                vec![at(Kind::ContentType), at(Kind::Json), at(Kind::Client)],
            ))
        }
        Defect::HtmlErrorPage => None,
        Defect::UnknownRoute => {
            unknown_route(spec, d).then(|| (None, vec![expected(Kind::Route, "")]))
        }
        d_ if d_.of_response_body() => break_response_body(context, d, defect, rng)?,
        d_ if d_.in_response_body().is_some() => break_request_body(context, d, defect, rng)?,
        _ => request::break_parameter(
            &mut context.instances,
            spec,
            d.op,
            &mut d.request,
            defect,
            rng,
        )?
        .map(|(at, expect)| (Some(at), expect)),
    };
    let Some((at, mut expect)) = made else {
        return Ok(false);
    };
    expect.sort();
    d.defect = Some(defect);
    d.at = at;
    d.expect = expect;
    Ok(true)
}

/// A defect made: where (for the manifest's `at`) and what the gate must report.
type Broken = Option<(Option<String>, Vec<Expected>)>;

/// An error envelope under a status the operation does not document.
fn undocumented_status(
    context: &mut Context<'_>,
    d: &mut Draft<'_>,
    rng: &mut Rng,
) -> Result<Broken, SynthError> {
    let Some(&status) = rng.pick_opt(&undocumented(d.op)) else {
        return Ok(None);
    };
    let spec = context.spec;
    // The body of a documented error status, under a status that is not documented.
    let schema =
        d.op.statuses()
            .into_iter()
            .filter(|s| *s >= 400)
            .find_map(|s| response_schema(spec, d.op, s).ok().flatten());
    let mut body = match schema {
        Some(schema) => context
            .instances
            .value(rng, schema, Side::Response, Slot::default())?,
        None => json!({"message": "The request cannot be handled now"}),
    };
    error_class(&mut body, status);
    d.status = status;
    d.body = Some(body);
    d.content_type = Some("application/json");
    Ok(Some((None, vec![expected(Kind::Status, "")])))
}

/// A path below the request's that no operation has; false when every one tried has one.
fn unknown_route(spec: &Spec, d: &mut Draft<'_>) -> bool {
    let url = d.request.url(spec, d.op);
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path, format!("?{query}")),
        None => (url.as_str(), String::new()),
    };
    for suffix in ["/history", "/history/all"] {
        let candidate = format!("{path}{suffix}{query}");
        if crate::route::route(spec, &d.op.method, &candidate).is_err() {
            d.url = Some(candidate);
            return true;
        }
    }
    false
}

/// A defect of the response body, at a place found by walking it with its schema.
fn break_response_body(
    context: &mut Context<'_>,
    d: &mut Draft<'_>,
    defect: Defect,
    rng: &mut Rng,
) -> Result<Broken, SynthError> {
    let schema = response_schema(context.spec, d.op, d.status)?;
    let (Some(body), Some(schema)) = (d.body.as_mut(), schema) else {
        return Ok(None);
    };
    Ok(place_of(context, schema, body, defect, rng)
        .map(|place| (Some(place.pointer.clone()), defects::apply(body, &place))))
}

/// A defect of the request body, at a place found by walking it with its schema: the
/// response body's defect of the same name, which the gate reports as a `request` finding.
fn break_request_body(
    context: &mut Context<'_>,
    d: &mut Draft<'_>,
    defect: Defect,
    rng: &mut Rng,
) -> Result<Broken, SynthError> {
    let schema = request::body_schema(context.spec, d.op)?;
    let (Some(body), Some(schema), Some(kind)) =
        (d.request.body.as_mut(), schema, defect.in_response_body())
    else {
        return Ok(None);
    };
    Ok(place_of(context, schema, body, kind, rng).map(|place| {
        let expect = defects::apply_to_request(body, &place);
        (Some(place.pointer), expect)
    }))
}

/// A place in `body` (of `schema`) for `defect`, picked at random among all.
fn place_of<'s>(
    context: &mut Context<'s>,
    schema: &'s Value,
    body: &Value,
    defect: Defect,
    rng: &mut Rng,
) -> Option<defects::Place> {
    let mut walk = Walk {
        doc: &context.spec.document,
        patterns: &mut context.instances.patterns,
        rng,
    };
    let mut places: Vec<defects::Place> = defects::places(&mut walk, schema, body)
        .into_iter()
        .filter(|p| p.defect == defect)
        .collect();
    let at = rng.below(places.len());
    (!places.is_empty()).then(|| places.swap_remove(at))
}

fn expected(kind: Kind, pointer: &str) -> Expected {
    Expected {
        kind,
        pointer: pointer.to_string(),
        severity: Severity::Error,
    }
}

/// The interaction as it is written: URL, headers and bodies as text.
fn finish(spec: &Spec, d: Draft<'_>) -> Made {
    let url = d.url.clone().unwrap_or_else(|| d.request.url(spec, d.op));
    let mut request_headers = vec![
        ("Accept".to_string(), "application/json".to_string()),
        (
            "Authorization".to_string(),
            request::authorization(spec, d.op).to_string(),
        ),
    ];
    // Plain data of strings and numbers: serialising it cannot fail.
    let request_body = d
        .request
        .body
        .as_ref()
        .map(|b| serde_json::to_string(b).unwrap_or_default())
        .unwrap_or_default();
    if d.request.body.is_some() {
        request_headers.push(("Content-Type".to_string(), "application/json".to_string()));
    }
    request_headers.extend(d.request.headers.iter().cloned());
    let body = match (d.raw, &d.body) {
        (Some(raw), _) => raw.to_string(),
        (None, Some(body)) => body.to_string(),
        (None, None) => String::new(),
    };
    Made {
        operation: d.op.id.clone(),
        method: d.op.method.clone(),
        url,
        query: d.request.query.clone(),
        request_headers,
        request_body,
        status: d.status,
        content_type: d.content_type,
        body,
        defect: d.defect,
        at: d.at,
        expect: d.expect,
    }
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

    fn write(self, made: &[Made], seed: u64) -> Result<String, SynthError> {
        let by = format!("conformance synth --seed {seed}");
        Ok(match self {
            Format::VcrJson => pretty(&vcr(made, &by)?),
            Format::VcrYaml => {
                // Plain data of strings and numbers: serialising it cannot fail.
                let yaml = serde_norway::to_string(&vcr(made, &by)?).unwrap_or_default();
                format!("# Synthetic: written by `{by}`.\n{yaml}")
            }
            Format::Har => pretty(&har(made, &by)),
        })
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
    let mut headers = Vec::new();
    if let Some(content_type) = m.content_type {
        headers.push(("Content-Type", content_type.to_string()));
    }
    headers.push(("Date", RECORDED_AT.to_string()));
    if m.status == 429 {
        headers.push(("Retry-After", "30".to_string()));
    }
    headers
}

/// A VCR cassette, written through the types the gate reads it with.
fn vcr(made: &[Made], by: &str) -> Result<Value, SynthError> {
    let interactions = made.iter().map(vcr_interaction).collect::<Result<_, _>>()?;
    let cassette = vcr::Cassette {
        http_interactions: interactions,
        recorded_with: by.to_string(),
    };
    // Plain data of strings and numbers, and maps with string keys: it cannot fail.
    Ok(serde_json::to_value(cassette).unwrap_or_default())
}

/// One made interaction as VCR records it (Ruby VCR's lower-case method).
fn vcr_interaction(m: &Made) -> Result<vcr::Interaction, SynthError> {
    let uri = m.url.parse().map_err(|why| SynthError::BadUrl {
        operation: m.operation.clone(),
        url: m.url.clone(),
        why,
    })?;
    Ok(vcr::Interaction {
        request: vcr::Request {
            uri,
            method: m.method.to_ascii_lowercase(),
            headers: vcr::Headers::from_pairs(m.request_headers.iter().cloned()),
            body: vcr::Body::from(m.request_body.as_str()),
        },
        response: vcr::Response {
            status: vcr::Status {
                code: m.status,
                message: reason(m.status).to_string(),
            },
            headers: vcr::Headers::from_pairs(response_headers(m)),
            body: vcr::Body::from(m.body.as_str()),
            http_version: Some("1.1".to_string()),
        },
        recorded_at: RECORDED_AT.to_string(),
    })
}

/// A HAR 1.2 file (the layout mitmproxy and browser devtools export).
fn har(made: &[Made], by: &str) -> Value {
    let entries: Vec<Value> = made
        .iter()
        .map(|m| {
            let mut request = json!({
                "method": m.method,
                "url": m.url,
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": pairs(&m.request_headers),
                "queryString": pairs(&m.query),
                "headersSize": -1,
                "bodySize": m.request_body.len(),
            });
            if !m.request_body.is_empty() {
                request["postData"] =
                    json!({"mimeType": "application/json", "text": m.request_body});
            }
            let response_headers = response_headers(m);
            json!({
                "startedDateTime": "2026-03-02T10:15:00.000Z",
                "time": 40.0,
                "request": request,
                "response": {
                    "status": m.status,
                    "statusText": reason(m.status),
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": pairs(&response_headers),
                    "content": {
                        "size": m.body.len(),
                        "mimeType": m.content_type.unwrap_or(""),
                        "text": m.body,
                    },
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
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
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

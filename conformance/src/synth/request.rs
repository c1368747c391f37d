//! The request of a synthetic interaction, made from its operation in the spec: every path
//! parameter, every required query parameter and some optional ones (each as its schema
//! types it), and a JSON body for an operation that takes one. The defects a request's
//! parameters can carry are made here too; those of its body are made by walking it
//! (`defects`).

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::Value;

use super::SynthError;
use super::defects::{Defect, Expected, off_pattern, out_of_range};
use super::instance::{Instances, Side, Slot};
use super::rng::Rng;
use super::view::view;
use crate::model::Kind;
use crate::schema::scalar_type;
use crate::spec::{Location, Operation, Parameter, Spec, escape};

/// Where the recorded requests went, when the spec's server URL is a bare path.
const ORIGIN: &str = "https://api.flatpeak.com";

/// The chance that an optional parameter is sent.
const OPTIONAL_PARAMETER: f64 = 0.5;

/// What a path segment cannot hold as it is.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// A request, before it is written as a URL, headers and a body.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    /// Path parameters, by name.
    pub(crate) path: Vec<(String, String)>,
    /// Query parameters, in order.
    pub(crate) query: Vec<(String, String)>,
    /// Header parameters.
    pub(crate) headers: Vec<(String, String)>,
    /// The JSON body.
    pub(crate) body: Option<Value>,
}

impl Request {
    /// The request's URL: the spec's server, the operation's path with its parameters, and
    /// the query string.
    pub(crate) fn url(&self, spec: &Spec, op: &Operation) -> String {
        let mut path = op.template.clone();
        for (name, value) in &self.path {
            let encoded = utf8_percent_encode(value, SEGMENT).to_string();
            path = path.replace(&format!("{{{name}}}"), &encoded);
        }
        let server = match spec.servers.first() {
            Some(url) if url.starts_with("http") => url.trim_end_matches('/').to_string(),
            _ => format!("{ORIGIN}{}", spec.base_path),
        };
        let mut url = format!("{server}{path}");
        if !self.query.is_empty() {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&self.query)
                .finish();
            url.push('?');
            url.push_str(&query);
        }
        url
    }
}

/// A valid request for `op`.
pub(crate) fn make<'d>(
    instances: &mut Instances<'d>,
    spec: &'d Spec,
    op: &Operation,
    rng: &mut Rng,
) -> Result<Request, SynthError> {
    let mut request = Request::default();
    for p in &op.parameters {
        if !p.required && !rng.chance(OPTIONAL_PARAMETER) {
            continue;
        }
        let text = value(instances, spec, p, rng)?;
        let list = match p.location {
            Location::Path => &mut request.path,
            Location::Query => &mut request.query,
            Location::Header => &mut request.headers,
            Location::Cookie => continue,
        };
        list.push((p.name.clone(), text));
    }
    request.body = match body_schema(spec, op)? {
        Some(schema) => Some(instances.value(rng, schema, Side::Request, Slot::default())?),
        None => None,
    };
    Ok(request)
}

/// The schema of `op`'s JSON request body, if it takes one.
pub(crate) fn body_schema<'d>(
    spec: &'d Spec,
    op: &Operation,
) -> Result<Option<&'d Value>, SynthError> {
    let Some(body) = &op.request_body else {
        return Ok(None);
    };
    let schema = spec_model::Media::json_schema(&body.media).and_then(|p| spec.document.pointer(p));
    match schema {
        Some(schema) => Ok(Some(schema)),
        None if !body.required => Ok(None),
        None => Err(SynthError::NoRequestSchema {
            operation: op.id.clone(),
        }),
    }
}

/// A valid value of parameter `p`, as text.
fn value<'d>(
    instances: &mut Instances<'d>,
    spec: &'d Spec,
    p: &Parameter,
    rng: &mut Rng,
) -> Result<String, SynthError> {
    let doc = &spec.document;
    let Some(schema) = p.schema.as_deref().and_then(|s| doc.pointer(s)) else {
        // A parameter without a schema takes any text.
        return Ok("value".to_string());
    };
    let slot = Slot {
        name: Some(&p.name),
        example: doc.pointer(&format!("{}/example", p.pointer)),
    };
    // A nullable parameter's `null` cannot be written in a URL: try again for a value.
    for _ in 0..8 {
        let value = match instances.value(rng, schema, Side::Request, slot)? {
            Value::Null => continue,
            value if p.sensitive => instances.placeholder(&value, schema),
            value => value,
        };
        return Ok(match value {
            Value::String(text) => text,
            other => other.to_string(),
        });
    }
    Err(SynthError::NullParameter {
        name: p.name.clone(),
    })
}

/// The parameters of `op` a parameter defect can be made in.
pub(crate) fn candidates<'o>(spec: &Spec, op: &'o Operation, defect: Defect) -> Vec<&'o Parameter> {
    let doc = &spec.document;
    let schema = |p: &Parameter| p.schema.as_deref().and_then(|s| doc.pointer(s));
    op.parameters
        .iter()
        // A sensitive parameter holds a placeholder (see `defects::places`).
        .filter(|p| !p.sensitive)
        .filter(|p| {
            let query = p.location == Location::Query;
            let Some(schema) = schema(p) else {
                return false;
            };
            let v = view(doc, schema);
            match defect {
                Defect::RequestQueryMissingRequired => query && p.required,
                Defect::RequestQueryWrongType => {
                    let typed = p.schema.as_deref().and_then(|s| scalar_type(doc, s));
                    query && matches!(typed, Some("integer" | "number" | "boolean"))
                }
                Defect::RequestQueryBadDateTime => query && v.format == Some("date-time"),
                Defect::RequestQueryOutOfRange => query && out_of_range(&v).is_some(),
                Defect::RequestParameterIdOffPattern => {
                    matches!(p.location, Location::Query | Location::Path) && v.pattern.is_some()
                }
                _ => false,
            }
        })
        .collect()
}

/// Makes `defect` (a parameter defect) in one of `op`'s parameters of `request`; returns
/// where (`query:limit`) and what the gate must report, or `None` when no parameter of `op`
/// can carry it.
pub(crate) fn break_parameter<'d>(
    instances: &mut Instances<'d>,
    spec: &'d Spec,
    op: &Operation,
    request: &mut Request,
    defect: Defect,
    rng: &mut Rng,
) -> Result<Option<(String, Vec<Expected>)>, SynthError> {
    let candidates = candidates(spec, op, defect);
    let Some(&p) = rng.pick_opt(&candidates) else {
        return Ok(None);
    };
    let doc = &spec.document;
    let schema = p.schema.as_deref().and_then(|s| doc.pointer(s));
    let broken = match (defect, schema) {
        (Defect::RequestQueryMissingRequired, _) => None,
        (Defect::RequestQueryWrongType, _) => Some("many".to_string()),
        (Defect::RequestQueryBadDateTime, _) => Some("tomorrow".to_string()),
        (Defect::RequestQueryOutOfRange, Some(schema)) => out_of_range(&view(doc, schema))
            .as_ref()
            .map(Value::to_string),
        (Defect::RequestParameterIdOffPattern, Some(schema)) => {
            let text = match sent(request, p) {
                Some(text) => text.to_string(),
                None => value(instances, spec, p, rng)?,
            };
            view(doc, schema)
                .pattern
                .and_then(|pattern| off_pattern(&mut instances.patterns, pattern, &text))
        }
        _ => return Ok(None),
    };
    let list = match p.location {
        Location::Path => &mut request.path,
        _ => &mut request.query,
    };
    let at = list.iter().position(|(n, _)| *n == p.name);
    list.retain(|(n, _)| *n != p.name);
    if let Some(text) = broken {
        list.insert(at.unwrap_or(list.len()), (p.name.clone(), text));
    }
    let place = format!("{}:{}", p.location.as_str(), p.name);
    Ok(Some((
        place.clone(),
        vec![Expected::error(Kind::Request, &place)],
    )))
}

/// The value `request` sends for parameter `p`, if any.
fn sent<'r>(request: &'r Request, p: &Parameter) -> Option<&'r str> {
    let list = match p.location {
        Location::Path => &request.path,
        Location::Query => &request.query,
        _ => &request.headers,
    };
    list.iter()
        .find(|(n, _)| *n == p.name)
        .map(|(_, v)| v.as_str())
}

/// The `Authorization` header a recorder leaves: the scheme the operation's security asks
/// for (HTTP Basic for `/login`, a bearer token otherwise), its credentials scrubbed.
pub(crate) fn authorization(spec: &Spec, op: &Operation) -> &'static str {
    let doc = &spec.document;
    let security = doc
        .pointer(&format!("{}/security", op.pointer))
        .or_else(|| doc.get("security"));
    let basic = security
        .and_then(Value::as_array)
        .and_then(|list| list.first())
        .and_then(Value::as_object)
        .and_then(|requirement| requirement.keys().next())
        .and_then(|name| {
            doc.pointer(&format!(
                "/components/securitySchemes/{}/scheme",
                escape(name)
            ))
        })
        .is_some_and(|scheme| {
            scheme
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("basic"))
        });
    match basic {
        true => "Basic <redacted>",
        false => "Bearer <redacted>",
    }
}

//! Rewrites that make a real-world OpenAPI document digestible for progenitor.
//!
//! Each pass is a small function over the whole document that returns what it changed, one
//! [`Change`] per operation and rewrite, so the generator can print them. A new quirk of some
//! spec becomes one more pass in [`PASSES`], not a special case elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use openapiv3::{
    AnySchema, Components, MediaType, OpenAPI, Operation, PathItem, ReferenceOr, RequestBody,
    Response, Schema, SchemaKind,
};

/// One rewrite of one operation or schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `operationId` (after synthesis) of the operation that changed, or the JSON pointer of
    /// the schema that changed (`#/components/schemas/Foo`).
    pub operation: String,
    /// What the pass did, in a few words.
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation, self.what)
    }
}

/// Where an operation lives, for passes that need to name it.
pub struct OperationSite<'a> {
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path template.
    pub path: &'a str,
}

mod all_of;
mod enum_names;
pub mod schemas;
mod type_names;

pub use enum_names::unmark;

type Pass = fn(&mut OpenAPI) -> Vec<Change>;

/// The passes, in the order they run. Later passes rely on earlier ones (for example, media
/// types are chosen after `$ref`s are resolved).
pub const PASSES: &[(&str, Pass)] = &[
    ("synthesise-operation-ids", synthesise_operation_ids),
    ("resolve-request-body-refs", resolve_request_body_refs),
    ("resolve-response-refs", resolve_response_refs),
    ("choose-json-media-type", choose_json_media_type),
    ("drop-media-type-encoding", drop_media_type_encoding),
    ("unify-response-bodies", unify_response_bodies),
    (
        "collapse-annotated-all-of",
        all_of::collapse_annotated_all_of,
    ),
    (
        "distinct-enum-variant-names",
        enum_names::distinct_enum_variant_names,
    ),
    ("unique-type-names", type_names::unique_type_names),
    ("drop-zero-min-length", drop_zero_min_length),
    ("drop-nullable-parameters", drop_nullable_parameters),
];

/// Runs every pass over `spec` and returns all changes, in order.
pub fn normalise(spec: &mut OpenAPI) -> Vec<Change> {
    PASSES.iter().flat_map(|(_, pass)| pass(spec)).collect()
}

/// Calls `f` for every operation of every inline path item. (Path items that are themselves
/// `$ref`s are left alone; progenitor rejects them with an error that names the path.)
pub fn for_each_operation(
    spec: &mut OpenAPI,
    mut f: impl FnMut(OperationSite<'_>, &mut Operation),
) {
    for (path, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, slot) in operation_slots(item) {
            if let Some(op) = slot.as_mut() {
                f(OperationSite { method, path }, op);
            }
        }
    }
}

/// The eight operation slots of a path item, with their lower-case method names.
pub fn operation_slots(item: &mut PathItem) -> [(&'static str, &mut Option<Operation>); 8] {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
}

fn op_name(op: &Operation, site: &OperationSite<'_>) -> String {
    op.operation_id
        .clone()
        .unwrap_or_else(|| format!("{} {}", site.method.to_uppercase(), site.path))
}

/// progenitor needs an `operationId` on every operation: the one the workspace's spec model
/// makes up (`GET /devices/{id}` -> `get_devices_id`, suffixed if it would collide), so that
/// the client, the gate and every other tool name the operation alike.
fn synthesise_operation_ids(spec: &mut OpenAPI) -> Vec<Change> {
    let ids: BTreeMap<(String, String), String> = model_of(spec)
        .map(|model| {
            model
                .operations
                .into_iter()
                .filter(|op| op.id_synthesised)
                .map(|op| ((op.method.to_ascii_lowercase(), op.template), op.id))
                .collect()
        })
        .unwrap_or_default();
    let mut changes = Vec::new();
    for_each_operation(spec, |site, op| {
        if op.operation_id.is_some() {
            return;
        }
        let Some(id) = ids.get(&(site.method.to_string(), site.path.to_string())) else {
            return;
        };
        changes.push(Change {
            operation: id.clone(),
            what: format!(
                "no operationId on {} {}: synthesised `{id}`",
                site.method.to_uppercase(),
                site.path
            ),
        });
        op.operation_id = Some(id.clone());
    });
    changes
}

/// The spec model of `spec` as it stands. `None` only for a document the model refuses, which
/// progenitor then refuses with its own message.
fn model_of(spec: &OpenAPI) -> Option<spec_model::Spec> {
    let document = serde_json::to_value(spec).ok()?;
    spec_model::Spec::from_document(document, "spec").ok()
}

/// Replaces a `$ref`'d request body by the body it names, so later passes see its media types.
fn resolve_request_body_refs(spec: &mut OpenAPI) -> Vec<Change> {
    let components = spec.components.clone().unwrap_or_default();
    let mut changes = Vec::new();
    for_each_operation(spec, |site, op| {
        let Some(ReferenceOr::Reference { reference }) = &op.request_body else {
            return;
        };
        let reference = reference.clone();
        if let Some(body) = lookup_request_body(&components, &reference) {
            op.request_body = Some(ReferenceOr::Item(body));
            changes.push(Change {
                operation: op_name(op, &site),
                what: format!("request body `{reference}` resolved inline"),
            });
        }
    });
    changes
}

/// Replaces each `$ref`'d response by the response it names.
fn resolve_response_refs(spec: &mut OpenAPI) -> Vec<Change> {
    let components = spec.components.clone().unwrap_or_default();
    let mut changes = Vec::new();
    for_each_operation(spec, |site, op| {
        let mut resolved = Vec::new();
        for (status, slot) in response_slots(op) {
            let ReferenceOr::Reference { reference } = slot else {
                continue;
            };
            if let Some(response) = lookup_response(&components, reference) {
                resolved.push(format!("{status} `{reference}`"));
                *slot = ReferenceOr::Item(response);
            }
        }
        if !resolved.is_empty() {
            changes.push(Change {
                operation: op_name(op, &site),
                what: format!("responses resolved inline: {}", resolved.join(", ")),
            });
        }
    });
    changes
}

/// Follows a chain of component references (a response may `$ref` another) to an item.
fn lookup<T: Clone>(
    map: &indexmap::IndexMap<String, ReferenceOr<T>>,
    prefix: &str,
    reference: &str,
) -> Option<T> {
    let mut reference = reference.to_string();
    for _ in 0..16 {
        let key = reference.strip_prefix(prefix)?;
        match map.get(key)? {
            ReferenceOr::Item(item) => return Some(item.clone()),
            ReferenceOr::Reference { reference: next } => reference = next.clone(),
        }
    }
    None
}

fn lookup_response(components: &Components, reference: &str) -> Option<Response> {
    lookup(&components.responses, "#/components/responses/", reference)
}

fn lookup_request_body(components: &Components, reference: &str) -> Option<RequestBody> {
    lookup(
        &components.request_bodies,
        "#/components/requestBodies/",
        reference,
    )
}

/// Every response slot of an operation with a printable status (`200`, `4XX`, `default`).
fn response_slots(op: &mut Operation) -> Vec<(String, &mut ReferenceOr<Response>)> {
    let responses = &mut op.responses;
    let mut slots: Vec<(String, &mut ReferenceOr<Response>)> = responses
        .responses
        .iter_mut()
        .map(|(code, r)| (code.to_string(), r))
        .collect();
    if let Some(default) = responses.default.as_mut() {
        slots.push(("default".to_string(), default));
    }
    slots
}

fn is_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// Keeps a single media type where several are offered: `application/json` (or a `+json`
/// type, renamed to `application/json` in responses) if present, else the first.
fn choose_json_media_type(spec: &mut OpenAPI) -> Vec<Change> {
    let mut changes = Vec::new();
    for_each_operation(spec, |site, op| {
        let name = op_name(op, &site);
        if let Some(ReferenceOr::Item(body)) = op.request_body.as_mut()
            && let Some(what) = keep_one_media_type(&mut body.content, false)
        {
            changes.push(Change {
                operation: name.clone(),
                what: format!("request body: {what}"),
            });
        }
        for (status, slot) in response_slots(op) {
            let ReferenceOr::Item(response) = slot else {
                continue;
            };
            if let Some(what) = keep_one_media_type(&mut response.content, true) {
                changes.push(Change {
                    operation: name.clone(),
                    what: format!("response {status}: {what}"),
                });
            }
        }
    });
    changes
}

fn keep_one_media_type(
    content: &mut indexmap::IndexMap<String, MediaType>,
    rename_json: bool,
) -> Option<String> {
    let json = content.keys().find(|k| is_json(k)).cloned();
    let exact = json.as_deref().is_some_and(|k| k == "application/json");
    if content.len() <= 1 && (exact || !rename_json || json.is_none()) {
        return None;
    }
    let chosen = json.clone().or_else(|| content.keys().next().cloned())?;
    let dropped: Vec<String> = content.keys().filter(|k| **k != chosen).cloned().collect();
    let media = content.shift_remove(&chosen)?;
    content.clear();
    let key = if rename_json && json.is_some() {
        "application/json".to_string()
    } else {
        chosen.clone()
    };
    content.insert(key.clone(), media);
    let mut what = format!("kept `{chosen}`");
    if key != chosen {
        what.push_str(" as `application/json`");
    }
    if !dropped.is_empty() {
        what.push_str(&format!(", dropped {}", quoted_list(&dropped)));
    }
    Some(what)
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `encoding` only means something for multipart and form bodies; progenitor refuses it on
/// JSON. Dropping it from JSON media types changes nothing on the wire.
fn drop_media_type_encoding(spec: &mut OpenAPI) -> Vec<Change> {
    let mut changes = Vec::new();
    for_each_operation(spec, |site, op| {
        let name = op_name(op, &site);
        let mut places = Vec::new();
        if let Some(ReferenceOr::Item(body)) = op.request_body.as_mut() {
            places.extend(
                clear_json_encoding(&mut body.content).map(|m| format!("request body {m}")),
            );
        }
        for (status, slot) in response_slots(op) {
            if let ReferenceOr::Item(response) = slot {
                places.extend(
                    clear_json_encoding(&mut response.content)
                        .map(|m| format!("response {status} {m}")),
                );
            }
        }
        for place in places {
            changes.push(Change {
                operation: name.clone(),
                what: format!("{place}: dropped `encoding`"),
            });
        }
    });
    changes
}

fn clear_json_encoding(content: &mut indexmap::IndexMap<String, MediaType>) -> Option<String> {
    let (key, media) = content
        .iter_mut()
        .find(|(k, m)| is_json(k) && !m.encoding.is_empty())?;
    media.encoding.clear();
    Some(format!("`{key}`"))
}

/// What progenitor makes of a response body: no body, a typed JSON body (compared by schema),
/// or raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum BodyKind {
    None,
    Json(String),
    Raw,
}

fn body_kind(response: &Response) -> BodyKind {
    if let Some((_, media)) = response.content.iter().find(|(k, _)| is_json(k)) {
        let schema = media
            .schema
            .as_ref()
            .map(|s| serde_json::to_string(s).unwrap_or_default());
        BodyKind::Json(schema.unwrap_or_default())
    } else if response.content.is_empty() {
        BodyKind::None
    } else {
        BodyKind::Raw
    }
}

/// progenitor gives an operation one success type and one error type, and panics when the
/// responses of either group have different bodies. Where they differ, give the group one:
/// any JSON value (`serde_json::Value`) when every body is JSON, raw bytes when some response
/// has no body or a non-JSON one (nothing is parsed, so nothing is lost).
fn unify_response_bodies(spec: &mut OpenAPI) -> Vec<Change> {
    let mut changes = Vec::new();
    for_each_operation(spec, |site, op| {
        let name = op_name(op, &site);
        for (group, in_group) in [
            ("success", is_success as fn(&str) -> bool),
            ("error", is_error),
        ] {
            let slots: Vec<(String, &mut Response)> = response_slots(op)
                .into_iter()
                .filter(|(status, _)| in_group(status))
                .filter_map(|(status, slot)| match slot {
                    ReferenceOr::Item(r) => Some((status, r)),
                    ReferenceOr::Reference { .. } => None,
                })
                .collect();
            let kinds: BTreeSet<BodyKind> = slots.iter().map(|(_, r)| body_kind(r)).collect();
            if kinds.len() <= 1 {
                continue;
            }
            let all_json = kinds.iter().all(|k| matches!(k, BodyKind::Json(_)));
            let statuses: Vec<String> = slots.iter().map(|(s, _)| s.clone()).collect();
            for (_, response) in slots {
                response.content.clear();
                let media = if all_json {
                    MediaType {
                        schema: Some(ReferenceOr::Item(any_schema())),
                        ..Default::default()
                    }
                } else {
                    MediaType::default()
                };
                let key = if all_json {
                    "application/json"
                } else {
                    "application/octet-stream"
                };
                response.content.insert(key.to_string(), media);
            }
            let what = if all_json {
                format!(
                    "{group} responses {} had different JSON bodies: now any JSON value",
                    statuses.join(", ")
                )
            } else {
                format!(
                    "{group} responses {} mixed JSON, non-JSON or empty bodies: now raw bytes",
                    statuses.join(", ")
                )
            };
            changes.push(Change {
                operation: name.clone(),
                what,
            });
        }
    });
    changes
}

fn any_schema() -> Schema {
    Schema {
        schema_data: Default::default(),
        schema_kind: SchemaKind::Any(AnySchema::default()),
    }
}

/// The class digit of a response key: `404` -> 4, `5XX` -> 5, `default` -> none.
fn status_class(status: &str) -> Option<u32> {
    status.chars().next()?.to_digit(10)
}

fn is_success(status: &str) -> bool {
    status == "default" || status_class(status) == Some(2)
}

fn is_error(status: &str) -> bool {
    status == "default" || matches!(status_class(status), Some(4 | 5))
}

/// `minLength: 0` constrains nothing, and typify turns it into `if value.chars().count() <
/// 0usize`, a warning ("comparison is useless") in every user's build.
fn drop_zero_min_length(spec: &mut OpenAPI) -> Vec<Change> {
    schemas::rewrite_each(spec, |schema| match &mut schema.schema_kind {
        SchemaKind::Type(openapiv3::Type::String(s)) if s.min_length == Some(0) => {
            s.min_length = None;
            Some("dropped `minLength: 0`, which constrains nothing".into())
        }
        _ => None,
    })
}

/// A parameter is sent or not; `null` cannot be sent in a header, path or query. progenitor
/// makes a nullable header parameter an `Option<Option<String>>` and then cannot write it (the
/// crate does not compile: Box's `x-rep-hints`).
fn drop_nullable_parameters(spec: &mut OpenAPI) -> Vec<Change> {
    let mut changes = Vec::new();
    schemas::walk(spec, &mut |site, schema| {
        if site.parameter && schema.schema_data.nullable {
            schema.schema_data.nullable = false;
            changes.push(Change {
                operation: site.pointer.clone(),
                what: "dropped `nullable: true`: a parameter is sent or not, never `null`".into(),
            });
        }
    });
    changes
}

#[cfg(test)]
mod tests;

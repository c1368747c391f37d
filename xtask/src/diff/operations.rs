//! The diff of two specs as the model reads them: operations paired (by id, else by method
//! and path), their parameters, bodies and responses walked; every component schema compared
//! (each is a type); what lies outside paths and schemas compared as documentation. A change
//! found through several operations is one finding that lists them all.

use std::collections::HashMap;

use anyhow::Result;
use heck::ToSnakeCase;
use serde_json::Value;
use spec_model::{Location, Media, Operation, Parameter, Spec};

use super::classify::{Ctx, Finding, Kind};
use super::walk::{Doc, Place, Subject, Walker};

/// A spec and how errors name it.
pub struct Side<'a> {
    /// The model.
    pub spec: &'a Spec,
    /// The file, or `git:REV`.
    pub origin: &'a str,
}

/// Every change from `old` to `new`, one finding per place and kind.
pub fn diff(old: Side<'_>, new: Side<'_>) -> Result<Vec<Finding>> {
    let mut walker = Walker::new(
        Doc {
            value: &old.spec.document,
            origin: old.origin,
        },
        Doc {
            value: &new.spec.document,
            origin: new.origin,
        },
    );
    for pair in pairs(old.spec, new.spec) {
        match pair {
            (Some(o), Some(n)) => {
                walker.set_operation(Some(&n.id));
                operation(&mut walker, o, n)?;
            }
            (Some(o), None) => {
                walker.set_operation(Some(&o.id));
                walker.push(
                    Kind::OperationRemoved,
                    &o.pointer,
                    Ctx::NONE,
                    &op_subject(o),
                );
            }
            (None, Some(n)) => {
                walker.set_operation(Some(&n.id));
                walker.push(Kind::OperationAdded, &n.pointer, Ctx::NONE, &op_subject(n));
            }
            (None, None) => {}
        }
    }
    walker.set_operation(None);
    schemas(&mut walker, old.spec, new.spec)?;
    outside(&mut walker, &old.spec.document, &new.spec.document);
    Ok(group(walker.findings))
}

type Pair<'a> = (Option<&'a Operation>, Option<&'a Operation>);

/// Operations paired by id, then the rest by method and path shape (`/a/{}`), then alone.
fn pairs<'a>(old: &'a Spec, new: &'a Spec) -> Vec<Pair<'a>> {
    let mut unpaired: Vec<&Operation> = old.operations.iter().collect();
    let mut out: Vec<Pair<'a>> = Vec::new();
    let mut later = Vec::new();
    for n in &new.operations {
        match take(&mut unpaired, |o| o.id == n.id) {
            Some(o) => out.push((Some(o), Some(n))),
            None => later.push(n),
        }
    }
    for n in later {
        let o = take(&mut unpaired, |o| {
            o.method == n.method && shape(&o.template) == shape(&n.template)
        });
        out.push((o, Some(n)));
    }
    out.extend(unpaired.into_iter().map(|o| (Some(o), None)));
    out
}

/// Removes and returns the first operation that `matches`.
fn take<'a>(
    ops: &mut Vec<&'a Operation>,
    matches: impl Fn(&Operation) -> bool,
) -> Option<&'a Operation> {
    let i = ops.iter().position(|o| matches(o))?;
    Some(ops.remove(i))
}

/// A path template with its parameter names left out: `/a/{}`.
fn shape(template: &str) -> String {
    let mut out = String::new();
    let mut in_name = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_name = true;
                out.push('{');
            }
            '}' => {
                in_name = false;
                out.push('}');
            }
            _ if !in_name => out.push(c),
            _ => {}
        }
    }
    out
}

/// The names of a template's path parameters, in order.
fn path_names(template: &str) -> Vec<String> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

/// progenitor names a method after the operation id in snake case.
fn method_name(id: &str) -> String {
    id.to_snake_case()
}

fn op_subject(op: &Operation) -> Subject {
    Subject::new(format!(
        "`{}` ({} {})",
        method_name(&op.id),
        op.method,
        op.template
    ))
}

fn operation(w: &mut Walker<'_>, old: &Operation, new: &Operation) -> Result<()> {
    let subject = op_subject(new);
    let (old_name, new_name) = (method_name(&old.id), method_name(&new.id));
    if old_name != new_name {
        let kind = Kind::OperationRenamed {
            old: old_name,
            new: new_name,
        };
        w.push(kind, &new.pointer, Ctx::NONE, &subject);
    } else if old.id != new.id {
        // `get-device` and `get_device` make the same method.
        let kind = Kind::DocumentationChanged {
            keyword: "operationId".into(),
        };
        w.push(
            kind,
            &format!("{}/operationId", new.pointer),
            Ctx::NONE,
            &subject,
        );
    }
    if old.method != new.method || shape(&old.template) != shape(&new.template) {
        let kind = Kind::OperationMoved {
            old: format!("{} {}", old.method, old.template),
            new: format!("{} {}", new.method, new.template),
        };
        w.push(kind, &new.pointer, Ctx::NONE, &subject);
    }
    let place = place(&old.pointer, &new.pointer, Ctx::NONE, subject);
    w.keywords(
        &old.pointer,
        &new.pointer,
        &place,
        &["operationId", "parameters", "requestBody", "responses"],
    );
    path_parameters(w, old, new)?;
    other_parameters(w, old, new)?;
    request_body(w, old, new)?;
    responses(w, old, new)
}

fn place(old: &str, new: &str, ctx: Ctx, subject: Subject) -> Place {
    Place {
        old: old.to_string(),
        new: new.to_string(),
        ctx,
        subject,
        property: false,
    }
}

/// Path parameters pair by position: a new name at the same place is a rename.
fn path_parameters(w: &mut Walker<'_>, old: &Operation, new: &Operation) -> Result<()> {
    let (old_names, new_names) = (path_names(&old.template), path_names(&new.template));
    for (o_name, n_name) in old_names.iter().zip(&new_names) {
        let o = old.parameter(Location::Path, o_name);
        let n = new.parameter(Location::Path, n_name);
        if o_name != n_name {
            let kind = Kind::PathParameterRenamed {
                old: o_name.to_snake_case(),
                new: n_name.to_snake_case(),
            };
            let at = n.map_or(new.pointer.as_str(), |p| p.pointer.as_str());
            let subject = n.map_or_else(|| op_subject(new), |p| param_subject(new, p));
            w.push(kind, at, Ctx::REQUEST, &subject);
        }
        if let (Some(o), Some(n)) = (o, n) {
            parameter(w, new, o, n)?;
        }
    }
    let extra_new = new_names.iter().skip(old_names.len());
    for p in extra_new.filter_map(|name| new.parameter(Location::Path, name)) {
        let subject = param_subject(new, p);
        w.push(
            Kind::ParameterAdded { required: true },
            &p.pointer,
            Ctx::REQUEST,
            &subject,
        );
    }
    let extra_old = old_names.iter().skip(new_names.len());
    for p in extra_old.filter_map(|name| old.parameter(Location::Path, name)) {
        w.push(
            Kind::ParameterRemoved,
            &p.pointer,
            Ctx::REQUEST,
            &param_subject(old, p),
        );
    }
    Ok(())
}

/// Query, header and cookie parameters pair by place and name.
fn other_parameters(w: &mut Walker<'_>, old: &Operation, new: &Operation) -> Result<()> {
    let not_path = |p: &&Parameter| p.location != Location::Path;
    for o in old.parameters.iter().filter(not_path) {
        match new.parameter(o.location, &o.name) {
            Some(n) => parameter(w, new, o, n)?,
            None => w.push(
                Kind::ParameterRemoved,
                &o.pointer,
                Ctx::REQUEST,
                &param_subject(old, o),
            ),
        }
    }
    for n in new.parameters.iter().filter(not_path) {
        if old.parameter(n.location, &n.name).is_none() {
            let kind = Kind::ParameterAdded {
                required: n.required,
            };
            w.push(kind, &n.pointer, Ctx::REQUEST, &param_subject(new, n));
        }
    }
    Ok(())
}

/// A parameter as a person calls it: by its operation, or by its path (a path item's) or
/// its component (shared by several operations).
fn param_subject(op: &Operation, p: &Parameter) -> Subject {
    let what = format!("{} parameter `{}`", p.location.as_str(), p.name);
    Subject::new(if p.pointer.starts_with("/components/") {
        what
    } else if !p.pointer.starts_with(&op.pointer) {
        format!("`{}` {what}", op.template)
    } else {
        format!("`{}` {what}", method_name(&op.id))
    })
}

/// A body or response by its operation (`` `list_devices` response 200 ``), or by its
/// component (`` response `NotFound` ``) when it is one.
fn part_subject(op: &Operation, what: &str, pointer: &str) -> Subject {
    let component = pointer
        .strip_prefix("/components/")
        .and_then(|rest| rest.split_once('/'))
        .map(|(_, name)| spec_model::unescape(name));
    Subject::new(match component {
        // `response 200` of an operation; the shared response is named, not its status.
        Some(name) if what.starts_with("response") => format!("response `{name}`"),
        Some(name) => format!("{what} `{name}`"),
        None => format!("`{}` {what}", method_name(&op.id)),
    })
}

fn parameter(w: &mut Walker<'_>, op: &Operation, old: &Parameter, new: &Parameter) -> Result<()> {
    let subject = param_subject(op, new);
    if old.required != new.required {
        let kind = Kind::ParameterRequired { now: new.required };
        w.push(kind, &new.pointer, Ctx::REQUEST, &subject);
    }
    let at = place(&old.pointer, &new.pointer, Ctx::REQUEST, subject.clone());
    w.keywords(
        &old.pointer,
        &new.pointer,
        &at,
        &["name", "in", "required", "schema"],
    );
    match (&old.schema, &new.schema) {
        (Some(o), Some(n)) => w.compare(&place(o, n, Ctx::REQUEST, subject)),
        _ => Ok(()),
    }
}

/// What a body or response carries.
enum Body<'a> {
    /// Nothing.
    Empty,
    /// JSON, with the pointer of its schema when it has one.
    Json(Option<&'a str>),
    /// Another media type: bytes to the client.
    Raw,
}

fn body(media: &[Media]) -> Body<'_> {
    match media.iter().find(|m| m.is_json()) {
        Some(m) => Body::Json(m.schema.as_deref()),
        None if media.is_empty() => Body::Empty,
        None => Body::Raw,
    }
}

fn request_body(w: &mut Walker<'_>, old: &Operation, new: &Operation) -> Result<()> {
    let (o, n) = match (&old.request_body, &new.request_body) {
        (Some(o), Some(n)) => (o, n),
        (None, Some(n)) => {
            let kind = Kind::RequestBodyAdded {
                required: n.required,
            };
            let subject = part_subject(new, "request body", &n.pointer);
            w.push(kind, &n.pointer, Ctx::REQUEST, &subject);
            return Ok(());
        }
        (Some(o), None) => {
            let subject = part_subject(old, "request body", &o.pointer);
            w.push(Kind::RequestBodyRemoved, &o.pointer, Ctx::REQUEST, &subject);
            return Ok(());
        }
        (None, None) => return Ok(()),
    };
    let subject = part_subject(new, "request body", &n.pointer);
    if o.required != n.required {
        let kind = Kind::RequestBodyRequired { now: n.required };
        w.push(kind, &n.pointer, Ctx::REQUEST, &subject);
    }
    let at = place(&o.pointer, &n.pointer, Ctx::REQUEST, subject.clone());
    w.keywords(&o.pointer, &n.pointer, &at, &["content", "required"]);
    bodies(w, (body(&o.media), body(&n.media)), &at)
}

/// Compares what two bodies carry at `at`.
fn bodies(w: &mut Walker<'_>, (old, new): (Body<'_>, Body<'_>), at: &Place) -> Result<()> {
    let describe = |b: &Body<'_>| match b {
        Body::Json(_) => "a JSON body".to_string(),
        Body::Raw => "raw bytes".to_string(),
        Body::Empty => "no body".to_string(),
    };
    match (&old, &new) {
        (Body::Json(Some(o)), Body::Json(Some(n))) => {
            w.compare(&place(o, n, at.ctx, at.subject.clone()))
        }
        (Body::Json(_), Body::Raw) | (Body::Raw, Body::Json(_)) => {
            let kind = Kind::TypeChanged {
                old: describe(&old),
                new: describe(&new),
                old_reads_new: false,
                new_accepts_old: false,
            };
            w.push(kind, &at.new, at.ctx, &at.subject);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn responses(w: &mut Walker<'_>, old: &Operation, new: &Operation) -> Result<()> {
    for (status, o) in &old.responses {
        let what = format!("response {status}");
        let Some(n) = new.responses.get(status) else {
            let subject = part_subject(old, &what, &o.pointer);
            w.push(
                Kind::ResponseStatusRemoved,
                &o.pointer,
                Ctx::RESPONSE,
                &subject,
            );
            continue;
        };
        let subject = part_subject(new, &what, &n.pointer);
        if o.optional_body != n.optional_body {
            let kind = Kind::ResponseBodyOptional {
                now: n.optional_body,
            };
            w.push(kind, &n.pointer, Ctx::RESPONSE, &subject);
        }
        let at = place(&o.pointer, &n.pointer, Ctx::RESPONSE, subject.clone());
        w.keywords(&o.pointer, &n.pointer, &at, &["content", "x-optional-body"]);
        match (body(&o.media), body(&n.media)) {
            (Body::Empty, Body::Empty) => {}
            (Body::Empty, _) => {
                w.push(Kind::ResponseBodyAdded, &n.pointer, Ctx::RESPONSE, &subject)
            }
            (_, Body::Empty) => {
                let kind = Kind::ResponseBodyRemoved {
                    was_optional: o.optional_body,
                };
                w.push(kind, &o.pointer, Ctx::RESPONSE, &subject);
            }
            pair => bodies(w, pair, &at)?,
        }
    }
    for (status, n) in &new.responses {
        if !old.responses.contains_key(status) {
            let kind = Kind::ResponseStatusAdded {
                success: status.starts_with('2'),
            };
            let subject = part_subject(new, &format!("response {status}"), &n.pointer);
            w.push(kind, &n.pointer, Ctx::RESPONSE, &subject);
        }
    }
    Ok(())
}

/// Every component schema is a type, whether or not an operation uses it.
fn schemas(w: &mut Walker<'_>, old: &Spec, new: &Spec) -> Result<()> {
    let names = |spec: &Spec| -> Vec<String> {
        spec.at("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (old_names, new_names) = (names(old), names(new));
    for name in &old_names {
        let at = format!("/components/schemas/{}", spec_model::escape(name));
        let subject = Subject::type_name(name);
        if new_names.contains(name) {
            w.compare(&place(&at, &at, Ctx::NONE, subject))?;
        } else {
            w.push(Kind::SchemaRemoved, &at, Ctx::NONE, &subject);
        }
    }
    for name in new_names.iter().filter(|n| !old_names.contains(n)) {
        let at = format!("/components/schemas/{}", spec_model::escape(name));
        w.push(Kind::SchemaAdded, &at, Ctx::NONE, &Subject::type_name(name));
    }
    Ok(())
}

/// What the generator reads nothing from: `info`, `servers`, `tags`, security schemes, ...
fn outside(w: &mut Walker<'_>, old: &Value, new: &Value) {
    let info = place("/info", "/info", Ctx::NONE, Subject::new("`info`".into()));
    w.keywords("/info", "/info", &info, &[]);
    let top = place("", "", Ctx::NONE, Subject::new("the document".into()));
    w.keywords("", "", &top, &["paths", "components", "info", "openapi"]);
    // Parameters, request bodies and responses are compared through the operations using them.
    let read = ["schemas", "parameters", "requestBodies", "responses"];
    if old.get("components").is_some() || new.get("components").is_some() {
        let components = place(
            "/components",
            "/components",
            Ctx::NONE,
            Subject::new("`components`".into()),
        );
        w.keywords("/components", "/components", &components, &read);
    }
}

/// One finding per place and kind: a change reached through several operations (or through
/// requests and responses both) is listed once, with all of them.
fn group(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut index: HashMap<(String, Kind), usize> = HashMap::new();
    for f in findings {
        let key = (f.pointer.clone(), f.kind.clone());
        match index.get(&key) {
            Some(&i) => {
                let kept = &mut out[i];
                kept.ctx = kept.ctx.union(f.ctx);
                for op in f.operations {
                    if !kept.operations.contains(&op) {
                        kept.operations.push(op);
                    }
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(f);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_compare_by_shape_and_name_their_parameters() {
        assert_eq!(shape("/devices/{device_id}/x"), "/devices/{}/x");
        assert_eq!(shape("/devices/{id}/x"), shape("/devices/{device_id}/x"));
        assert_eq!(path_names("/a/{x}/b/{y}"), ["x", "y"]);
        assert_eq!(method_name("get-device"), "get_device");
    }
}

//! What is sensitive: the properties and parameters the spec marks `x-sensitive: true`, each
//! with what a placeholder for its value must still be to validate where the value was.
//!
//! The client's recorder (through generated tables), `scrub` and the gate's `secret` check all
//! find sensitive values this one way.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::pointer::follow;

/// One step into a JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// The field of this name.
    Field(String),
    /// Each item of an array.
    Each,
}

/// What a placeholder must be to validate in place of a sensitive value.
#[derive(Debug, Clone, PartialEq)]
pub enum Hint {
    /// A string matching this pattern (an id: the placeholder keeps the prefix).
    Pattern(String),
    /// A string of this format (`uri`, `date-time`, ...), or of none.
    Text(Option<String>),
    /// A number within these bounds; an integer when `integer`.
    Number {
        /// The inclusive lower bound, if any.
        minimum: Option<f64>,
        /// The inclusive upper bound, if any.
        maximum: Option<f64>,
        /// Whether it must be an integer.
        integer: bool,
    },
    /// Anything else (a boolean, an object), which no placeholder can stand for.
    Other,
}

/// A sensitive place in a body: the steps to it and what its placeholder must be.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitive {
    /// From the body's root.
    pub steps: Vec<Step>,
    /// What the placeholder must be.
    pub hint: Hint,
}

/// Whether a parameter or property schema object is marked `x-sensitive: true`.
pub fn is_marked(object: &Value) -> bool {
    object.get("x-sensitive") == Some(&Value::Bool(true))
}

/// The sensitive places of a body whose schema is at `pointer` of `doc`, at any depth: the
/// properties marked `x-sensitive`, through `$ref`s, `allOf`, `anyOf`, `oneOf` and arrays.
pub fn sensitive_fields(doc: &Value, pointer: &str) -> Vec<Sensitive> {
    let mut out = Vec::new();
    if let Some(schema) = doc.pointer(pointer) {
        walk(doc, schema, &mut Vec::new(), &mut out, &mut BTreeSet::new());
    }
    out.sort_by(|a, b| a.steps.cmp(&b.steps));
    out.dedup_by(|a, b| a.steps == b.steps);
    out
}

/// The placeholder hint of the schema `schema` (of a property or a parameter).
pub fn hint(doc: &Value, schema: &Value) -> Hint {
    let mut found = Found::default();
    gather(doc, schema, &mut found, 0);
    if let Some(pattern) = found.pattern {
        return Hint::Pattern(pattern);
    }
    match found.kind.as_deref() {
        Some("integer") | Some("number") => Hint::Number {
            minimum: found.minimum,
            maximum: found.maximum,
            integer: found.kind.as_deref() == Some("integer"),
        },
        Some("string") | None if found.kind.is_some() || found.format.is_some() => {
            Hint::Text(found.format)
        }
        _ => Hint::Other,
    }
}

/// What a schema and its `$ref`s and `allOf` members say of a scalar.
#[derive(Default)]
struct Found {
    kind: Option<String>,
    format: Option<String>,
    pattern: Option<String>,
    minimum: Option<f64>,
    maximum: Option<f64>,
}

fn gather(doc: &Value, schema: &Value, found: &mut Found, depth: usize) {
    if depth > 16 {
        return;
    }
    let schema = resolve(doc, schema);
    let text = |key: &str| schema.get(key).and_then(Value::as_str).map(str::to_string);
    found.kind = found.kind.take().or_else(|| text("type"));
    found.format = found.format.take().or_else(|| text("format"));
    found.pattern = found.pattern.take().or_else(|| text("pattern"));
    found.minimum = found
        .minimum
        .or_else(|| schema.get("minimum").and_then(Value::as_f64));
    found.maximum = found
        .maximum
        .or_else(|| schema.get("maximum").and_then(Value::as_f64));
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        gather(doc, member, found, depth + 1);
    }
}

fn resolve<'d>(doc: &'d Value, schema: &'d Value) -> &'d Value {
    follow(doc, schema, "").map_or(schema, |(v, _)| v)
}

/// Walks `schema` at `steps`; `seen` holds the schemas on the way, so recursion ends.
fn walk(
    doc: &Value,
    schema: &Value,
    steps: &mut Vec<Step>,
    out: &mut Vec<Sensitive>,
    seen: &mut BTreeSet<usize>,
) {
    let schema = resolve(doc, schema);
    let address = std::ptr::from_ref(schema) as usize;
    if !seen.insert(address) {
        return;
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in props {
            steps.push(Step::Field(name.clone()));
            if is_marked(property) {
                out.push(Sensitive {
                    steps: steps.clone(),
                    hint: hint(doc, property),
                });
            } else {
                walk(doc, property, steps, out, seen);
            }
            steps.pop();
        }
    }
    if let Some(items) = schema.get("items") {
        steps.push(Step::Each);
        walk(doc, items, steps, out, seen);
        steps.pop();
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(doc, member, steps, out, seen);
        }
    }
    seen.remove(&address);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "Id": {"type": "string", "pattern": "^[a-z]{2,4}_[A-Za-z0-9]+$"},
            "Geo": {"type": "object", "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90, "x-sensitive": true}}},
            "Thing": {"type": "object", "properties": {
                "token": {"x-sensitive": true, "allOf": [{"$ref": "#/components/schemas/Id"}]},
                "where": {"$ref": "#/components/schemas/Geo"},
                "hooks": {"type": "array", "items": {"type": "object", "properties": {
                    "url": {"type": "string", "format": "uri", "x-sensitive": true}}}},
                "me": {"$ref": "#/components/schemas/Thing"},
                "plain": {"type": "string"}}}
        }}})
    }

    #[test]
    fn marked_properties_are_found_with_their_hints_through_refs_arrays_and_recursion() {
        let doc = doc();
        let found: Vec<(Vec<Step>, Hint)> = sensitive_fields(&doc, "/components/schemas/Thing")
            .into_iter()
            .map(|s| (s.steps, s.hint))
            .collect();
        let field = |n: &str| Step::Field(n.to_string());
        assert_eq!(
            found,
            [
                (
                    vec![field("hooks"), Step::Each, field("url")],
                    Hint::Text(Some("uri".into()))
                ),
                (
                    vec![field("token")],
                    Hint::Pattern("^[a-z]{2,4}_[A-Za-z0-9]+$".into())
                ),
                (
                    vec![field("where"), field("lat")],
                    Hint::Number {
                        minimum: Some(-90.0),
                        maximum: Some(90.0),
                        integer: false
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_schema_without_marks_has_no_sensitive_fields() {
        let doc = json!({"s": {"type": "object", "properties": {"a": {"type": "string"}}}});
        assert!(sensitive_fields(&doc, "/s").is_empty());
        assert!(sensitive_fields(&doc, "/nowhere").is_empty());
    }
}

//! What is sensitive: the properties and parameters the spec marks `x-sensitive: true`, each
//! with what a placeholder for its value must still be to validate where the value was.
//!
//! The client's recorder (through generated tables), `scrub` and the gate's `secret` check all
//! find sensitive values this one way.

use serde_json::Value;

use crate::schema::{self, Branches};

/// One step into a JSON body, with the field's name as the spec gives it.
pub type Step = flatpeak_redact::Step<String>;

pub use flatpeak_redact::Hint;

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
/// properties and items marked `x-sensitive`, through `$ref`s, `allOf`, `anyOf`, `oneOf` and
/// arrays ([`schema::walk_body`]).
pub fn sensitive_fields(doc: &Value, pointer: &str) -> Vec<Sensitive> {
    let mut out = Vec::new();
    if let Some(schema) = doc.pointer(pointer) {
        schema::walk_body(doc, schema, Branches::Every, &mut |steps, place| {
            // The root is the body itself, not a value in it.
            if steps.is_empty() || !is_marked(place) {
                return true;
            }
            out.push(Sensitive {
                steps: steps.to_vec(),
                hint: hint(doc, place),
            });
            false
        });
    }
    out.sort_by(|a, b| a.steps.cmp(&b.steps));
    out.dedup_by(|a, b| a.steps == b.steps);
    out
}

/// The placeholder hint of the schema `schema` (of a property or a parameter), read from its
/// [`schema::view`].
pub fn hint(doc: &Value, schema: &Value) -> Hint {
    let view = schema::view(doc, schema);
    if let Some(pattern) = view.pattern {
        return Hint::Pattern(pattern.to_string().into());
    }
    match view.kind {
        Some("integer") | Some("number") => Hint::Number {
            minimum: view.minimum,
            maximum: view.maximum,
            integer: view.kind == Some("integer"),
        },
        Some("string") | None if view.kind.is_some() || view.format.is_some() => {
            Hint::Text(view.format.map(|f| f.to_string().into()))
        }
        _ => Hint::Other,
    }
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

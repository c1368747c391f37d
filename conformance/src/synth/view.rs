//! A schema as the generator and the defect walk read it: `$ref`s followed and `allOf`
//! members merged into one [`View`], and a cache of compiled `pattern`s to test strings
//! against (with the gate's own regular expression engine, so that "matches" means the same
//! to both).

use std::collections::HashMap;

use jsonschema::Validator;
use serde_json::Value;

use crate::spec::local_pointer;

/// How deep `$ref` chains and `allOf` nesting are followed before giving up: a cycle of
/// references in a broken spec ends here instead of overflowing the stack.
const MAX_DEPTH: usize = 32;

/// One schema with its `$ref`s followed and its `allOf` members merged. Where the schema and
/// its members both say something, the outer one (written first) wins, as a property's own
/// `example` beside an `allOf: [$ref: Id]` wins over the `Id` schema's.
#[derive(Debug, Default, Clone)]
pub(crate) struct View<'d> {
    /// `type`.
    pub(crate) kind: Option<&'d str>,
    /// `properties`, in document order.
    pub(crate) properties: Vec<(&'d str, &'d Value)>,
    /// `required`.
    pub(crate) required: Vec<&'d str>,
    /// `additionalProperties` is given (true or a schema): the object is open.
    pub(crate) open: bool,
    /// `enum`.
    pub(crate) options: Option<&'d [Value]>,
    /// `x-open-enum: true`: values beyond `options` are expected.
    pub(crate) open_enum: bool,
    /// `format`.
    pub(crate) format: Option<&'d str>,
    /// `pattern`.
    pub(crate) pattern: Option<&'d str>,
    /// `minimum`.
    pub(crate) minimum: Option<f64>,
    /// `maximum`.
    pub(crate) maximum: Option<f64>,
    /// `minLength`.
    pub(crate) min_length: Option<usize>,
    /// `items`.
    pub(crate) items: Option<&'d Value>,
    /// `nullable: true`.
    pub(crate) nullable: bool,
    /// `readOnly: true`: never sent in a request.
    pub(crate) read_only: bool,
    /// `example`.
    pub(crate) example: Option<&'d Value>,
    /// `oneOf` members.
    pub(crate) one_of: Option<&'d [Value]>,
    /// `discriminator`.
    pub(crate) discriminator: Option<&'d Value>,
    /// The name of the first component schema a `$ref` led to (`RateEntry`).
    pub(crate) name: Option<&'d str>,
}

impl<'d> View<'d> {
    /// The schema of property `name`, if declared.
    pub(crate) fn property(&self, name: &str) -> Option<&'d Value> {
        self.properties
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
    }

    /// Whether `name` is required.
    pub(crate) fn requires(&self, name: &str) -> bool {
        self.required.contains(&name)
    }

    /// Whether it describes an object: `type: object`, or properties without a type.
    pub(crate) fn is_object(&self) -> bool {
        self.kind == Some("object") || (self.kind.is_none() && !self.properties.is_empty())
    }

    /// An object that declares its fields and admits no others: the gate warns about any
    /// other field as undeclared.
    pub(crate) fn is_closed(&self) -> bool {
        !self.properties.is_empty() && !self.open
    }
}

/// The view of `schema`, a schema of `doc`.
pub(crate) fn view<'d>(doc: &'d Value, schema: &'d Value) -> View<'d> {
    let mut view = View::default();
    merge(doc, schema, &mut view, 0);
    view
}

fn merge<'d>(doc: &'d Value, schema: &'d Value, view: &mut View<'d>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let (schema, name) = resolve(doc, schema);
    view.name = view.name.or(name);
    let text = |key: &str| schema.get(key).and_then(Value::as_str);
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    let flag = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    view.kind = view.kind.or(text("type"));
    view.format = view.format.or(text("format"));
    view.pattern = view.pattern.or(text("pattern"));
    view.minimum = view.minimum.or(number("minimum"));
    view.maximum = view.maximum.or(number("maximum"));
    view.min_length = view.min_length.or(schema
        .get("minLength")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok()));
    view.items = view.items.or(schema.get("items"));
    view.example = view.example.or(schema.get("example"));
    view.discriminator = view.discriminator.or(schema.get("discriminator"));
    view.options = view.options.or(list(schema, "enum"));
    view.one_of = view.one_of.or(list(schema, "oneOf"));
    view.nullable |= flag("nullable");
    view.open_enum |= flag("x-open-enum");
    view.read_only |= flag("readOnly");
    view.open |= schema.get("additionalProperties").is_some();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, s) in props {
            if view.property(name).is_none() {
                view.properties.push((name.as_str(), s));
            }
        }
    }
    for name in list(schema, "required")
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !view.required.contains(&name) {
            view.required.push(name);
        }
    }
    for member in list(schema, "allOf").into_iter().flatten() {
        merge(doc, member, view, depth + 1);
    }
}

fn list<'d>(schema: &'d Value, key: &str) -> Option<&'d [Value]> {
    schema.get(key).and_then(Value::as_array).map(Vec::as_slice)
}

/// Follows local `$ref`s (their siblings are ignored, as OpenAPI 3.0 says); returns the
/// schema and the name of the first component schema reached, if any.
pub(crate) fn resolve<'d>(doc: &'d Value, mut schema: &'d Value) -> (&'d Value, Option<&'d str>) {
    let mut name = None;
    for _ in 0..MAX_DEPTH {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(target) = local_pointer(reference).and_then(|p| doc.pointer(&p)) else {
            break;
        };
        name = name.or_else(|| reference.rsplit('/').next());
        schema = target;
    }
    (schema, name)
}

/// Compiled `pattern`s, by their text: whether a string matches one, as the gate judges it.
#[derive(Default)]
pub(crate) struct Patterns(HashMap<String, Option<Validator>>);

impl std::fmt::Debug for Patterns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Patterns").field(&self.0.len()).finish()
    }
}

impl Patterns {
    /// Whether `text` matches `pattern`; false for a pattern the engine cannot compile.
    pub(crate) fn matches(&mut self, pattern: &str, text: &str) -> bool {
        let validator = self.0.entry(pattern.to_string()).or_insert_with(|| {
            let schema = serde_json::json!({"type": "string", "pattern": pattern});
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft4)
                .build(&schema)
                .ok()
        });
        validator
            .as_ref()
            .is_some_and(|v| v.is_valid(&Value::from(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_are_followed_and_all_of_merged_with_the_outer_schema_first() {
        let doc = json!({
            "Id": {"type": "string", "pattern": "^[a-z]+_[0-9]+$", "example": "dev_1"},
            "Base": {"type": "object", "required": ["a"], "properties": {"a": {}, "b": {}}},
            "p": {"allOf": [{"$ref": "#/Id"}], "example": "loc_2"},
            "o": {"allOf": [{"$ref": "#/Base"}, {"properties": {"c": {}}, "required": ["c"]}],
                  "nullable": true}
        });
        let p = view(&doc, &doc["p"]);
        assert_eq!(
            (p.kind, p.pattern, p.example, p.name),
            (
                Some("string"),
                Some("^[a-z]+_[0-9]+$"),
                Some(&json!("loc_2")),
                Some("Id")
            )
        );
        let o = view(&doc, &doc["o"]);
        let names: Vec<&str> = o.properties.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(o.required, ["a", "c"]);
        assert!(o.nullable && o.is_object() && o.is_closed());
    }

    #[test]
    fn patterns_match_as_the_gate_matches_them() {
        let mut patterns = Patterns::default();
        assert!(patterns.matches("^[A-Z]{3}$", "GBP"));
        assert!(!patterns.matches("^[A-Z]{3}$", "gbp"));
        assert!(!patterns.matches("(unclosed", "x"));
    }
}

//! The defects a synthetic interaction can carry, where in a body each can go (found by walking
//! the body with its schema from the spec), and what the gate must report for each.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rng::Rng;
use crate::model::{Kind, Severity};
use crate::spec::{escape, local_pointer};

/// A kind of defect, each one the gate has a check for.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Defect {
    /// A field the schema requires is absent.
    MissingRequiredField,
    /// A field holds a value of the wrong JSON type (a string for a boolean, a number for a
    /// string, ...).
    WrongType,
    /// An enum field holds a value the spec does not list.
    UnknownEnumValue,
    /// A `date-time` field holds something else.
    BadDateTime,
    /// An id does not match the documented pattern.
    IdOffPattern,
    /// A number lies outside its documented `minimum` or `maximum`.
    OutOfRange,
    /// An object has a field its schema does not declare (a warning, not an error).
    UndeclaredField,
    /// The status is not documented for the operation.
    UndocumentedStatus,
    /// A documented `500` served as an HTML page from a proxy instead of JSON.
    HtmlErrorPage,
    /// The request's path matches no operation.
    UnknownRoute,
}

impl Defect {
    /// Every defect, in the order of their names.
    pub const ALL: [Defect; 10] = [
        Defect::BadDateTime,
        Defect::HtmlErrorPage,
        Defect::IdOffPattern,
        Defect::MissingRequiredField,
        Defect::OutOfRange,
        Defect::UndeclaredField,
        Defect::UndocumentedStatus,
        Defect::UnknownEnumValue,
        Defect::UnknownRoute,
        Defect::WrongType,
    ];

    /// The name used in the manifest and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Defect::MissingRequiredField => "missing-required-field",
            Defect::WrongType => "wrong-type",
            Defect::UnknownEnumValue => "unknown-enum-value",
            Defect::BadDateTime => "bad-date-time",
            Defect::IdOffPattern => "id-off-pattern",
            Defect::OutOfRange => "out-of-range",
            Defect::UndeclaredField => "undeclared-field",
            Defect::UndocumentedStatus => "undocumented-status",
            Defect::HtmlErrorPage => "html-error-page",
            Defect::UnknownRoute => "unknown-route",
        }
    }
}

/// A finding the gate must report for a defect.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Expected {
    /// Its kind.
    pub kind: Kind,
    /// JSON pointer into the response body (`""`: the whole body or the response).
    pub pointer: String,
    /// Its severity (no waivers apply to a synthetic set).
    pub severity: Severity,
}

impl Expected {
    fn error(kind: Kind, pointer: &str) -> Self {
        Expected {
            kind,
            pointer: pointer.to_string(),
            severity: Severity::Error,
        }
    }
}

/// One place in a body where a defect of a kind can be made, and how.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub(crate) defect: Defect,
    /// Where the change goes.
    pub(crate) pointer: String,
    /// The object holding it.
    pub(crate) parent: String,
    /// The value to put there (`None`: remove the field, or add one for undeclared fields).
    pub(crate) value: Option<Value>,
}

/// Every place in `body` (valid against the schema at `schema` of `doc`) where a body defect can
/// be made.
pub(crate) fn places(doc: &Value, schema: &Value, body: &Value, rng: &mut Rng) -> Vec<Place> {
    let mut out = Vec::new();
    walk(doc, schema, body, "", rng, &mut out);
    out
}

fn walk(doc: &Value, schema: &Value, body: &Value, at: &str, rng: &mut Rng, out: &mut Vec<Place>) {
    let schema = resolve(doc, schema);
    let place = |defect, pointer: String, value| Place {
        defect,
        pointer,
        parent: parent_of(at),
        value,
    };
    match body {
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|name| fields.contains_key(*name))
            {
                out.push(Place {
                    defect: Defect::MissingRequiredField,
                    pointer: format!("{at}/{}", escape(name)),
                    parent: at.to_string(),
                    value: None,
                });
            }
            // An object that declares its fields and admits no others (the gate's rule for
            // `undeclared-field`).
            if properties.is_some_and(|p| !p.is_empty())
                && schema.get("additionalProperties").is_none()
            {
                out.push(Place {
                    defect: Defect::UndeclaredField,
                    pointer: at.to_string(),
                    parent: at.to_string(),
                    value: None,
                });
            }
            for (name, value) in fields {
                if let Some(s) = properties.and_then(|p| p.get(name)) {
                    walk(doc, s, value, &format!("{at}/{}", escape(name)), rng, out);
                }
            }
        }
        Value::Array(_) | Value::Null => {}
        leaf => {
            if let Some(options) = schema.get("enum").and_then(Value::as_array) {
                let unknown = unknown_enum_value(options);
                out.push(place(
                    Defect::UnknownEnumValue,
                    at.to_string(),
                    Some(unknown),
                ));
                // A wrong type in an enum field is also an enum finding: not a clean defect.
                return;
            }
            if let Some(wrong) = wrong_type(leaf) {
                out.push(place(Defect::WrongType, at.to_string(), Some(wrong)));
            }
            if schema.get("format").and_then(Value::as_str) == Some("date-time") {
                let bad = *rng.pick(&["yesterday", "2022-03-22T11:12:21", "22/03/2022 11:12"]);
                out.push(place(Defect::BadDateTime, at.to_string(), Some(bad.into())));
            }
            if schema.get("pattern").is_some()
                && let Some(text) = leaf.as_str()
            {
                // Upper case and a hyphen: off `^[a-z]{2,4}_[A-Za-z0-9]+$` and most id patterns.
                let off = text.to_ascii_uppercase().replacen('_', "-", 1);
                out.push(place(
                    Defect::IdOffPattern,
                    at.to_string(),
                    Some(off.into()),
                ));
            }
            if let Some(beyond) = out_of_range(schema) {
                out.push(place(Defect::OutOfRange, at.to_string(), Some(beyond)));
            }
        }
    }
}

/// A value that no enum option equals, in the options' style.
fn unknown_enum_value(options: &[Value]) -> Value {
    let upper = options
        .iter()
        .filter_map(Value::as_str)
        .any(|o| o.chars().any(|c| c.is_ascii_uppercase()));
    let candidate = if upper { "PAUSED" } else { "paused" };
    if options.iter().any(|o| o == candidate) {
        Value::from(format!("{candidate}_AGAIN"))
    } else {
        Value::from(candidate)
    }
}

/// The same information in the wrong JSON type: booleans and numbers as strings, strings as
/// numbers.
fn wrong_type(value: &Value) -> Option<Value> {
    match value {
        Value::Bool(b) => Some(Value::from(b.to_string())),
        Value::Number(n) => Some(Value::from(n.to_string())),
        Value::String(_) => Some(Value::from(42)),
        _ => None,
    }
}

/// A number just past the schema's `maximum`, else just below its `minimum`.
fn out_of_range(schema: &Value) -> Option<Value> {
    let integer = schema.get("type").and_then(Value::as_str) == Some("integer");
    let (bound, step) = match (schema.get("maximum"), schema.get("minimum")) {
        (Some(max), _) => (max.as_f64()?, 1.0),
        (None, Some(min)) => (min.as_f64()?, -1.0),
        (None, None) => return None,
    };
    let beyond = bound + step;
    if integer {
        Some(Value::from(beyond as i64))
    } else {
        serde_json::Number::from_f64(beyond).map(Value::Number)
    }
}

/// Follows local `$ref`s.
fn resolve<'d>(doc: &'d Value, mut schema: &'d Value) -> &'d Value {
    for _ in 0..32 {
        match schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(local_pointer)
            .and_then(|p| doc.pointer(&p))
        {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}

fn parent_of(pointer: &str) -> String {
    pointer
        .rsplit_once('/')
        .map(|(parent, _)| parent.to_string())
        .unwrap_or_default()
}

/// The field name an undeclared-field defect adds: one no schema of the spec declares.
pub(crate) const UNDECLARED: &str = "firmware_version";

/// Makes the defect at `place` in `body`; returns what the gate must report.
pub(crate) fn apply(body: &mut Value, place: &Place) -> Vec<Expected> {
    match place.defect {
        Defect::MissingRequiredField => {
            remove(body, &place.pointer);
            // The client's parser stops at the object that lacks the field.
            vec![
                Expected::error(Kind::Schema, &place.pointer),
                Expected::error(Kind::Client, &place.parent),
            ]
        }
        Defect::UndeclaredField => {
            if let Some(Value::Object(map)) = body.pointer_mut(&place.pointer) {
                map.insert(UNDECLARED.to_string(), Value::from("2.4.1"));
            }
            vec![Expected {
                kind: Kind::UndeclaredField,
                pointer: format!("{}/{UNDECLARED}", place.pointer),
                severity: Severity::Warning,
            }]
        }
        defect => {
            if let (Some(slot), Some(value)) = (body.pointer_mut(&place.pointer), &place.value) {
                *slot = value.clone();
            }
            match defect {
                // The client parses these into typed values and fails at the same place.
                Defect::WrongType | Defect::BadDateTime => vec![
                    Expected::error(Kind::Schema, &place.pointer),
                    Expected::error(Kind::Client, &place.pointer),
                ],
                // The client is liberal here: `Unknown(..)`, ids kept as sent, plain `f64`s.
                Defect::UnknownEnumValue => {
                    vec![Expected::error(Kind::UnknownEnumValue, &place.pointer)]
                }
                _ => vec![Expected::error(Kind::Schema, &place.pointer)],
            }
        }
    }
}

fn remove(body: &mut Value, pointer: &str) {
    let Some((parent, name)) = pointer.rsplit_once('/') else {
        return;
    };
    let name = crate::spec::unescape(name);
    if let Some(Value::Object(map)) = body.pointer_mut(parent) {
        // Keeps the other fields in order (the map preserves insertion order).
        map.shift_remove(&name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn places_follow_refs_required_enums_formats_patterns_and_ranges() {
        let doc = json!({"s": {"type": "object", "required": ["id", "at"], "properties": {
            "id": {"type": "string", "pattern": "^[a-z]{2,4}_[A-Za-z0-9]+$"},
            "at": {"type": "string", "format": "date-time"},
            "kind": {"$ref": "#/k"},
            "geo": {"type": "object", "properties": {"lat": {"type": "number", "maximum": 90}}}}},
            "k": {"type": "string", "enum": ["A", "B"]}});
        let body = json!({"id": "dev_1", "at": "2024-01-01T00:00:00Z", "kind": "A",
                          "geo": {"lat": 1.5}});
        let found: Vec<(Defect, String)> = places(&doc, &doc["s"], &body, &mut Rng::new(1))
            .into_iter()
            .map(|p| (p.defect, p.pointer))
            .collect();
        let has = |d: Defect, p: &str| found.contains(&(d, p.to_string()));
        assert!(has(Defect::MissingRequiredField, "/id"));
        assert!(has(Defect::MissingRequiredField, "/at"));
        assert!(has(Defect::IdOffPattern, "/id"));
        assert!(has(Defect::BadDateTime, "/at"));
        assert!(has(Defect::UnknownEnumValue, "/kind"));
        assert!(!has(Defect::WrongType, "/kind"), "{found:?}");
        assert!(has(Defect::OutOfRange, "/geo/lat"));
        assert!(has(Defect::UndeclaredField, ""));
        assert!(has(Defect::UndeclaredField, "/geo"));
        assert!(has(Defect::WrongType, "/geo/lat"));
    }

    #[test]
    fn applying_a_defect_changes_only_its_place() {
        let mut body = json!({"a": {"b": true, "c": 1}});
        let place = Place {
            defect: Defect::MissingRequiredField,
            pointer: "/a/b".into(),
            parent: "/a".into(),
            value: None,
        };
        let expected = apply(&mut body, &place);
        assert_eq!(body, json!({"a": {"c": 1}}));
        assert_eq!(expected[1], Expected::error(Kind::Client, "/a"));
        let place = Place {
            defect: Defect::WrongType,
            pointer: "/a/c".into(),
            parent: "/a".into(),
            value: Some(json!("1")),
        };
        apply(&mut body, &place);
        assert_eq!(body, json!({"a": {"c": "1"}}));
    }

    #[test]
    fn names_are_the_serde_names() {
        for d in Defect::ALL {
            assert_eq!(serde_json::to_value(d).unwrap(), d.name());
        }
        let mut sorted = Defect::ALL.map(Defect::name);
        sorted.sort();
        assert_eq!(sorted, Defect::ALL.map(Defect::name));
    }
}

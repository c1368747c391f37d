//! The defects a synthetic interaction can carry, where in a body each can go (found by walking
//! the body with its schema from the spec), and what the gate must report for each.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rng::Rng;
use super::view::{Patterns, View, view};
use crate::model::{Kind, Severity};
use crate::spec::escape;

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
    /// A field the response schema requires is absent.
    MissingRequiredField,
    /// A response field holds a value of the wrong JSON type (a string for a boolean, a
    /// number for a string, ...).
    WrongType,
    /// A response enum field holds a value the spec does not list.
    UnknownEnumValue,
    /// A response `date-time` field holds something else.
    BadDateTime,
    /// A response string (an id, mostly) does not match its documented pattern.
    IdOffPattern,
    /// A response number lies outside its documented `minimum` or `maximum`.
    OutOfRange,
    /// A response object has a field its schema does not declare (a warning, not an error).
    UndeclaredField,
    /// The status is not documented for the operation.
    UndocumentedStatus,
    /// A documented `500` served as an HTML page from a proxy instead of JSON.
    HtmlErrorPage,
    /// The request's path matches no operation.
    UnknownRoute,
    /// A field the request body's schema requires is absent.
    RequestBodyMissingRequiredField,
    /// A request body field holds a value of the wrong JSON type.
    RequestBodyWrongType,
    /// A request body string (an id, mostly) does not match its documented pattern.
    RequestBodyIdOffPattern,
    /// A request body enum field holds a value the spec does not list.
    RequestBodyUnknownEnumValue,
    /// A required query parameter is absent.
    RequestQueryMissingRequired,
    /// An integer, number or boolean query parameter holds a word.
    RequestQueryWrongType,
    /// A `date-time` query parameter holds something else.
    RequestQueryBadDateTime,
    /// A query parameter lies outside its documented `minimum` or `maximum`.
    RequestQueryOutOfRange,
    /// A path or query parameter (an id) does not match its documented pattern.
    RequestParameterIdOffPattern,
}

impl Defect {
    /// Every defect, in the order of their names.
    pub const ALL: [Defect; 19] = [
        Defect::BadDateTime,
        Defect::HtmlErrorPage,
        Defect::IdOffPattern,
        Defect::MissingRequiredField,
        Defect::OutOfRange,
        Defect::RequestBodyIdOffPattern,
        Defect::RequestBodyMissingRequiredField,
        Defect::RequestBodyUnknownEnumValue,
        Defect::RequestBodyWrongType,
        Defect::RequestParameterIdOffPattern,
        Defect::RequestQueryBadDateTime,
        Defect::RequestQueryMissingRequired,
        Defect::RequestQueryOutOfRange,
        Defect::RequestQueryWrongType,
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
            Defect::RequestBodyMissingRequiredField => "request-body-missing-required-field",
            Defect::RequestBodyWrongType => "request-body-wrong-type",
            Defect::RequestBodyIdOffPattern => "request-body-id-off-pattern",
            Defect::RequestBodyUnknownEnumValue => "request-body-unknown-enum-value",
            Defect::RequestQueryMissingRequired => "request-query-missing-required",
            Defect::RequestQueryWrongType => "request-query-wrong-type",
            Defect::RequestQueryBadDateTime => "request-query-bad-date-time",
            Defect::RequestQueryOutOfRange => "request-query-out-of-range",
            Defect::RequestParameterIdOffPattern => "request-parameter-id-off-pattern",
        }
    }

    /// The defect of a response body that becomes this defect of a request body, if any.
    pub(crate) fn in_response_body(self) -> Option<Defect> {
        Some(match self {
            Defect::RequestBodyMissingRequiredField => Defect::MissingRequiredField,
            Defect::RequestBodyWrongType => Defect::WrongType,
            Defect::RequestBodyIdOffPattern => Defect::IdOffPattern,
            Defect::RequestBodyUnknownEnumValue => Defect::UnknownEnumValue,
            _ => return None,
        })
    }

    /// Whether the defect is made in a response body, by walking it with its schema.
    pub(crate) fn of_response_body(self) -> bool {
        matches!(
            self,
            Defect::MissingRequiredField
                | Defect::WrongType
                | Defect::UnknownEnumValue
                | Defect::BadDateTime
                | Defect::IdOffPattern
                | Defect::OutOfRange
                | Defect::UndeclaredField
        )
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
    /// An error of `kind` at `pointer`.
    pub(crate) fn error(kind: Kind, pointer: &str) -> Self {
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

/// Walks a body with its schema.
pub(crate) struct Walk<'a, 'd> {
    pub(crate) doc: &'d Value,
    pub(crate) patterns: &'a mut Patterns,
    pub(crate) rng: &'a mut Rng,
}

/// Every place in `body` (valid against `schema`, a schema of `doc`) where a body defect can
/// be made. A `oneOf` is not walked into: a defect in one member makes the value match no
/// member, which the gate reports at the union, not at the defect.
pub(crate) fn places<'d>(walk: &mut Walk<'_, 'd>, schema: &'d Value, body: &Value) -> Vec<Place> {
    let mut out = Vec::new();
    walk.walk(schema, body, "", &mut out);
    out
}

impl<'d> Walk<'_, 'd> {
    fn walk(&mut self, schema: &'d Value, body: &Value, at: &str, out: &mut Vec<Place>) {
        let view = view(self.doc, schema);
        if view.one_of.is_some() {
            return;
        }
        match body {
            Value::Object(fields) => self.object(&view, fields, at, out),
            Value::Array(items) => {
                if let Some(schema) = view.items {
                    for (i, item) in items.iter().enumerate() {
                        self.walk(schema, item, &format!("{at}/{i}"), out);
                    }
                }
            }
            Value::Null => {}
            leaf => self.leaf(&view, leaf, at, out),
        }
    }

    fn object(
        &mut self,
        view: &View<'d>,
        fields: &serde_json::Map<String, Value>,
        at: &str,
        out: &mut Vec<Place>,
    ) {
        for name in view.required.iter().filter(|n| fields.contains_key(**n)) {
            out.push(Place {
                defect: Defect::MissingRequiredField,
                pointer: format!("{at}/{}", escape(name)),
                parent: at.to_string(),
                value: None,
            });
        }
        // An object that declares its fields and admits no others (the gate's rule for
        // `undeclared-field`).
        if view.is_closed() {
            out.push(Place {
                defect: Defect::UndeclaredField,
                pointer: at.to_string(),
                parent: at.to_string(),
                value: None,
            });
        }
        // A sensitive field holds a placeholder: a defect there would be a leak as well, for
        // the `secret` check, and not one clean defect.
        for (name, value) in fields {
            if let Some(s) = view.property(name)
                && !spec_model::sensitive::is_marked(s)
            {
                self.walk(s, value, &format!("{at}/{}", escape(name)), out);
            }
        }
    }

    fn leaf(&mut self, view: &View<'d>, leaf: &Value, at: &str, out: &mut Vec<Place>) {
        let place = |defect, value| Place {
            defect,
            pointer: at.to_string(),
            parent: parent_of(at),
            value: Some(value),
        };
        if let Some(options) = view.options {
            // An open enum's unknown value is a warning, not this defect's error.
            if !view.open_enum {
                out.push(place(Defect::UnknownEnumValue, unknown_enum_value(options)));
            }
            // A wrong type in an enum field is also an enum finding: not a clean defect.
            return;
        }
        if let Some(wrong) = wrong_type(leaf) {
            out.push(place(Defect::WrongType, wrong));
        }
        if view.format == Some("date-time") {
            let bad = *self
                .rng
                .pick(&["yesterday", "2022-03-22T11:12:21", "22/03/2022 11:12"]);
            out.push(place(Defect::BadDateTime, bad.into()));
        }
        // Not a patterned time: the client keeps a string off its pattern as it came, but reads
        // a time (the error envelope's `time_created`) into a time of its own, where it fails
        // too, which is not this defect's one finding.
        if let (Some(pattern), Some(text)) = (view.pattern, leaf.as_str())
            && !looks_like_a_time(text)
            && let Some(off) = off_pattern(self.patterns, pattern, text)
        {
            out.push(place(Defect::IdOffPattern, off.into()));
        }
        if let Some(beyond) = out_of_range(view) {
            out.push(place(Defect::OutOfRange, beyond));
        }
    }
}

/// Whether `text` starts like a date and time (`2022-01-24T...`).
fn looks_like_a_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 11
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && matches!(bytes[10], b'T' | b't')
}

/// `text` changed so that it no longer matches `pattern`: upper case and a hyphen (off
/// `^[a-z]{2,4}_[A-Za-z0-9]+$`), else a leading `#`, which no pattern of the spec admits.
pub(crate) fn off_pattern(patterns: &mut Patterns, pattern: &str, text: &str) -> Option<String> {
    [
        text.to_ascii_uppercase().replacen('_', "-", 1),
        format!("#{text}"),
        format!("{text} #"),
    ]
    .into_iter()
    .find(|candidate| !patterns.matches(pattern, candidate))
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
pub(crate) fn out_of_range(view: &View<'_>) -> Option<Value> {
    let integer = view.kind == Some("integer");
    let (bound, step) = match (view.maximum, view.minimum) {
        (Some(max), _) => (max, 1.0),
        (None, Some(min)) => (min, -1.0),
        (None, None) => return None,
    };
    let beyond = bound + step;
    if integer {
        Some(Value::from(beyond as i64))
    } else {
        serde_json::Number::from_f64(beyond).map(Value::Number)
    }
}

fn parent_of(pointer: &str) -> String {
    pointer
        .rsplit_once('/')
        .map(|(parent, _)| parent.to_string())
        .unwrap_or_default()
}

/// The field name an undeclared-field defect adds: one no schema of the spec declares.
pub(crate) const UNDECLARED: &str = "firmware_version";

/// Makes the defect at `place` in a response `body`; returns what the gate must report.
pub(crate) fn apply(body: &mut Value, place: &Place) -> Vec<Expected> {
    change(body, place);
    match place.defect {
        // The client's parser stops at the object that lacks the field.
        Defect::MissingRequiredField => vec![
            Expected::error(Kind::Schema, &place.pointer),
            Expected::error(Kind::Client, &place.parent),
        ],
        Defect::UndeclaredField => vec![Expected {
            kind: Kind::UndeclaredField,
            pointer: format!("{}/{UNDECLARED}", place.pointer),
            severity: Severity::Warning,
        }],
        // The client parses these into typed values and fails at the same place.
        Defect::WrongType | Defect::BadDateTime => vec![
            Expected::error(Kind::Schema, &place.pointer),
            Expected::error(Kind::Client, &place.pointer),
        ],
        // The client is liberal here: `Unknown(..)`, ids kept as sent, plain `f64`s.
        Defect::UnknownEnumValue => vec![Expected::error(Kind::UnknownEnumValue, &place.pointer)],
        _ => vec![Expected::error(Kind::Schema, &place.pointer)],
    }
}

/// Makes the defect at `place` in a request `body`; returns what the gate must report: one
/// `request` finding at the place. The replay reports nothing more: the client either
/// refuses the body (its types cannot hold it, or it checks ids before sending), which the
/// `request` finding already explains, or sends it as recorded (an unknown enum value).
pub(crate) fn apply_to_request(body: &mut Value, place: &Place) -> Vec<Expected> {
    change(body, place);
    vec![Expected::error(Kind::Request, &place.pointer)]
}

/// The change `place` describes, made in `body`.
fn change(body: &mut Value, place: &Place) {
    match place.defect {
        Defect::MissingRequiredField => remove(body, &place.pointer),
        Defect::UndeclaredField => {
            if let Some(Value::Object(map)) = body.pointer_mut(&place.pointer) {
                map.insert(UNDECLARED.to_string(), Value::from("2.4.1"));
            }
        }
        _ => {
            if let (Some(slot), Some(value)) = (body.pointer_mut(&place.pointer), &place.value) {
                *slot = value.clone();
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
            "id": {"allOf": [{"$ref": "#/Id"}], "description": "an id"},
            "at": {"type": "string", "format": "date-time"},
            "kind": {"$ref": "#/k"},
            "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "list": {"type": "array", "items": {"$ref": "#/item"}},
            "union": {"oneOf": [{"$ref": "#/item"}]},
            "geo": {"type": "object", "properties": {"lat": {"type": "number", "maximum": 90}}}}},
            "Id": {"type": "string", "pattern": "^[a-z]{2,4}_[A-Za-z0-9]+$"},
            "item": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
            "k": {"type": "string", "enum": ["A", "B"]}});
        let body = json!({"id": "dev_1", "at": "2024-01-01T00:00:00Z", "kind": "A", "code": "GBP",
                          "list": [{"n": 1}, {"n": 2}], "union": {"n": 3}, "geo": {"lat": 1.5}});
        let mut walk = Walk {
            doc: &doc,
            patterns: &mut Patterns::default(),
            rng: &mut Rng::new(1),
        };
        let all = places(&mut walk, &doc["s"], &body);
        let code = all
            .iter()
            .find(|p| p.pointer == "/code" && p.defect == Defect::IdOffPattern);
        assert_eq!(code.and_then(|p| p.value.clone()), Some(json!("#GBP")));
        let found: Vec<(Defect, String)> = all.into_iter().map(|p| (p.defect, p.pointer)).collect();
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
        assert!(has(Defect::MissingRequiredField, "/list/1/n"));
        assert!(has(Defect::WrongType, "/list/0/n"));
        assert!(
            !found.iter().any(|(_, p)| p.starts_with("/union/")),
            "nothing inside a oneOf: {found:?}"
        );
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
        let expected = apply_to_request(&mut body, &place);
        assert_eq!(expected, [Expected::error(Kind::Request, "/a/c")]);
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

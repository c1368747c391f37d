//! What the generator makes of one schema: the schema reached through `$ref`s and one-member
//! `allOf` wrappers ([`Node`]), and its shape ([`Shape`]): an object with its properties
//! (`allOf` members merged: spec-model's layers, read as the gate reads them), an array, an
//! enum, a scalar with the Rust type typify gives it (asked of typify itself), a union, or any
//! JSON value.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use anyhow::{Result, anyhow};
use serde_json::Value;

use super::classify::Presence;

/// A schema as reached from a place of the document.
pub struct Node<'d> {
    /// Where the schema that says what the value is lives.
    pub pointer: String,
    /// That schema.
    pub value: &'d Value,
    /// The component it is (`Device` for `#/components/schemas/Device`), when it is one:
    /// a component is a Rust type of its own name.
    pub component: Option<String>,
    /// `nullable: true` on the place or the schema.
    pub nullable: bool,
    /// The place's or the schema's `default`.
    pub default: Option<&'d Value>,
}

/// Keywords that make a schema more than a wrapper around its one `allOf` member.
pub const STRUCTURE: [&str; 9] = [
    "type",
    "properties",
    "items",
    "enum",
    "oneOf",
    "anyOf",
    "additionalProperties",
    "required",
    "$ref",
];

/// The schema at `pointer` of `doc` (named `origin` in errors), through a `$ref` or a
/// one-member `allOf` wrapper (`allOf: [$ref: X]` beside a description or a default, which
/// typify reads as `X`).
pub fn resolve<'d>(doc: &'d Value, pointer: &str, origin: &str) -> Result<Node<'d>> {
    let value = doc
        .pointer(pointer)
        .ok_or_else(|| anyhow!("{origin}: #{pointer}: no schema there"))?;
    let mut nullable = flag(value, "nullable");
    let mut default = value.get("default");
    let (value, pointer) = match wrapped(value) {
        Some(member) => follow(doc, member, &format!("{pointer}/allOf/0"), origin)?,
        None => follow(doc, value, pointer, origin)?,
    };
    nullable |= flag(value, "nullable");
    default = default.or_else(|| value.get("default"));
    Ok(Node {
        component: component(&pointer),
        pointer,
        value,
        nullable,
        default,
    })
}

/// The one member of an `allOf` wrapper.
fn wrapped(value: &Value) -> Option<&Value> {
    let members = value.get("allOf")?.as_array()?;
    let plain = STRUCTURE.iter().all(|k| value.get(k).is_none());
    (members.len() == 1 && plain).then(|| &members[0])
}

fn follow<'d>(
    doc: &'d Value,
    value: &'d Value,
    at: &str,
    origin: &str,
) -> Result<(&'d Value, String)> {
    spec_model::follow(doc, value, at).map_err(|(at, why)| anyhow!("{origin}: #{at}: {why}"))
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// `Device` for `/components/schemas/Device`.
pub fn component(pointer: &str) -> Option<String> {
    let name = pointer.strip_prefix("/components/schemas/")?;
    (!name.contains('/')).then(|| spec_model::unescape(name))
}

/// What kind of value a schema describes, as far as the generated type goes.
pub enum Shape {
    /// A struct (or a map when it has no properties).
    Object(Object),
    /// A `Vec`; the pointer of `items`.
    Array(Option<String>),
    /// An enum: its values as JSON text, and the pointer of the `enum` list.
    Enum(Vec<String>, String),
    /// A scalar and its Rust type.
    Scalar(Scalar),
    /// A `oneOf` or `anyOf`: its members' pointers, and whether it has a `discriminator`.
    Union(Vec<String>, bool),
    /// Any JSON value.
    Any,
}

/// An object's properties, `allOf` members merged.
#[derive(Default)]
pub struct Object {
    /// Each property's name and the pointer of its schema, in order.
    pub properties: Vec<(String, String)>,
    /// The required ones.
    pub required: BTreeSet<String>,
    /// `additionalProperties: false`: typify then refuses unknown fields.
    pub closed: bool,
    /// The pointer of an `additionalProperties` schema (a map's values).
    pub additional: Option<String>,
}

impl Object {
    /// The pointer of property `name`.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.as_str())
    }

    /// typify derives `Default` for a struct none of whose fields is required.
    pub fn has_default(&self) -> bool {
        !self.properties.is_empty()
            && self
                .properties
                .iter()
                .all(|(name, _)| !self.required.contains(name))
    }
}

/// A scalar: its Rust type, and for strings whether typify makes a checked newtype of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Scalar {
    /// `String`, `DateTime<Utc>`, `i64`, `NonZeroU32`, `f64`, `bool`, ...
    pub rust: String,
    /// A string with a `pattern` or length bounds: a newtype, read leniently, checked when
    /// built.
    pub checked: bool,
}

impl Scalar {
    fn is_string(&self) -> bool {
        self.checked
            || matches!(
                self.rust.as_str(),
                "String"
                    | "DateTime<Utc>"
                    | "NaiveDate"
                    | "Uuid"
                    | "IpAddr"
                    | "Ipv4Addr"
                    | "Ipv6Addr"
            )
    }
}

impl Shape {
    /// The shape of `node`, read from `doc` (named `origin` in errors).
    pub fn of(doc: &Value, node: &Node<'_>, origin: &str) -> Result<Shape> {
        let value = node.value;
        if let Some(values) = value.get("enum").and_then(Value::as_array) {
            let values = values.iter().map(Value::to_string).collect();
            return Ok(Shape::Enum(values, format!("{}/enum", node.pointer)));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = value.get(key).and_then(Value::as_array) {
                let pointers = (0..members.len())
                    .map(|i| format!("{}/{key}/{i}", node.pointer))
                    .collect();
                return Ok(Shape::Union(pointers, value.get("discriminator").is_some()));
            }
        }
        let ty = value.get("type").and_then(Value::as_str);
        let object_like = ["properties", "additionalProperties", "allOf"]
            .iter()
            .any(|k| value.get(k).is_some());
        if ty == Some("object") || (ty.is_none() && object_like) {
            return Ok(Shape::Object(object(doc, node, origin)?));
        }
        Ok(match ty {
            Some("array") => Shape::Array(
                value
                    .get("items")
                    .map(|_| format!("{}/items", node.pointer)),
            ),
            Some("string" | "integer" | "number" | "boolean") => {
                Shape::Scalar(scalar(value).map_err(|why| {
                    anyhow!("{origin}: #{}: typify refuses it: {why}", node.pointer)
                })?)
            }
            _ => Shape::Any,
        })
    }

    /// The shape in words, for messages: `object`, `array`, `enum`, or the Rust type.
    pub fn describe(&self) -> String {
        match self {
            Shape::Object(o) if o.properties.is_empty() => "a map".into(),
            Shape::Object(_) => "an object".into(),
            Shape::Array(_) => "an array".into(),
            Shape::Enum(..) => "an enum".into(),
            Shape::Scalar(s) if s.checked => "a checked string newtype".into(),
            Shape::Scalar(s) => format!("`{}`", s.rust),
            Shape::Union(..) => "a union".into(),
            Shape::Any => "any JSON value".into(),
        }
    }

    /// Whether the two shapes are the same kind of Rust type (their insides compared
    /// elsewhere).
    pub fn same_kind(&self, other: &Shape) -> bool {
        match (self, other) {
            (Shape::Object(_), Shape::Object(_))
            | (Shape::Array(_), Shape::Array(_))
            | (Shape::Enum(..), Shape::Enum(..))
            | (Shape::Union(..), Shape::Union(..))
            | (Shape::Any, Shape::Any) => true,
            (Shape::Scalar(a), Shape::Scalar(b)) => a == b,
            _ => false,
        }
    }

    /// Whether a binary whose type is `self` reads every value of `value`: strings are read
    /// leniently (any string into a checked newtype or an enum's `Unknown`), any number into
    /// `f64`, a smaller integer into `i64`.
    pub fn rust_reads(&self, value: &Shape) -> bool {
        let string_like = |s: &Shape| match s {
            Shape::Scalar(s) => s.is_string(),
            Shape::Enum(..) => true,
            _ => false,
        };
        match (self, value) {
            (Shape::Any, _) => true,
            (Shape::Scalar(r), v) if r.checked || r.rust == "String" => string_like(v),
            (Shape::Enum(..), v) => string_like(v),
            (Shape::Scalar(r), Shape::Scalar(v)) => wider_number(&r.rust, &v.rust),
            _ => false,
        }
    }

    /// Whether this schema accepts every value of `value` (a server checking against the
    /// spec: no leniency).
    pub fn spec_accepts(&self, value: &Shape) -> bool {
        match (self, value) {
            (Shape::Any, _) => true,
            (Shape::Scalar(s), Shape::Scalar(v)) if s.rust == "String" && !s.checked => {
                v.is_string()
            }
            (Shape::Scalar(s), Shape::Enum(..)) => s.rust == "String" && !s.checked,
            (Shape::Enum(accepted, _), Shape::Enum(sent, _)) => {
                sent.iter().all(|v| accepted.contains(v))
            }
            (Shape::Scalar(s), Shape::Scalar(v)) => wider_number(&s.rust, &v.rust),
            _ => false,
        }
    }
}

/// Whether Rust number type `wide` holds every value of `narrow` (serde_json reads an integer
/// into a float).
fn wider_number(wide: &str, narrow: &str) -> bool {
    match (number_range(wide), number_range(narrow)) {
        (Some((wide_lo, wide_hi)), Some((lo, hi))) => wide_lo <= lo && wide_hi >= hi,
        _ => false,
    }
}

/// The range of a Rust number type.
fn number_range(rust: &str) -> Option<(f64, f64)> {
    Some(match rust {
        "i8" => (i8::MIN as f64, i8::MAX as f64),
        "i16" => (i16::MIN as f64, i16::MAX as f64),
        "i32" => (i32::MIN as f64, i32::MAX as f64),
        "i64" => (i64::MIN as f64, i64::MAX as f64),
        "u8" => (0.0, u8::MAX as f64),
        "u16" => (0.0, u16::MAX as f64),
        "u32" => (0.0, u32::MAX as f64),
        "u64" => (0.0, u64::MAX as f64),
        "NonZeroU8" => (1.0, u8::MAX as f64),
        "NonZeroU16" => (1.0, u16::MAX as f64),
        "NonZeroU32" => (1.0, u32::MAX as f64),
        "NonZeroU64" => (1.0, u64::MAX as f64),
        "f32" | "f64" => (f64::NEG_INFINITY, f64::INFINITY),
        _ => return None,
    })
}

/// The Rust type the generator gives a scalar schema, asked of typify, which progenitor makes
/// the types with: its builtin type (`i64`, `NonZeroU32`, `DateTime<Utc>`, `String`), or a
/// checked newtype of `String` for a string with a `pattern` or length bounds.
///
/// Asked once per distinct schema: a spec has a few dozen kinds of scalar and a diff meets each
/// of them thousands of times, and a typify `TypeSpace` is too costly to make for each (it was
/// half of a diff's time).
fn scalar(value: &Value) -> std::result::Result<Scalar, String> {
    thread_local! {
        static ASKED: RefCell<HashMap<String, std::result::Result<Scalar, String>>> =
            RefCell::new(HashMap::new());
    }
    let schema = json_schema(value);
    let key = schema.to_string();
    if let Some(known) = ASKED.with_borrow(|asked| asked.get(&key).cloned()) {
        return known;
    }
    let answer = ask_typify(schema);
    ASKED.with_borrow_mut(|asked| asked.insert(key, answer.clone()));
    answer
}

/// [`scalar`]'s question put to typify: `schema` is the scalar's JSON Schema.
fn ask_typify(schema: Value) -> std::result::Result<Scalar, String> {
    let schema: schemars::schema::Schema =
        serde_json::from_value(schema).map_err(|e| e.to_string())?;
    let mut space = typify::TypeSpace::new(&typify::TypeSpaceSettings::default());
    let id = space
        .add_type_with_name(&schema, Some("Scalar".into()))
        .map_err(|e| e.to_string())?;
    let ty = space.get_type(&id).map_err(|e| e.to_string())?;
    Ok(match ty.details() {
        typify::TypeDetails::Newtype(newtype) => Scalar {
            rust: short_path(
                &space
                    .get_type(&newtype.inner())
                    .map_err(|e| e.to_string())?
                    .name(),
            ),
            checked: true,
        },
        _ => Scalar {
            rust: short_path(&ty.name()),
            checked: false,
        },
    })
}

/// What the generator makes of a field of `presence`, asked of typify with an object of one
/// such field (a string, or an array of them for a collection; `nullable` as progenitor hands
/// it to typify, a type that also admits `null`). Asked once per presence: there are sixteen.
/// Typify answers each of them (a test asks all sixteen); were it to fail, the field is taken
/// for an `Option` that is left out when empty.
pub fn field(presence: Presence) -> Field {
    thread_local! {
        static ASKED: RefCell<HashMap<Presence, Field>> = RefCell::new(HashMap::new());
    }
    if let Some(known) = ASKED.with_borrow(|asked| asked.get(&presence).copied()) {
        return known;
    }
    let answer = ask_typify_field(presence).unwrap_or(Field {
        option: true,
        skipped_when_empty: true,
    });
    ASKED.with_borrow_mut(|asked| asked.insert(presence, answer));
    answer
}

/// A field as the generator makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// Its type is `Option<T>`.
    pub option: bool,
    /// It is left out of what is sent when `None` or empty (`skip_serializing_if`).
    pub skipped_when_empty: bool,
}

/// [`field`]'s question put to typify.
fn ask_typify_field(presence: Presence) -> std::result::Result<Field, String> {
    let kind = match presence.collection {
        true => "array",
        false => "string",
    };
    let mut field = serde_json::json!({"type": kind});
    if presence.nullable {
        field["type"] = serde_json::json!([kind, "null"]);
    }
    if presence.collection {
        field["items"] = serde_json::json!({"type": "string"});
    }
    if presence.default {
        field["default"] = match presence.collection {
            true => serde_json::json!(["x"]),
            false => serde_json::json!("x"),
        };
    }
    let required: Vec<&str> = presence.required.then_some("f").into_iter().collect();
    let object = serde_json::json!({
        "type": "object",
        "properties": {"f": field},
        "required": required,
    });
    let schema: schemars::schema::Schema =
        serde_json::from_value(object).map_err(|e| e.to_string())?;
    let mut space = typify::TypeSpace::new(&typify::TypeSpaceSettings::default());
    let id = space
        .add_type_with_name(&schema, Some("Holder".into()))
        .map_err(|e| e.to_string())?;
    let holder = space.get_type(&id).map_err(|e| e.to_string())?;
    let typify::TypeDetails::Struct(holder) = holder.details() else {
        return Err("typify did not make a struct of an object".into());
    };
    let (_, field) = holder
        .properties()
        .next()
        .ok_or("typify made a struct without the field")?;
    let field = space.get_type(&field).map_err(|e| e.to_string())?;
    let option = matches!(field.details(), typify::TypeDetails::Option(_));
    // The holder's one field is the only one that can carry the attribute.
    let skipped_when_empty = space
        .to_stream()
        .to_string()
        .contains("skip_serializing_if");
    Ok(Field {
        option,
        skipped_when_empty,
    })
}

/// The keywords of an OpenAPI 3.0 scalar schema that decide its Rust type, in JSON Schema:
/// a boolean `exclusiveMinimum`/`exclusiveMaximum` becomes the numeric bound it qualifies, as
/// progenitor converts it before typify reads it.
fn json_schema(value: &Value) -> Value {
    let mut schema = serde_json::Map::new();
    for key in [
        "type",
        "format",
        "multipleOf",
        "pattern",
        "minLength",
        "maxLength",
    ] {
        if let Some(v) = value.get(key) {
            schema.insert(key.into(), v.clone());
        }
    }
    for (bound, exclusive) in [
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ] {
        if let Some(v) = value.get(bound) {
            let key = if flag(value, exclusive) {
                exclusive
            } else {
                bound
            };
            schema.insert(key.into(), v.clone());
        }
    }
    Value::Object(schema)
}

/// A Rust type as written in these messages: each path cut to its last segment
/// (`::chrono::DateTime<::chrono::offset::Utc>` is `DateTime<Utc>`).
fn short_path(rust: &str) -> String {
    let compact: String = rust.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = String::new();
    for piece in compact.split_inclusive(['<', '>', ',']) {
        let path = piece.trim_end_matches(['<', '>', ',']);
        out.push_str(path.rsplit("::").next().unwrap_or(path));
        out.push_str(&piece[path.len()..]);
    }
    out
}

/// An object schema's properties and required list, with those of its `allOf` members: the
/// layers spec-model finds (outer first), merged as its `View` merges them, the first layer
/// to declare a property giving its schema.
fn object(doc: &Value, node: &Node<'_>, origin: &str) -> Result<Object> {
    let layers = spec_model::schema::layers_at(doc, &node.pointer)
        .map_err(|(at, why)| anyhow!("{origin}: #{at}: {why}"))?;
    let mut out = Object::default();
    for layer in layers {
        let value = layer.schema;
        if let Some(properties) = value.get("properties").and_then(Value::as_object) {
            for name in properties.keys() {
                if out.property(name).is_none() {
                    let pointer =
                        format!("{}/properties/{}", layer.pointer, spec_model::escape(name));
                    out.properties.push((name.clone(), pointer));
                }
            }
        }
        if let Some(required) = value.get("required").and_then(Value::as_array) {
            out.required.extend(
                required
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string),
            );
        }
        match value.get("additionalProperties") {
            Some(Value::Bool(false)) => out.closed = true,
            Some(Value::Object(_)) if out.additional.is_none() => {
                out.additional = Some(format!("{}/additionalProperties", layer.pointer));
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typify_answers_what_a_field_of_every_presence_becomes() {
        for bits in 0..16u8 {
            let presence = Presence {
                required: bits & 1 != 0,
                nullable: bits & 2 != 0,
                default: bits & 4 != 0,
                collection: bits & 8 != 0,
            };
            assert!(ask_typify_field(presence).is_ok(), "{presence:?}");
        }
        let presence = |required, nullable, default, collection| Presence {
            required,
            nullable,
            default,
            collection,
        };
        // What the generated crate shows: `T`, `Option<T>` (left out when `None`), `Option<T>`
        // sent as `null`, `Vec<T>` (left out when empty), `T` with a default (always sent).
        let option = |p| field(p).option;
        let skipped = |p| field(p).skipped_when_empty;
        assert!(!option(presence(true, false, false, false)));
        assert!(!skipped(presence(true, false, false, false)));
        assert!(option(presence(false, false, false, false)));
        assert!(skipped(presence(false, false, false, false)));
        assert!(option(presence(true, true, false, false)));
        assert!(!skipped(presence(true, true, false, false)));
        assert!(!option(presence(false, false, false, true)));
        assert!(skipped(presence(false, false, false, true)));
        assert!(!option(presence(false, false, true, false)));
        assert!(!skipped(presence(false, false, true, false)));
    }

    fn scalar(schema: Value) -> String {
        let doc = json!({ "s": schema });
        let node = resolve(&doc, "/s", "t").unwrap();
        Shape::of(&doc, &node, "t").unwrap().describe()
    }

    #[test]
    fn integers_get_typify_s_types() {
        assert_eq!(scalar(json!({"type": "integer"})), "`i64`");
        assert_eq!(
            scalar(json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": 100})),
            "`NonZeroU32`"
        );
        assert_eq!(
            scalar(json!({"type": "integer", "format": "int64", "minimum": 0})),
            "`i64`"
        );
        assert_eq!(scalar(json!({"type": "integer", "minimum": 0})), "`u64`");
    }

    #[test]
    fn openapi_s_boolean_exclusive_bounds_reach_typify_as_numbers() {
        assert_eq!(
            scalar(json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})),
            "`NonZeroU64`"
        );
        assert_eq!(
            scalar(json!({"type": "integer", "minimum": 0, "exclusiveMinimum": false})),
            "`u64`"
        );
        assert_eq!(
            short_path(":: std :: collections :: BTreeMap < :: std :: string :: String , i64 >"),
            "BTreeMap<String,i64>"
        );
    }

    #[test]
    fn strings_become_newtypes_when_constrained_and_chrono_for_date_times() {
        assert_eq!(scalar(json!({"type": "string"})), "`String`");
        assert_eq!(
            scalar(json!({"type": "string", "pattern": "^a$"})),
            "a checked string newtype"
        );
        assert_eq!(
            scalar(json!({"type": "string", "format": "date-time"})),
            "`DateTime<Utc>`"
        );
    }

    #[test]
    fn a_one_member_all_of_is_its_member_with_the_wrapper_s_default() {
        let doc = json!({"components": {"schemas": {"D": {"type": "string", "enum": ["A"]}}},
            "p": {"allOf": [{"$ref": "#/components/schemas/D"}], "default": "A", "description": "x"}});
        let node = resolve(&doc, "/p", "t").unwrap();
        assert_eq!(node.component.as_deref(), Some("D"));
        assert_eq!(node.default, Some(&json!("A")));
        assert_eq!(node.pointer, "/components/schemas/D");
    }

    #[test]
    fn all_of_members_are_merged_into_one_object() {
        let doc = json!({"components": {"schemas": {"B": {"type": "object", "required": ["a"],
            "properties": {"a": {"type": "string"}}}}},
            "s": {"allOf": [{"$ref": "#/components/schemas/B"},
                            {"properties": {"b": {"type": "integer"}}}]}});
        let node = resolve(&doc, "/s", "t").unwrap();
        let Shape::Object(o) = Shape::of(&doc, &node, "t").unwrap() else {
            panic!("not an object")
        };
        assert_eq!(o.property("a"), Some("/components/schemas/B/properties/a"));
        assert_eq!(o.property("b"), Some("/s/allOf/1/properties/b"));
        assert!(o.required.contains("a") && !o.has_default());
    }

    #[test]
    fn old_binaries_read_strings_leniently_and_numbers_widely() {
        let s = |rust: &str, checked| {
            Shape::Scalar(Scalar {
                rust: rust.into(),
                checked,
            })
        };
        assert!(s("String", true).rust_reads(&s("String", false)));
        assert!(!s("DateTime<Utc>", false).rust_reads(&s("String", false)));
        assert!(s("i64", false).rust_reads(&s("i32", false)));
        assert!(s("f64", false).rust_reads(&s("i64", false)));
        assert!(!s("i32", false).rust_reads(&s("i64", false)));
        assert!(!s("String", true).spec_accepts(&s("String", false)));
    }
}

//! The spec's schemas (of responses, request bodies and parameters) as JSON Schema, compiled
//! once per run and shared by every interaction.
//!
//! OpenAPI 3.0 schemas are JSON Schema draft 4 (Wright draft 00) plus a few keywords. Three
//! differences matter to a validator: `nullable: true`, which is rewritten to a `null`-admitting
//! type before compiling; the integer formats `int32` and `int64`, which JSON Schema does not
//! know and which are rewritten to the bounds they mean; and keywords such as `example` or
//! `discriminator`, which draft 4 ignores as unknown. The whole document is registered as one resource, so `$ref`s between
//! schemas resolve as written.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use jsonschema::{Draft, Registry, Validator};
use serde_json::{Map, Value};
use spec_model::schema::resolve;

use crate::RunError;
use crate::spec::{Spec, escape};

/// The URI the spec document is registered under.
const SPEC_URI: &str = "urn:conformance:spec";

/// Validators for every documented schema (responses, request bodies, parameters), by the
/// schema's JSON pointer, and the resolved [`Shapes`] of the body schemas for the
/// undeclared-field check and for comparing request bodies.
pub struct Schemas {
    validators: HashMap<String, Validator>,
    shapes: Shapes,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas")
            .field("schemas", &self.validators.len())
            .finish()
    }
}

impl Schemas {
    /// Compiles every schema of `spec`'s responses, request bodies and parameters. A schema
    /// that does not compile stops the run, naming its pointer.
    #[cfg(test)]
    pub fn compile(spec: &Spec) -> Result<Schemas, RunError> {
        Schemas::compile_with(spec, Vec::new())
    }

    /// [`Schemas::compile`], and the schemas at `extra` too (the schemas of webhook events'
    /// data, which no operation's body names).
    pub fn compile_with(spec: &Spec, extra: Vec<String>) -> Result<Schemas, RunError> {
        let mut document = spec.document.clone();
        to_json_schema(&mut document);
        let registry = Registry::new()
            .add(SPEC_URI, Draft::Draft4.create_resource(document))
            .and_then(|r| r.prepare())
            .map_err(|e| RunError::Schema {
                pointer: String::new(),
                message: e.to_string(),
            })?;
        let bodies: Vec<&str> = spec
            .operations
            .iter()
            .flat_map(|op| {
                let requests = op.request_body.iter().flat_map(|b| b.media.iter());
                op.responses
                    .values()
                    .flat_map(|r| r.media.iter())
                    .chain(requests)
            })
            .filter_map(|m| m.schema.as_deref())
            .chain(extra.iter().map(String::as_str))
            .collect();
        let parameters = spec
            .operations
            .iter()
            .flat_map(|op| op.parameters.iter())
            .filter_map(|p| p.schema.as_deref());
        let mut validators = HashMap::new();
        for pointer in bodies.iter().copied().chain(parameters) {
            if !validators.contains_key(pointer) {
                validators.insert(pointer.to_string(), compile_one(&registry, pointer)?);
            }
        }
        let pointers = bodies;
        // The spec as written: `nullable` makes no difference to which fields are declared.
        let shapes = Shapes::build(&spec.document, pointers);
        Ok(Schemas { validators, shapes })
    }

    /// The validator of the schema at `pointer`.
    pub fn get(&self, pointer: &str) -> Option<&Validator> {
        self.validators.get(pointer)
    }

    /// Fields of `body` that the schema at `pointer` does not declare (see [`undeclared`]),
    /// and the enum values it holds.
    pub fn inspect(&self, pointer: &str, body: &Value) -> Inspection {
        self.shapes.inspect(pointer, body)
    }

    /// The enums (of two values or more) reachable from the body schemas, in the order
    /// [`EnumHit::schema`] numbers them.
    pub fn enums(&self) -> &[EnumSchema] {
        &self.shapes.enums
    }

    /// `body` as the schema at `pointer` means it: fields that are `null`, hold their declared
    /// `default` or an empty array are dropped, at any depth, since sending them or not means
    /// the same; so are fields the schema does not declare (the `undeclared-field` check warns
    /// of them). Two request bodies that are equal this way ask for the same thing.
    pub fn meaning(&self, pointer: &str, body: &Value) -> Value {
        match self.shapes.roots.get(pointer) {
            Some(&root) => self.shapes.meaning(root, body),
            None => body.clone(),
        }
    }
}

/// The JSON type of the scalar schema at `pointer` of `doc` (`integer`, `number`, `boolean`,
/// `string`), through `$ref`s and `allOf`: what a parameter's text is read as.
pub fn scalar_type<'d>(doc: &'d Value, pointer: &str) -> Option<&'d str> {
    spec_model::schema::view(doc, doc.pointer(pointer)?).kind
}

fn compile_one(registry: &Registry<'_>, pointer: &str) -> Result<Validator, RunError> {
    let wrapper = serde_json::json!({"$ref": format!("{SPEC_URI}#{}", uri_fragment(pointer))});
    jsonschema::options()
        .with_draft(Draft::Draft4)
        .with_registry(registry)
        .should_validate_formats(true)
        .build(&wrapper)
        .map_err(|e| RunError::Schema {
            pointer: pointer.to_string(),
            message: e.to_string(),
        })
}

/// A JSON pointer as a URI fragment: characters a URI may not hold (`{` `}` of path
/// templates, spaces) are percent-encoded.
fn uri_fragment(pointer: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'~')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_');
    percent_encoding::utf8_percent_encode(pointer, KEEP).to_string()
}

/// Translates the OpenAPI 3.0 keywords the validator (JSON Schema draft 4) does not know,
/// everywhere in `value`, in one pass: each object's members first, then the object itself.
///
/// Why a plain walk of the JSON and not spec-model's view: these are rewrites of keywords
/// wherever they are written (a `$ref`'s target is translated where it lives, once), where the
/// view reads one schema through its references.
pub fn to_json_schema(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(to_json_schema);
            drop_open_enum(map);
            add_integer_format_bounds(map);
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.remove("nullable");
                admit_null(map);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_json_schema),
        _ => {}
    }
}

/// Drops the `enum` of a schema marked `x-open-enum: true` (our extension: values beyond the
/// listed ones are expected), so that the validator accepts any value there; [`Shapes`] still
/// knows the listed values, and [`Inspection::unlisted`] reports the others as warnings.
fn drop_open_enum(map: &mut Map<String, Value>) {
    if map.get("x-open-enum") == Some(&Value::Bool(true)) {
        map.remove("enum");
    }
}

/// OpenAPI's `nullable: true` in JSON Schema: a `type` gains `"null"`, an `enum` gains `null`,
/// and a schema without `type` (a `$ref` or a composition) becomes
/// `anyOf: [{type: null}, itself]`.
fn admit_null(map: &mut Map<String, Value>) {
    if let Some(Value::Array(options)) = map.get_mut("enum")
        && !options.contains(&Value::Null)
    {
        options.push(Value::Null);
    }
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert("type".into(), serde_json::json!([t, "null"]));
        }
        Some(Value::Array(types)) if !types.contains(&Value::from("null")) => {
            types.push(Value::from("null"));
        }
        Some(_) => {}
        None => {
            let inner = Value::Object(std::mem::take(map));
            map.insert("anyOf".into(), serde_json::json!([{"type": "null"}, inner]));
        }
    }
}

/// OpenAPI's integer formats as the bounds they mean: an integer schema with `format: int32`
/// or `int64` gains an `allOf` member holding the format's `minimum` and `maximum`. A member
/// of its own leaves the schema's own bounds (and draft 4's `exclusiveMinimum` and
/// `exclusiveMaximum`, which modify them) as written: both must hold.
fn add_integer_format_bounds(map: &mut Map<String, Value>) {
    if let Some(bounds) = integer_format_bounds(map) {
        match map.get_mut("allOf") {
            Some(Value::Array(members)) => members.push(bounds),
            _ => {
                map.insert("allOf".into(), Value::Array(vec![bounds]));
            }
        }
    }
}

/// `{minimum, maximum}` of the integer format of the schema `map`, if it is an integer schema
/// with one.
fn integer_format_bounds(map: &Map<String, Value>) -> Option<Value> {
    let integer = match map.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(types)) => types.iter().any(|t| t == "integer"),
        _ => false,
    };
    if !integer {
        return None;
    }
    match map.get("format").and_then(Value::as_str) {
        Some("int32") => Some(serde_json::json!({"minimum": i32::MIN, "maximum": i32::MAX})),
        Some("int64") => Some(serde_json::json!({"minimum": i64::MIN, "maximum": i64::MAX})),
        _ => None,
    }
}

/// What a walk of a body with its schema found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inspection {
    /// Fields the schema does not declare.
    pub undeclared: Vec<Undeclared>,
    /// Documented enum values the body holds, once each.
    pub enums: Vec<EnumHit>,
    /// Values of open enums (`x-open-enum`) that their enum does not list: where, which enum,
    /// and the value.
    pub unlisted: Vec<(String, usize, String)>,
}

/// A documented value of an enum, found in a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnumHit {
    /// The enum, by its index in [`Schemas::enums`].
    pub schema: usize,
    /// The value, by its index in the enum's values.
    pub value: usize,
}

/// An enum schema of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumSchema {
    /// Its JSON pointer in the spec.
    pub pointer: String,
    /// Its values, as documented.
    pub values: Vec<String>,
    /// Marked `x-open-enum: true`: other values are expected (reported as warnings).
    pub open: bool,
}

/// A field of the body that its schema does not declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undeclared {
    /// JSON pointer of the field.
    pub pointer: String,
    /// The fields the schema declares for the object holding it.
    pub declared: Vec<String>,
}

/// Fields of `body` that the schema at `pointer` of `doc` does not declare, at any depth.
///
/// An object counts as closed for this purpose when its schema (with `allOf`, `anyOf` and
/// `oneOf` members merged) lists `properties` and does not allow `additionalProperties`,
/// whether or not it says `additionalProperties: false`: that is the drift worth a warning.
/// This resolves the schema for this one call; a run, which checks many bodies against the
/// same schemas, resolves them once ([`Shapes`], [`Schemas::undeclared`]).
#[cfg(test)]
pub fn undeclared(doc: &Value, pointer: &str, body: &Value) -> Vec<Undeclared> {
    Shapes::build(doc, [pointer])
        .inspect(pointer, body)
        .undeclared
}

/// The object shapes of some schemas of a document, resolved once: `$ref`s followed and
/// compositions merged for every schema reachable from them, so that finding undeclared
/// fields in a body is a walk over the body and nothing else.
#[derive(Debug, Default)]
pub struct Shapes {
    nodes: Vec<Node>,
    /// The node of each schema the shapes were built for, by its JSON pointer.
    roots: HashMap<String, usize>,
    /// The enums of two values or more that the schemas reach.
    enums: Vec<EnumSchema>,
}

/// One schema, resolved: what a body's object, array or field is compared with.
#[derive(Debug, Default)]
struct Node {
    /// Declared fields and the node of each, in name order.
    properties: BTreeMap<String, usize>,
    /// The `additionalProperties` schema, when it is one.
    additional: Option<usize>,
    /// The `items` schema of an array.
    items: Option<usize>,
    /// Declares fields and admits no others.
    closed: bool,
    /// The `default` of each declared field that has one.
    defaults: BTreeMap<String, Value>,
    /// The enum this is, by its index in [`Shapes::enums`].
    enumeration: Option<usize>,
}

impl Shapes {
    /// Resolves the schemas at `pointers` of `doc` and everything they reach. A pointer that
    /// names nothing has no shape, and bodies checked against it have no undeclared fields.
    pub fn build<'p>(doc: &Value, pointers: impl IntoIterator<Item = &'p str>) -> Shapes {
        let mut shapes = Shapes::default();
        let mut seen = Seen::default();
        for pointer in pointers {
            if let Some(schema) = doc.pointer(pointer) {
                let node = shapes.node(doc, schema, &mut seen);
                shapes.roots.insert(pointer.to_string(), node);
            }
        }
        shapes.name_enums(doc, &seen.enums);
        shapes
    }

    /// Fields of `body` that the schema at `pointer` does not declare, at any depth, and the
    /// enum values it holds.
    pub fn inspect(&self, pointer: &str, body: &Value) -> Inspection {
        let mut out = Inspection::default();
        if let Some(&root) = self.roots.get(pointer) {
            self.walk(root, body, &mut String::new(), &mut out);
        }
        out.enums.sort_unstable();
        out.enums.dedup();
        out
    }

    /// Gives each enum the pointer of its schema in `doc`, found by one walk of the document
    /// (`addresses` holds each enum schema's address, by its index).
    fn name_enums(&mut self, doc: &Value, addresses: &HashMap<usize, usize>) {
        fn visit(
            value: &Value,
            at: &mut String,
            want: &HashMap<usize, usize>,
            out: &mut [EnumSchema],
        ) {
            if let Some(&i) = want.get(&(std::ptr::from_ref(value) as usize))
                && let Some(e) = out.get_mut(i)
                && e.pointer.is_empty()
            {
                e.pointer = at.clone();
            }
            let len = at.len();
            match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        at.push('/');
                        push_escaped(at, k);
                        visit(v, at, want, out);
                        at.truncate(len);
                    }
                }
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        let _ = write!(at, "/{i}");
                        visit(v, at, want, out);
                        at.truncate(len);
                    }
                }
                _ => {}
            }
        }
        if !addresses.is_empty() {
            visit(doc, &mut String::new(), addresses, &mut self.enums);
        }
    }

    /// The node of `schema`, built once per resolved schema (`seen` maps a schema's address in
    /// `doc` to its node, which also ends cycles: a schema reached again is not built again).
    fn node(&mut self, doc: &Value, schema: &Value, seen: &mut Seen) -> usize {
        let enumeration = self.enumeration(doc, schema, seen);
        let schema = resolve(doc, schema).0;
        let address = std::ptr::from_ref(schema) as usize;
        if let Some(&id) = seen.nodes.get(&address) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(Node::default());
        seen.nodes.insert(address, id);
        let shape = shape(doc, schema);
        let mut node = Node {
            closed: shape.closed(),
            enumeration,
            ..Node::default()
        };
        for (name, s) in shape.properties {
            if let Some(default) = default_of(doc, s) {
                node.defaults.insert(name.to_string(), default.clone());
            }
            let child = self.node(doc, s, seen);
            node.properties.insert(name.to_string(), child);
        }
        node.additional = shape.additional.map(|s| self.node(doc, s, seen));
        node.items = schema.get("items").map(|s| self.node(doc, s, seen));
        self.nodes[id] = node;
        id
    }

    /// The index of the enum `schema` is (through `$ref`s and `allOf`), numbering it if it is
    /// new; `None` for a schema that is no enum of two string values or more.
    fn enumeration(&mut self, doc: &Value, schema: &Value, seen: &mut Seen) -> Option<usize> {
        let found = enum_of(doc, schema)?;
        let address = std::ptr::from_ref(found) as usize;
        if let Some(&i) = seen.enums.get(&address) {
            return Some(i);
        }
        let values: Vec<String> = found
            .get("enum")?
            .as_array()?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        if values.len() < 2 {
            return None;
        }
        self.enums.push(EnumSchema {
            pointer: String::new(),
            values,
            open: found.get("x-open-enum") == Some(&Value::Bool(true)),
        });
        seen.enums.insert(address, self.enums.len() - 1);
        Some(self.enums.len() - 1)
    }

    /// `body` with its `null` fields, fields holding their default, empty arrays and fields
    /// the schema does not declare dropped (see [`Schemas::meaning`]). An undeclared field is
    /// the `undeclared-field` check's business (a drift warning): the typed client cannot send
    /// what it does not know, so it is no difference of the replay; nor is an empty array the
    /// client leaves out.
    fn meaning(&self, node: usize, body: &Value) -> Value {
        let node = &self.nodes[node];
        let declares = node.closed || !node.properties.is_empty() || node.additional.is_some();
        let declared = |name: &str| {
            !declares || node.additional.is_some() || node.properties.contains_key(name)
        };
        match body {
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .filter(|(name, value)| {
                        !value.is_null()
                            && node.defaults.get(name.as_str()) != Some(value)
                            && value.as_array().is_none_or(|items| !items.is_empty())
                            && declared(name)
                    })
                    .map(|(name, value)| {
                        let child = node.properties.get(name).or(node.additional.as_ref());
                        let value = match child {
                            Some(&child) => self.meaning(child, value),
                            None => value.clone(),
                        };
                        (name.clone(), value)
                    })
                    .collect(),
            ),
            Value::Array(items) => match node.items {
                Some(child) => Value::Array(items.iter().map(|i| self.meaning(child, i)).collect()),
                None => body.clone(),
            },
            _ => body.clone(),
        }
    }

    fn walk(&self, node: usize, body: &Value, at: &mut String, out: &mut Inspection) {
        let node = &self.nodes[node];
        match body {
            Value::String(s) => {
                if let Some(e) = node.enumeration {
                    match self.enums[e].values.iter().position(|v| v == s) {
                        Some(value) => out.enums.push(EnumHit { schema: e, value }),
                        None if self.enums[e].open => {
                            out.unlisted.push((at.clone(), e, s.clone()));
                        }
                        None => {}
                    }
                }
            }
            Value::Object(fields) => {
                for (name, value) in fields {
                    let len = at.len();
                    at.push('/');
                    push_escaped(at, name);
                    match node.properties.get(name).or(node.additional.as_ref()) {
                        Some(&child) => self.walk(child, value, at, out),
                        None if node.closed => out.undeclared.push(Undeclared {
                            pointer: at.clone(),
                            declared: node.properties.keys().cloned().collect(),
                        }),
                        None => {}
                    }
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                let Some(child) = node.items else { return };
                for (i, item) in items.iter().enumerate() {
                    let len = at.len();
                    // Writing to a `String` cannot fail.
                    let _ = write!(at, "/{i}");
                    self.walk(child, item, at, out);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
}

/// What [`Shapes::build`] has resolved so far, by the address of the schema in the document.
#[derive(Default)]
struct Seen {
    /// Schema -> its node.
    nodes: HashMap<usize, usize>,
    /// Enum schema -> its index in [`Shapes::enums`].
    enums: HashMap<usize, usize>,
}

/// The schema holding the `enum` of `schema`, through `$ref`s and `allOf` members.
fn enum_of<'d>(doc: &'d Value, schema: &'d Value) -> Option<&'d Value> {
    spec_model::schema::layers(doc, schema)
        .into_iter()
        .find(|layer| layer.get("enum").is_some())
}

/// The fields an object schema declares, merged over its compositions.
#[derive(Default)]
struct Shape<'d> {
    properties: BTreeMap<&'d str, &'d Value>,
    /// The `additionalProperties` schema, when it is one.
    additional: Option<&'d Value>,
    /// `additionalProperties: true` somewhere: anything goes.
    open: bool,
}

impl Shape<'_> {
    /// Closed when it declares fields and admits no others. A schema declaring nothing (a
    /// free-form object) has nothing to compare with.
    fn closed(&self) -> bool {
        !self.open && self.additional.is_none() && !self.properties.is_empty()
    }
}

fn shape<'d>(doc: &'d Value, schema: &'d Value) -> Shape<'d> {
    let mut shape = Shape::default();
    collect(doc, schema, &mut shape, 0);
    shape
}

/// Gathers the fields of `schema` and its `allOf` members, then, recursively, of their
/// `anyOf` and `oneOf` members: an object of any branch is checked against all of their
/// fields, and where two declare a field, the one that always applies wins.
fn collect<'d>(doc: &'d Value, schema: &'d Value, shape: &mut Shape<'d>, depth: usize) {
    if depth > spec_model::schema::MAX_DEPTH {
        return; // a composition cycle: what was collected so far is all there is
    }
    let layers = spec_model::schema::layers(doc, schema);
    for layer in &layers {
        if let Some(props) = layer.get("properties").and_then(Value::as_object) {
            for (name, s) in props {
                shape.properties.entry(name.as_str()).or_insert(s);
            }
        }
        match layer.get("additionalProperties") {
            Some(Value::Bool(true)) => shape.open = true,
            Some(s @ Value::Object(_)) => shape.additional = shape.additional.or(Some(s)),
            _ => {}
        }
    }
    for layer in layers {
        for key in ["anyOf", "oneOf"] {
            for member in layer
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                collect(doc, member, shape, depth + 1);
            }
        }
    }
}

/// The `default` of a property schema: on the schema itself (beside an `allOf` wrapper, say)
/// or on the schema it refers to.
fn default_of<'d>(doc: &'d Value, schema: &'d Value) -> Option<&'d Value> {
    schema
        .get("default")
        .or_else(|| resolve(doc, schema).0.get("default"))
}

/// Appends `token` to a JSON pointer, escaped (RFC 6901), without an intermediate string
/// when it needs no escaping.
fn push_escaped(pointer: &mut String, token: &str) {
    if token.contains(['~', '/']) {
        pointer.push_str(&escape(token));
    } else {
        pointer.push_str(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_admits_null_in_type_enum_and_refs() {
        let mut v = json!({
            "a": {"type": "string", "nullable": true, "enum": ["x"]},
            "b": {"$ref": "#/c", "nullable": true},
            "c": {"type": "string", "nullable": false}
        });
        to_json_schema(&mut v);
        assert_eq!(
            v["a"],
            json!({"type": ["string", "null"], "enum": ["x", null]})
        );
        assert_eq!(
            v["b"],
            json!({"anyOf": [{"type": "null"}, {"$ref": "#/c"}]})
        );
        assert_eq!(v["c"], json!({"type": "string", "nullable": false}));
    }

    #[test]
    fn one_pass_translates_open_enums_integer_formats_and_nullable_together() {
        let mut v = json!({
            "open": {"type": "string", "enum": ["x"], "x-open-enum": true, "nullable": true},
            "count": {"type": "integer", "format": "int32", "nullable": true},
            "deep": {"properties": {"n": {"$ref": "#/count", "nullable": true}}}
        });
        to_json_schema(&mut v);
        assert_eq!(
            v["open"],
            json!({"type": ["string", "null"], "x-open-enum": true})
        );
        assert_eq!(
            v["count"],
            json!({"type": ["integer", "null"], "format": "int32",
                   "allOf": [{"minimum": i32::MIN, "maximum": i32::MAX}]})
        );
        assert_eq!(
            v["deep"]["properties"]["n"],
            json!({"anyOf": [{"type": "null"}, {"$ref": "#/count"}]})
        );
    }

    #[test]
    fn integer_formats_become_the_bounds_they_mean_beside_the_schemas_own() {
        let mut v = json!({
            "a": {"type": "integer", "format": "int32", "minimum": 1},
            "b": {"type": ["integer", "null"], "format": "int64", "allOf": [{"minimum": 0}]},
            "c": {"type": "number", "format": "int32"},
            "d": {"type": "integer", "format": "uint8"}
        });
        to_json_schema(&mut v);
        assert_eq!(
            v["a"],
            json!({"type": "integer", "format": "int32", "minimum": 1,
                   "allOf": [{"minimum": -2147483648_i64, "maximum": 2147483647}]})
        );
        assert_eq!(
            v["b"]["allOf"],
            json!([{"minimum": 0}, {"minimum": i64::MIN, "maximum": i64::MAX}])
        );
        assert_eq!(v["c"], json!({"type": "number", "format": "int32"}));
        assert_eq!(v["d"], json!({"type": "integer", "format": "uint8"}));
    }

    #[test]
    fn undeclared_fields_are_found_through_refs_compositions_and_arrays() {
        let doc = json!({
            "s": {"allOf": [{"$ref": "#/base"}, {"properties": {"b": {"type": "string"}}}]},
            "base": {"type": "object", "properties": {
                "a": {"type": "array", "items": {"$ref": "#/item"}},
                "free": {"type": "object"},
                "map": {"additionalProperties": {"$ref": "#/item"}}}},
            "item": {"properties": {"id": {}}}
        });
        let body = json!({"a": [{"id": 1, "extra": 2}], "b": "x", "free": {"any": 1},
                          "map": {"k": {"id": 1, "odd": 0}}, "new": true});
        let found: Vec<_> = undeclared(&doc, "/s", &body)
            .into_iter()
            .map(|u| u.pointer)
            .collect();
        assert_eq!(found, ["/a/0/extra", "/map/k/odd", "/new"]);
    }

    #[test]
    fn a_recursive_schema_is_resolved_once_and_walked_as_deep_as_the_body_goes() {
        let doc = json!({"tree": {"properties": {
            "name": {},
            "children": {"type": "array", "items": {"$ref": "#/tree"}}}}});
        let shapes = Shapes::build(&doc, ["/tree", "/nowhere"]);
        // The tree, its array of children (whose items are the tree again), and `name`.
        assert_eq!(shapes.nodes.len(), 3);
        let body = json!({"name": "a", "children": [{"children": [{"name": "c", "x": 1}]}]});
        let found = shapes.inspect("/tree", &body).undeclared;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/children/0/children/0/x");
        assert_eq!(found[0].declared, ["children", "name"]);
        assert!(shapes.inspect("/nowhere", &body).undeclared.is_empty());
    }

    #[test]
    fn additional_properties_true_declares_everything() {
        let doc = json!({"s": {"properties": {"a": {}}, "additionalProperties": true}});
        assert!(undeclared(&doc, "/s", &json!({"a": 1, "b": 2})).is_empty());
    }

    #[test]
    fn a_schema_compiles_against_refs_and_validates_formats() {
        let spec = Spec::from_document(json!({
            "openapi": "3.0.3",
            "paths": {"/a/{id}": {"get": {"responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/T"}}}}}}}},
            "components": {"schemas": {"T": {"type": "object", "required": ["at"], "properties": {
                "at": {"type": "string", "format": "date-time"},
                "n": {"type": "integer", "nullable": true},
                "small": {"type": "integer", "format": "int32"}}}}}
        }), "t.yaml")
        .unwrap();
        let schemas = Schemas::compile(&spec).unwrap();
        let pointer = spec.operations[0].responses["200"].media[0]
            .schema
            .clone()
            .unwrap();
        let v = schemas.get(&pointer).unwrap();
        assert!(v.is_valid(&json!({"at": "2024-01-01T00:00:00Z", "n": null})));
        assert!(!v.is_valid(&json!({"at": "yesterday"})));
        assert!(!v.is_valid(&json!({"n": 1})));
        let at = "2024-01-01T00:00:00Z";
        assert!(v.is_valid(&json!({"at": at, "small": 2147483647})));
        assert!(!v.is_valid(&json!({"at": at, "small": 2147483648_i64})));
        assert!(!v.is_valid(&json!({"at": at, "small": -2147483649_i64})));
    }
}

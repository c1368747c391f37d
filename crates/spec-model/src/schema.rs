//! One reading of a schema for every tool: `$ref`s followed, `allOf` members merged into one
//! [`View`], and one walk over the places of a body ([`walk_body`]).
//!
//! The generator's request bounds and sensitive tables, the gate's `secret` check, scrub and
//! synth all read schemas through this module, so that "what this schema says" and "which
//! places a body has" are decided once. Two rules hold throughout:
//! - a `$ref`'s siblings are ignored, as OpenAPI 3.0 says, and a reference that cannot be
//!   followed leaves the schema as it is (the spec's own validity is `Spec::load`'s concern);
//! - where a schema and the members it merges both say something, the outer one (written
//!   first) wins, as a property's own `example` beside `allOf: [$ref: Id]` wins over `Id`'s.
//!
//! Both are bounded: a cycle of references or of `allOf`s in a broken spec ends at
//! [`MAX_DEPTH`], and a recursive body schema is entered once per path.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::pointer::{MAX_REFS, step};
use crate::sensitive::Step;

/// How deep `$ref` chains and `allOf` nesting are followed before giving up.
pub const MAX_DEPTH: usize = MAX_REFS;

/// Follows local `$ref`s from `schema`: the schema reached and the name of the first
/// component schema on the way (`Id` for `#/components/schemas/Id`), if any. Leniently: a
/// reference that cannot be followed, or a chain longer than [`MAX_DEPTH`], ends the walk
/// where it is ([`follow`](crate::follow) is the strict reading, with pointers).
pub fn resolve<'d>(doc: &'d Value, mut schema: &'d Value) -> (&'d Value, Option<&'d str>) {
    let mut name = None;
    for _ in 0..MAX_DEPTH {
        let Ok(Some((target, reference))) = step(doc, schema) else {
            break;
        };
        name = name.or_else(|| reference.rsplit('/').next());
        schema = target;
    }
    (schema, name)
}

/// `schema` and every `allOf` member it merges, each resolved, outer first (depth first, in
/// document order), each schema once: the layers a [`View`] is made of.
pub fn layers<'d>(doc: &'d Value, schema: &'d Value) -> Vec<&'d Value> {
    named_layers(doc, schema)
        .into_iter()
        .map(|found| found.schema)
        .collect()
}

/// One of the [`layers_at`] of a schema: a schema the whole merges, and where it lives.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Layer<'d> {
    /// The JSON pointer of the schema (after its `$ref`s: `/components/schemas/Base` for a
    /// member `$ref: '#/components/schemas/Base'`).
    pub pointer: String,
    /// The schema.
    pub schema: &'d Value,
}

/// [`layers`] of the schema at `pointer` of `doc`, each with its own pointer, for tools that
/// report where a property or keyword lives (the spec diff). Strict where [`layers`] is
/// lenient: a `$ref` that cannot be followed is an error, as `(pointer, why)` like
/// [`follow`](crate::follow)'s.
pub fn layers_at<'d>(doc: &'d Value, pointer: &str) -> Result<Vec<Layer<'d>>, (String, String)> {
    let schema = doc
        .pointer(pointer)
        .ok_or_else(|| (pointer.to_string(), "no schema there".to_string()))?;
    let mut out = Vec::new();
    push_layers(doc, schema, Some(pointer.to_string()), &mut out, 0)?;
    Ok(out
        .into_iter()
        .map(|found| Layer {
            // Every layer pushed with a pointer has one.
            pointer: found.pointer.unwrap_or_default(),
            schema: found.schema,
        })
        .collect())
}

/// A layer as [`push_layers`] finds it.
struct Found<'d> {
    schema: &'d Value,
    /// The first component schema its `$ref`s led to (when the walk has no pointers: only
    /// [`View::name`] needs it).
    name: Option<&'d str>,
    /// Where it lives, when the walk tracks pointers.
    pointer: Option<String>,
}

/// [`layers`], each with the name of the first component schema its `$ref`s led to.
fn named_layers<'d>(doc: &'d Value, schema: &'d Value) -> Vec<Found<'d>> {
    let mut out = Vec::new();
    // Without pointers the walk follows references leniently and cannot fail.
    let _ = push_layers(doc, schema, None, &mut out, 0);
    out
}

/// The one walk of `allOf` layers. With `at` (the pointer of `schema`) it tracks where each
/// layer lives and refuses a `$ref` that cannot be followed; without, a reference that cannot
/// be followed leaves the schema as it is.
fn push_layers<'d>(
    doc: &'d Value,
    schema: &'d Value,
    at: Option<String>,
    out: &mut Vec<Found<'d>>,
    depth: usize,
) -> Result<(), (String, String)> {
    let (resolved, name, pointer) = match at {
        Some(at) => {
            let (resolved, pointer) = crate::follow(doc, schema, &at)?;
            (resolved, None, Some(pointer))
        }
        None => {
            let (resolved, name) = resolve(doc, schema);
            (resolved, name, None)
        }
    };
    if depth > MAX_DEPTH || out.iter().any(|seen| std::ptr::eq(seen.schema, resolved)) {
        return Ok(());
    }
    out.push(Found {
        schema: resolved,
        name,
        pointer: pointer.clone(),
    });
    for (i, member) in list(resolved, "allOf")
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = pointer.as_ref().map(|p| format!("{p}/allOf/{i}"));
        push_layers(doc, member, at, out, depth + 1)?;
    }
    Ok(())
}

fn list<'d>(schema: &'d Value, key: &str) -> Option<&'d [Value]> {
    schema.get(key).and_then(Value::as_array).map(Vec::as_slice)
}

/// One schema with its `$ref`s followed and its `allOf` members merged (the outer one wins).
#[derive(Debug, Default, Clone)]
#[non_exhaustive]
pub struct View<'d> {
    /// `type`.
    pub kind: Option<&'d str>,
    /// `properties`, in document order, each name once.
    pub properties: Vec<(&'d str, &'d Value)>,
    /// `required`.
    pub required: Vec<&'d str>,
    /// `additionalProperties` is given (true or a schema): the object is open.
    pub open: bool,
    /// `enum`.
    pub options: Option<&'d [Value]>,
    /// `x-open-enum: true`: values beyond `options` are expected.
    pub open_enum: bool,
    /// `format`.
    pub format: Option<&'d str>,
    /// `pattern`.
    pub pattern: Option<&'d str>,
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// `minLength`.
    pub min_length: Option<usize>,
    /// `items`.
    pub items: Option<&'d Value>,
    /// `nullable: true`.
    pub nullable: bool,
    /// `readOnly: true`: never sent in a request.
    pub read_only: bool,
    /// `example`.
    pub example: Option<&'d Value>,
    /// `oneOf` members.
    pub one_of: Option<&'d [Value]>,
    /// `discriminator`.
    pub discriminator: Option<&'d Value>,
    /// The name of the first component schema a `$ref` led to (`RateEntry`).
    pub name: Option<&'d str>,
}

impl<'d> View<'d> {
    /// The schema of property `name`, if declared.
    pub fn property(&self, name: &str) -> Option<&'d Value> {
        self.properties
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
    }

    /// Whether `name` is required.
    pub fn requires(&self, name: &str) -> bool {
        self.required.contains(&name)
    }

    /// Whether it describes an object: `type: object`, or properties without a type.
    pub fn is_object(&self) -> bool {
        self.kind == Some("object") || (self.kind.is_none() && !self.properties.is_empty())
    }

    /// An object that declares its fields and admits no others.
    pub fn is_closed(&self) -> bool {
        !self.properties.is_empty() && !self.open
    }

    fn merge(&mut self, schema: &'d Value) {
        let text = |key: &str| schema.get(key).and_then(Value::as_str);
        let number = |key: &str| schema.get(key).and_then(Value::as_f64);
        let flag = |key: &str| schema.get(key) == Some(&Value::Bool(true));
        self.kind = self.kind.or(text("type"));
        self.format = self.format.or(text("format"));
        self.pattern = self.pattern.or(text("pattern"));
        self.minimum = self.minimum.or(number("minimum"));
        self.maximum = self.maximum.or(number("maximum"));
        self.min_length = self.min_length.or(schema
            .get("minLength")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok()));
        self.items = self.items.or(schema.get("items"));
        self.example = self.example.or(schema.get("example"));
        self.discriminator = self.discriminator.or(schema.get("discriminator"));
        self.options = self.options.or(list(schema, "enum"));
        self.one_of = self.one_of.or(list(schema, "oneOf"));
        self.nullable |= flag("nullable");
        self.open_enum |= flag("x-open-enum");
        self.read_only |= flag("readOnly");
        self.open |= schema.get("additionalProperties").is_some();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, s) in props {
                if self.property(name).is_none() {
                    self.properties.push((name.as_str(), s));
                }
            }
        }
        for name in list(schema, "required")
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !self.required.contains(&name) {
                self.required.push(name);
            }
        }
    }
}

/// The view of `schema`, a schema of `doc`.
pub fn view<'d>(doc: &'d Value, schema: &'d Value) -> View<'d> {
    let mut view = View::default();
    for found in named_layers(doc, schema) {
        view.name = view.name.or(found.name);
        view.merge(found.schema);
    }
    view
}

/// Which members of a `oneOf` or `anyOf` [`walk_body`] enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branches {
    /// Every member, at the same steps: where a value may be, whichever it takes.
    Every,
    /// None: where a value must be, before it is known which member it takes.
    None,
}

/// Visits each place of a body schema with the steps to it: the root (no steps), then each
/// property and each array item, through `$ref`s and `allOf` members (and `oneOf`/`anyOf`
/// members as `branches` says). `visit` gets the place's schema as written (a property's own
/// `x-sensitive` beside its `$ref` is still there) and returns whether to look inside it.
///
/// Each layer's properties come before its items, layers in [`layers`] order; a property that
/// two layers declare is visited twice. A schema already entered on the way from the root is
/// not entered again, so a recursive schema ends.
pub fn walk_body<'d>(
    doc: &'d Value,
    schema: &'d Value,
    branches: Branches,
    visit: &mut impl FnMut(&[Step], &'d Value) -> bool,
) {
    let mut walk = Walk {
        doc,
        branches,
        steps: Vec::new(),
        entered: BTreeSet::new(),
    };
    if visit(&walk.steps, schema) {
        walk.enter(schema, visit);
    }
}

fn address(schema: &Value) -> usize {
    std::ptr::from_ref(schema) as usize
}

/// A [`walk_body`] under way.
struct Walk<'d> {
    doc: &'d Value,
    branches: Branches,
    steps: Vec<Step>,
    /// The addresses of the schemas entered on the way from the root.
    entered: BTreeSet<usize>,
}

impl<'d> Walk<'d> {
    fn enter(&mut self, schema: &'d Value, visit: &mut impl FnMut(&[Step], &'d Value) -> bool) {
        let (resolved, _) = resolve(self.doc, schema);
        if self.entered.contains(&address(resolved)) {
            return;
        }
        // Every layer counts as entered: a member that refers back to its whole ends too.
        let layers = layers(self.doc, resolved);
        let fresh: Vec<usize> = layers
            .iter()
            .map(|layer| address(layer))
            .filter(|a| self.entered.insert(*a))
            .collect();
        for layer in &layers {
            if let Some(props) = layer.get("properties").and_then(Value::as_object) {
                for (name, property) in props {
                    self.steps.push(Step::Field(name.clone()));
                    self.place(property, visit);
                    self.steps.pop();
                }
            }
            if let Some(items) = layer.get("items") {
                self.steps.push(Step::Each);
                self.place(items, visit);
                self.steps.pop();
            }
        }
        if self.branches == Branches::Every {
            for layer in &layers {
                for key in ["anyOf", "oneOf"] {
                    for member in list(layer, key).into_iter().flatten() {
                        self.enter(member, visit);
                    }
                }
            }
        }
        for a in fresh {
            self.entered.remove(&a);
        }
    }

    fn place(&mut self, schema: &'d Value, visit: &mut impl FnMut(&[Step], &'d Value) -> bool) {
        if visit(&self.steps, schema) {
            self.enter(schema, visit);
        }
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
                  "nullable": true},
            "r": {"$ref": "#/Id"}
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
        assert_eq!(view(&doc, &doc["r"]).name, Some("Id"));
        let o = view(&doc, &doc["o"]);
        let names: Vec<&str> = o.properties.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(o.required, ["a", "c"]);
        assert!(o.nullable && o.is_object() && o.is_closed());
    }

    #[test]
    fn a_cycle_of_references_or_all_ofs_ends() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"},
                         "c": {"allOf": [{"$ref": "#/c"}], "type": "string"}});
        assert_eq!(view(&doc, &doc["a"]).kind, None);
        assert_eq!(view(&doc, &doc["c"]).kind, Some("string"));
        assert_eq!(layers(&doc, &doc["c"]).len(), 1);
    }

    #[test]
    fn layers_at_says_where_each_layer_lives_and_refuses_a_dangling_ref() {
        let doc = json!({
            "Base": {"allOf": [{"$ref": "#/Id"}], "properties": {"a": {}}},
            "Id": {"type": "string"},
            "s": {"allOf": [{"$ref": "#/Base"}, {"properties": {"b": {}}}]},
            "broken": {"allOf": [{"$ref": "#/nowhere"}]}
        });
        let pointers: Vec<String> = layers_at(&doc, "/s")
            .unwrap()
            .into_iter()
            .map(|layer| layer.pointer)
            .collect();
        assert_eq!(pointers, ["/s", "/Base", "/Id", "/s/allOf/1"]);
        assert_eq!(layers(&doc, &doc["s"]).len(), 4);
        let (at, why) = layers_at(&doc, "/broken").unwrap_err();
        assert_eq!(at, "/broken/allOf/0");
        assert!(why.contains("#/nowhere"), "{why}");
        assert_eq!(layers(&doc, &doc["broken"]).len(), 2);
        assert_eq!(layers_at(&doc, "/none").unwrap_err().0, "/none");
    }

    fn places(doc: &Value, schema: &Value, branches: Branches) -> Vec<String> {
        let mut out = Vec::new();
        walk_body(doc, schema, branches, &mut |steps, _| {
            let path: Vec<String> = steps
                .iter()
                .map(|s| match s {
                    Step::Field(n) => n.clone(),
                    Step::Each => "*".into(),
                })
                .collect();
            out.push(path.join("."));
            true
        });
        out
    }

    #[test]
    fn a_body_is_walked_through_refs_all_of_items_and_recursion_once_per_path() {
        let doc = json!({
            "Node": {"type": "object", "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/Node"}}}},
            "Tagged": {"allOf": [{"$ref": "#/Node"}, {"properties": {"tag": {}}}],
                       "oneOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]}
        });
        assert_eq!(
            places(&doc, &doc["Node"], Branches::None),
            ["", "name", "children", "children.*"]
        );
        assert_eq!(
            places(&doc, &doc["Tagged"], Branches::None),
            ["", "name", "children", "children.*", "tag"]
        );
        assert_eq!(
            places(&doc, &doc["Tagged"], Branches::Every),
            ["", "name", "children", "children.*", "tag", "a", "b"]
        );
    }

    #[test]
    fn a_place_the_visitor_declines_is_not_entered() {
        let doc = json!({"s": {"properties": {"hidden": {"x-sensitive": true,
            "properties": {"inner": {}}}, "open": {"properties": {"inner": {}}}}}});
        let mut seen = Vec::new();
        walk_body(&doc, &doc["s"], Branches::Every, &mut |steps, schema| {
            seen.push(steps.len());
            schema.get("x-sensitive").is_none()
        });
        assert_eq!(seen, [0, 1, 1, 2]);
    }
}

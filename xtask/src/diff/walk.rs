//! Walks two schemas side by side and records how they differ ([`Finding`]s, not yet
//! classified): properties, requiredness, enum values, types, `$ref` targets, constraints and
//! documentation.

use std::collections::HashSet;

use anyhow::Result;
use serde_json::Value;

use super::classify::{Ctx, Finding, Kind, Presence};
use super::shape::{self, Node, Object, Shape};

/// Keywords the walk compares by shape rather than as keywords: the structure, `allOf`
/// wrappers and members, and `nullable` (a field's presence or an `Option`).
fn shaped(key: &str) -> bool {
    shape::STRUCTURE.contains(&key) || key == "allOf" || key == "nullable"
}

/// Keywords that bound values; `tightened` tells which way makes fewer values valid.
const BOUNDS: [&str; 13] = [
    "pattern",
    "format",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "maxProperties",
];

/// One of the two documents.
#[derive(Clone, Copy)]
pub struct Doc<'d> {
    /// The whole document.
    pub value: &'d Value,
    /// How errors name it.
    pub origin: &'d str,
}

/// What a person calls a place: prose (`` `list_devices` response 200 ``) or a type
/// (`Device`), and a path below it (`.data[].id`).
#[derive(Clone, Debug)]
pub struct Subject {
    base: String,
    path: String,
    is_type: bool,
}

impl Subject {
    /// A place named in prose.
    pub fn new(base: String) -> Subject {
        Subject {
            base,
            path: String::new(),
            is_type: false,
        }
    }

    /// A type (a component schema).
    pub fn type_name(name: &str) -> Subject {
        Subject {
            is_type: true,
            ..Subject::new(name.to_string())
        }
    }

    fn below(&self, segment: &str) -> Subject {
        Subject {
            path: format!("{}{segment}", self.path),
            ..self.clone()
        }
    }

    /// As the report shows it.
    pub fn render(&self) -> String {
        match (self.is_type, self.path.is_empty()) {
            (true, _) => format!("`{}{}`", self.base, self.path),
            (false, true) => self.base.clone(),
            (false, false) => format!("{} `{}`", self.base, self.path),
        }
    }
}

/// A place in both documents.
#[derive(Clone, Debug)]
pub struct Place {
    /// Pointer into the old document.
    pub old: String,
    /// Pointer into the new document.
    pub new: String,
    /// How values there travel.
    pub ctx: Ctx,
    /// What a person calls it.
    pub subject: Subject,
    /// An object's property: its nullability is the field's presence, not its type.
    pub property: bool,
}

/// The walk's state: both documents, what it found, where it has been.
pub struct Walker<'d> {
    old: Doc<'d>,
    new: Doc<'d>,
    /// What the walk found, in order.
    pub findings: Vec<Finding>,
    visited: HashSet<(String, String, Ctx)>,
    operation: Option<String>,
}

impl<'d> Walker<'d> {
    /// A walker over two documents.
    pub fn new(old: Doc<'d>, new: Doc<'d>) -> Walker<'d> {
        Walker {
            old,
            new,
            findings: Vec::new(),
            visited: HashSet::new(),
            operation: None,
        }
    }

    /// Findings from now on are reached by `operation` (or by none).
    pub fn set_operation(&mut self, operation: Option<&str>) {
        self.operation = operation.map(str::to_string);
        self.visited.clear();
    }

    /// Records a finding at `pointer`.
    pub fn push(&mut self, kind: Kind, pointer: &str, ctx: Ctx, subject: &Subject) {
        self.findings.push(Finding {
            kind,
            pointer: pointer.to_string(),
            ctx,
            operations: self.operation.iter().cloned().collect(),
            subject: subject.render(),
        });
    }

    /// Compares the schemas at a place.
    pub fn compare(&mut self, place: &Place) -> Result<()> {
        let old = shape::resolve(self.old.value, &place.old, self.old.origin)?;
        let new = shape::resolve(self.new.value, &place.new, self.new.origin)?;
        let first_visit =
            self.visited
                .insert((old.pointer.clone(), new.pointer.clone(), place.ctx));
        if old.component != new.component {
            return match first_visit {
                true => self.ref_changed(&old, &new, place),
                false => Ok(()),
            };
        }
        if old.pointer != place.old || new.pointer != place.new {
            // The place wraps the schema (a property beside an `allOf`): its own keywords.
            self.keywords(&place.old, &place.new, place, &[]);
        }
        if !first_visit {
            return Ok(());
        }
        let place = Place {
            subject: match &new.component {
                Some(name) => Subject::type_name(name),
                None => place.subject.clone(),
            },
            old: old.pointer.clone(),
            new: new.pointer.clone(),
            ..place.clone()
        };
        self.nodes(&old, &new, &place)
    }

    /// Compares two resolved schemas: their keywords, then their shapes.
    fn nodes(&mut self, old: &Node<'_>, new: &Node<'_>, place: &Place) -> Result<()> {
        let old_shape = Shape::of(self.old.value, old, self.old.origin)?;
        let new_shape = Shape::of(self.new.value, new, self.new.origin)?;
        // Bounds of one type say nothing about another: a type change is the change.
        let skip: &[&str] = match old_shape.same_kind(&new_shape) {
            true => &[],
            false => &BOUNDS,
        };
        self.keywords(&old.pointer, &new.pointer, place, skip);
        if !place.property && old.nullable != new.nullable {
            self.nullability(old, new, (&old_shape, &new_shape), place);
        }
        if !old_shape.same_kind(&new_shape) {
            let kind = Kind::TypeChanged {
                old: old_shape.describe(),
                new: new_shape.describe(),
                old_reads_new: old_shape.rust_reads(&new_shape),
                new_accepts_old: new_shape.spec_accepts(&old_shape),
            };
            self.push(kind, &place.new, place.ctx, &place.subject);
            return Ok(());
        }
        match (old_shape, new_shape) {
            (Shape::Object(o), Shape::Object(n)) => self.objects(&o, &n, place),
            (Shape::Array(o), Shape::Array(n)) => self.arrays(o, n, place),
            (Shape::Enum(o, o_at), Shape::Enum(n, n_at)) => {
                self.enums((&o, &o_at), (&n, &n_at), place);
                Ok(())
            }
            (Shape::Union(o, _), Shape::Union(n, tagged)) => self.unions(&o, &n, tagged, place),
            _ => Ok(()),
        }
    }

    /// `nullable` changed where it makes the type an `Option` (not on a property, whose
    /// nullability is its presence).
    fn nullability(
        &mut self,
        old: &Node<'_>,
        new: &Node<'_>,
        shapes: (&Shape, &Shape),
        place: &Place,
    ) {
        let wrap = |nullable: bool, s: &Shape| {
            if nullable {
                format!("`Option` of {}", s.describe())
            } else {
                s.describe()
            }
        };
        let kind = Kind::TypeChanged {
            old: wrap(old.nullable, shapes.0),
            new: wrap(new.nullable, shapes.1),
            old_reads_new: old.nullable || !new.nullable,
            new_accepts_old: new.nullable || !old.nullable,
        };
        self.push(kind, &place.new, place.ctx, &place.subject);
    }

    /// The place's type is another type: records it with how the two schemas differ.
    fn ref_changed(&mut self, old: &Node<'_>, new: &Node<'_>, place: &Place) -> Result<()> {
        let mut inner = Walker::new(self.old, self.new);
        inner.visited = self.visited.clone();
        let at = Place {
            old: old.pointer.clone(),
            new: new.pointer.clone(),
            ..place.clone()
        };
        inner.nodes(old, new, &at)?;
        let differences = inner
            .findings
            .into_iter()
            .map(|f| (f.kind, f.subject))
            .collect();
        let kind = Kind::RefChanged {
            old: type_name(old),
            new: type_name(new),
            differences,
        };
        self.push(kind, &place.new, place.ctx, &place.subject);
        Ok(())
    }

    fn objects(&mut self, old: &Object, new: &Object, place: &Place) -> Result<()> {
        for (name, old_at) in &old.properties {
            let subject = place.subject.below(&format!(".{name}"));
            let was = self.presence(self.old, old, name, old_at)?;
            let Some(new_at) = new.property(name) else {
                self.push(
                    Kind::FieldRemoved { presence: was },
                    old_at,
                    place.ctx,
                    &subject,
                );
                continue;
            };
            let now = self.presence(self.new, new, name, new_at)?;
            if was != now {
                let kind = Kind::FieldPresence { old: was, new: now };
                self.push(kind, new_at, place.ctx, &subject);
            }
            self.compare(&Place {
                old: old_at.clone(),
                new: new_at.to_string(),
                ctx: place.ctx,
                subject,
                property: true,
            })?;
        }
        for (name, new_at) in &new.properties {
            if old.property(name).is_none() {
                let presence = self.presence(self.new, new, name, new_at)?;
                let kind = Kind::FieldAdded {
                    presence,
                    closed: old.closed,
                };
                let subject = place.subject.below(&format!(".{name}"));
                self.push(kind, new_at, place.ctx, &subject);
            }
        }
        if !old.properties.is_empty() && old.has_default() != new.has_default() {
            let kind = Kind::DefaultImpl {
                now: new.has_default(),
            };
            self.push(kind, &place.new, place.ctx, &place.subject);
        }
        match (&old.additional, &new.additional) {
            (Some(o), Some(n)) => self.compare(&Place {
                old: o.clone(),
                new: n.clone(),
                subject: place.subject.below("[*]"),
                property: false,
                ..place.clone()
            }),
            _ => Ok(()),
        }
    }

    /// How property `name` of `object` (its schema at `at` of `doc`) is present.
    fn presence(&self, doc: Doc<'_>, object: &Object, name: &str, at: &str) -> Result<Presence> {
        let node = shape::resolve(doc.value, at, doc.origin)?;
        let collection = match Shape::of(doc.value, &node, doc.origin)? {
            Shape::Array(_) => true,
            Shape::Object(o) => o.properties.is_empty(),
            _ => false,
        };
        // A default and an intrinsic one (an empty array or map) matter to optional fields only.
        let required = object.required.contains(name);
        Ok(Presence {
            required,
            nullable: node.nullable,
            default: !required && node.default.is_some(),
            collection: !required && collection,
        })
    }

    fn arrays(&mut self, old: Option<String>, new: Option<String>, place: &Place) -> Result<()> {
        match (old, new) {
            (Some(old), Some(new)) => self.compare(&Place {
                old,
                new,
                subject: place.subject.below("[]"),
                property: false,
                ..place.clone()
            }),
            (None, None) => Ok(()),
            (old, new) => {
                let kind = Kind::TypeChanged {
                    old: items(&old),
                    new: items(&new),
                    old_reads_new: old.is_none(),
                    new_accepts_old: new.is_none(),
                };
                self.push(kind, &place.new, place.ctx, &place.subject);
                Ok(())
            }
        }
    }

    fn enums(&mut self, old: (&[String], &str), new: (&[String], &str), place: &Place) {
        for (i, value) in new.0.iter().enumerate() {
            if !old.0.contains(value) {
                let kind = Kind::EnumValueAdded {
                    value: value.clone(),
                };
                self.push(kind, &format!("{}/{i}", new.1), place.ctx, &place.subject);
            }
        }
        for (i, value) in old.0.iter().enumerate() {
            if !new.0.contains(value) {
                let kind = Kind::EnumValueRemoved {
                    value: value.clone(),
                };
                self.push(kind, &format!("{}/{i}", old.1), place.ctx, &place.subject);
            }
        }
    }

    fn unions(
        &mut self,
        old: &[String],
        new: &[String],
        tagged: bool,
        place: &Place,
    ) -> Result<()> {
        let old_keys = self.member_keys(self.old, old)?;
        let new_keys = self.member_keys(self.new, new)?;
        for (key, new_at) in new_keys.iter().zip(new) {
            match old_keys.iter().position(|k| k == key) {
                Some(i) => self.compare(&Place {
                    old: old[i].clone(),
                    new: new_at.clone(),
                    subject: place.subject.below(&format!("({key})")),
                    property: false,
                    ..place.clone()
                })?,
                None => self.push(
                    Kind::UnionMemberAdded { tagged },
                    new_at,
                    place.ctx,
                    &place.subject,
                ),
            }
        }
        for (key, old_at) in old_keys.iter().zip(old) {
            if !new_keys.contains(key) {
                self.push(Kind::UnionMemberRemoved, old_at, place.ctx, &place.subject);
            }
        }
        Ok(())
    }

    /// Union members are matched by the component they name, else by position.
    fn member_keys(&self, doc: Doc<'_>, members: &[String]) -> Result<Vec<String>> {
        members
            .iter()
            .enumerate()
            .map(|(i, at)| {
                let node = shape::resolve(doc.value, at, doc.origin)?;
                Ok(node.component.unwrap_or_else(|| format!("member {i}")))
            })
            .collect()
    }

    /// Compares the keywords of the objects at `old` and `new` that are neither compared by
    /// shape nor in `skip`: documentation, defaults, and bounds.
    pub fn keywords(&mut self, old: &str, new: &str, place: &Place, skip: &[&str]) {
        let empty = Value::Null;
        let o = self.old.value.pointer(old).unwrap_or(&empty);
        let n = self.new.value.pointer(new).unwrap_or(&empty);
        let (Some(o_map), Some(n_map)) = (o.as_object(), n.as_object()) else {
            return;
        };
        let keys: Vec<&String> = o_map
            .keys()
            .chain(n_map.keys().filter(|k| !o_map.contains_key(*k)))
            .filter(|k| !shaped(k) && !skip.contains(&k.as_str()))
            .collect();
        for key in keys {
            let (a, b) = (o_map.get(key), n_map.get(key));
            if a == b {
                continue;
            }
            let at = match b {
                Some(_) => format!("{new}/{}", spec_model::escape(key)),
                None => format!("{old}/{}", spec_model::escape(key)),
            };
            let kind = keyword_change(key, a, b, n, shape::component(new).is_some());
            self.push(kind, &at, place.ctx, &place.subject);
        }
    }
}

/// The change of keyword `key` from `old` to `new` in a schema (or operation, parameter,
/// response) `value`.
fn keyword_change(
    key: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    value: &Value,
    component: bool,
) -> Kind {
    let text = |v: Option<&Value>| v.map_or_else(|| "none".to_string(), Value::to_string);
    match key {
        "description" | "summary" => Kind::DescriptionChanged,
        "x-sensitive" => Kind::SensitivityChanged {
            now: new == Some(&Value::Bool(true)),
        },
        // A component's type is named after the component; an inline one after its title.
        "title" if !component && names_a_type(value) => Kind::TypeRenamed {
            old: text(old),
            new: text(new),
        },
        "default" => Kind::DefaultChanged {
            old: text(old),
            new: text(new),
        },
        "pattern" if old.is_some() && new.is_some() => Kind::PatternChanged {
            old: old.and_then(Value::as_str).unwrap_or_default().to_string(),
            new: new.and_then(Value::as_str).unwrap_or_default().to_string(),
        },
        _ if BOUNDS.contains(&key) => Kind::ConstraintChanged {
            keyword: key.to_string(),
            old: text(old),
            new: text(new),
            tightened: tightened(key, old, new),
        },
        _ => Kind::DocumentationChanged {
            keyword: key.to_string(),
        },
    }
}

/// An inline schema whose `title` typify takes for its Rust type's name: an object or an
/// enum.
fn names_a_type(value: &Value) -> bool {
    value.get("properties").is_some()
        || value.get("enum").is_some()
        || value.get("type").and_then(Value::as_str) == Some("object")
}

/// Whether a bound's change makes fewer values valid.
fn tightened(key: &str, old: Option<&Value>, new: Option<&Value>) -> bool {
    let number = |v: Option<&Value>| v.and_then(Value::as_f64);
    match (old, new) {
        (_, None) => false,
        (None, Some(v)) => v != &Value::Bool(false),
        (Some(_), Some(_)) if key.starts_with("min") || key == "exclusiveMinimum" => {
            number(new) > number(old) || new == Some(&Value::Bool(true))
        }
        (Some(_), Some(_)) if key.starts_with("max") || key == "exclusiveMaximum" => {
            number(new) < number(old) || new == Some(&Value::Bool(true))
        }
        (Some(_), Some(v)) => key != "uniqueItems" || v == &Value::Bool(true),
    }
}

fn items(at: &Option<String>) -> String {
    match at {
        Some(_) => "an array of typed items".into(),
        None => "an array of any JSON values".into(),
    }
}

/// The Rust type a node names: its component, its `title`, or an inline schema.
fn type_name(node: &Node<'_>) -> String {
    node.component
        .as_deref()
        .or_else(|| node.value.get("title").and_then(Value::as_str))
        .map_or_else(
            || "an inline schema".to_string(),
            |name| format!("`{name}`"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn walk(old: Value, new: Value, ctx: Ctx) -> Vec<(String, String, Kind)> {
        let mut w = Walker::new(
            Doc {
                value: &old,
                origin: "old",
            },
            Doc {
                value: &new,
                origin: "new",
            },
        );
        w.compare(&Place {
            old: "/s".into(),
            new: "/s".into(),
            ctx,
            subject: Subject::new("body".into()),
            property: false,
        })
        .unwrap();
        w.findings
            .into_iter()
            .map(|f| (f.pointer, f.subject, f.kind))
            .collect()
    }

    #[test]
    fn properties_added_removed_and_made_optional_are_found_where_they_are() {
        let old = json!({"s": {"type": "object", "required": ["a", "b"],
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}});
        let new = json!({"s": {"type": "object", "required": ["a"],
            "properties": {"a": {"type": "string"}, "c": {"type": "integer"}}}});
        let found = walk(old, new, Ctx::RESPONSE);
        let kinds: Vec<String> = found
            .iter()
            .map(|(p, s, k)| format!("{p} {} {s}", super::super::classify::name(k, Ctx::RESPONSE)))
            .collect();
        assert_eq!(
            kinds,
            [
                "/s/properties/b response-field-removed body `.b`",
                "/s/properties/c response-field-added body `.c`",
            ]
        );
    }

    #[test]
    fn a_ref_to_another_component_is_one_change_with_its_differences() {
        let schemas = json!({"A": {"type": "string", "enum": ["X"]},
                             "B": {"type": "string", "enum": ["X", "Y"]}});
        let old =
            json!({"components": {"schemas": schemas}, "s": {"$ref": "#/components/schemas/A"}});
        let mut new = old.clone();
        new["s"] = json!({"$ref": "#/components/schemas/B"});
        let found = walk(old, new, Ctx::REQUEST);
        assert_eq!(found.len(), 1, "{found:?}");
        let Kind::RefChanged {
            old,
            new,
            differences,
        } = &found[0].2
        else {
            panic!("{found:?}")
        };
        assert_eq!((old.as_str(), new.as_str()), ("`A`", "`B`"));
        assert!(matches!(&differences[0].0, Kind::EnumValueAdded { value } if value == "\"Y\""));
    }

    #[test]
    fn bounds_know_which_way_is_tighter() {
        assert!(tightened("maxLength", Some(&json!(10)), Some(&json!(5))));
        assert!(!tightened("maxLength", Some(&json!(5)), Some(&json!(10))));
        assert!(tightened("minimum", None, Some(&json!(0))));
        assert!(!tightened("minimum", Some(&json!(0)), None));
        assert!(tightened("pattern", Some(&json!("a")), Some(&json!("b"))));
    }

    #[test]
    fn a_cycle_ends() {
        let doc = json!({"components": {"schemas": {"N": {"type": "object",
            "properties": {"next": {"$ref": "#/components/schemas/N"}}}}},
            "s": {"$ref": "#/components/schemas/N"}});
        assert!(walk(doc.clone(), doc, Ctx::RESPONSE).is_empty());
    }
}

//! Two schemas whose Rust types would get one name (typify #695, #801). typify 0.8 either
//! writes both definitions (the crate does not compile: Box's `EnterpriseConfigurationSecurity`
//! is a struct and an enum) or silently gives the second schema the first one's type. The
//! pass renames before generation: a component whose key makes the same name as another's is
//! renamed (and every `$ref` to it rewritten); an inline schema whose derived name is taken
//! gets a `title`, which typify uses as its name.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};

use super::Change;
use super::schemas::{self, escape, rust_type_name};

/// How many times inline titles are assigned: a new title renames the types below the
/// schema too, which may (rarely) collide in turn.
const ROUNDS: usize = 4;

/// Makes every Rust type name the schemas would get unique.
pub fn unique_type_names(spec: &mut OpenAPI) -> Vec<Change> {
    let mut changes = rename_components(spec);
    changes.extend(untitle_nullable_components(spec));
    for _ in 0..ROUNDS {
        let titles = inline_titles(spec);
        if titles.is_empty() {
            break;
        }
        schemas::walk(spec, &mut |site, schema| {
            if let Some(t) = titles.get(&site.pointer) {
                schema.schema_data.title = Some(t.new_name.clone());
            }
        });
        changes.extend(titles.into_iter().map(|(pointer, t)| Change {
            operation: pointer,
            what: format!(
                "its type would be named `{}` like {}: titled `{}`",
                t.old_name, t.taken_by, t.new_name
            ),
        }));
    }
    changes
}

/// A schema that makes a named Rust type.
struct Named {
    pointer: String,
    name: String,
    component: bool,
    /// The schema, to tell identical inline schemas (which typify rightly merges) apart.
    json: serde_json::Value,
}

fn named_types(spec: &mut OpenAPI) -> Vec<Named> {
    let mut found = Vec::new();
    schemas::walk(spec, &mut |site, schema| {
        if !site.component && !makes_type(schema) {
            return;
        }
        if let Some(name) = site.rust_name(schema) {
            found.push(Named {
                pointer: site.pointer.clone(),
                name,
                component: site.component,
                json: serde_json::to_value(&*schema).unwrap_or_default(),
            });
        }
    });
    found
}

/// Whether typify makes a named type of an inline schema (rather than `String`, `Vec<T>`, a
/// map or a reference to another type). Errs towards yes: a title on a schema that makes no
/// type changes nothing.
fn makes_type(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            !s.enumeration.is_empty()
                || s.pattern.is_some()
                || s.min_length.is_some()
                || s.max_length.is_some()
        }
        SchemaKind::Type(Type::Integer(i)) => !i.enumeration.is_empty(),
        SchemaKind::Type(Type::Number(n)) => !n.enumeration.is_empty(),
        SchemaKind::Type(Type::Object(o)) => !o.properties.is_empty(),
        SchemaKind::Type(Type::Array(_) | Type::Boolean(_)) => false,
        SchemaKind::OneOf { one_of: members }
        | SchemaKind::AllOf { all_of: members }
        | SchemaKind::AnyOf { any_of: members } => !is_single_ref(members),
        SchemaKind::Not { .. } => true,
        SchemaKind::Any(a) => {
            !a.properties.is_empty()
                || !a.one_of.is_empty()
                || !a.all_of.is_empty()
                || !a.any_of.is_empty()
                || !a.enumeration.is_empty()
        }
    }
}

/// `allOf: [{$ref: X}]` (a reference with a description beside it): typify uses `X` itself.
fn is_single_ref(members: &[ReferenceOr<Schema>]) -> bool {
    matches!(members, [ReferenceOr::Reference { .. }])
}

/// A title to give an inline schema.
struct Title {
    old_name: String,
    new_name: String,
    taken_by: String,
}

/// For each inline schema whose name another schema already has, the title that makes it
/// unique. The component keeps the name; among inline schemas, the first does, and any
/// identical to it shares it.
fn inline_titles(spec: &mut OpenAPI) -> BTreeMap<String, Title> {
    let found = named_types(spec);
    let mut taken: BTreeSet<String> = found.iter().map(|n| n.name.clone()).collect();
    let mut groups: BTreeMap<&str, Vec<&Named>> = BTreeMap::new();
    for n in &found {
        groups.entry(n.name.as_str()).or_default().push(n);
    }
    let mut titles = BTreeMap::new();
    for (name, group) in groups.into_iter().filter(|(_, g)| g.len() > 1) {
        let keeper = group
            .iter()
            .find(|n| n.component)
            .copied()
            .unwrap_or(group[0]);
        for other in group.iter().filter(|n| !n.component) {
            if std::ptr::eq(*other, keeper) || (!keeper.component && other.json == keeper.json) {
                continue;
            }
            let new_name = free_name(&mut taken, name, &other.pointer);
            let taken_by = if keeper.component {
                format!("the component `{}`", keeper.pointer)
            } else {
                format!("`{}`", keeper.pointer)
            };
            titles.insert(
                other.pointer.clone(),
                Title {
                    old_name: name.to_string(),
                    new_name,
                    taken_by,
                },
            );
        }
    }
    titles
}

/// A name no schema has: a response's type gets its status (`GetThingResponse404`), any other
/// `Inline`; a number follows if that is taken too.
fn free_name(taken: &mut BTreeSet<String>, name: &str, pointer: &str) -> String {
    let base = response_status(pointer)
        .map(|status| rust_type_name(&format!("{name}-{status}")))
        .unwrap_or_else(|| format!("{name}Inline"));
    let candidates = std::iter::once(base.clone()).chain((2..).map(|n| format!("{base}{n}")));
    for candidate in candidates {
        if taken.insert(candidate.clone()) {
            return candidate;
        }
    }
    base
}

/// The status of `#/paths/../responses/{status}/content/{type}/schema`.
fn response_status(pointer: &str) -> Option<&str> {
    let rest = pointer.strip_prefix("#/paths/")?;
    let (_, after) = rest.rsplit_once("/responses/")?;
    let (status, tail) = after.split_once('/')?;
    tail.starts_with("content/")
        .then_some(status)
        .filter(|_| tail.ends_with("/schema") && tail.matches('/').count() == 2)
}

/// A nullable component becomes `pub struct X(pub Option<Inner>)`, and typify names the inner
/// type by the component's `title` when it has one (else `XInner`): Box's `File--Base`,
/// titled "File (Base)", became `FileBase(Option<FileBase>)` beside a second `FileBase`. A
/// component that is nullable, or an `allOf` of one (it inherits the wrapper), loses a title
/// whose Rust name some component already has; the title names nothing else.
fn untitle_nullable_components(spec: &mut OpenAPI) -> Vec<Change> {
    let Some(components) = spec.components.as_mut() else {
        return Vec::new();
    };
    let names: BTreeSet<String> = components
        .schemas
        .keys()
        .map(|k| rust_type_name(k))
        .collect();
    let nullable: BTreeSet<String> = components
        .schemas
        .keys()
        .filter(|k| may_be_null(&components.schemas, k, 8))
        .cloned()
        .collect();
    let mut changes = Vec::new();
    for (key, schema) in components.schemas.iter_mut() {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let Some(title) = schema.schema_data.title.clone() else {
            continue;
        };
        if !nullable.contains(key) || !names.contains(&rust_type_name(&title)) {
            continue;
        }
        schema.schema_data.title = None;
        changes.push(Change {
            operation: format!("#/components/schemas/{}", escape(key)),
            what: format!(
                "nullable (itself or through `allOf`), so typify names the type inside \
                 `{}(Option<..>)` by its title \
                 \"{title}\", which makes `{}` again: title dropped",
                rust_type_name(key),
                rust_type_name(&title)
            ),
        });
    }
    changes
}

/// Whether the component `key` is nullable or an `allOf` with a nullable component in it.
fn may_be_null(
    schemas: &indexmap::IndexMap<String, ReferenceOr<Schema>>,
    key: &str,
    depth: usize,
) -> bool {
    let Some(ReferenceOr::Item(schema)) = schemas.get(key) else {
        return false;
    };
    if schema.schema_data.nullable {
        return true;
    }
    // `type: object` beside `allOf` reads as `SchemaKind::Any`.
    let all_of = match &schema.schema_kind {
        SchemaKind::AllOf { all_of } => all_of,
        SchemaKind::Any(any) => &any.all_of,
        _ => return false,
    };
    depth > 0
        && all_of.iter().any(|member| match member {
            ReferenceOr::Reference { reference } => reference
                .strip_prefix("#/components/schemas/")
                .is_some_and(|k| {
                    may_be_null(schemas, &k.replace("~1", "/").replace("~0", "~"), depth - 1)
                }),
            ReferenceOr::Item(item) => item.schema_data.nullable,
        })
}

/// Components whose keys make one Rust name: the first keeps it, the others get a number
/// (`Foo_Bar` beside `FooBar` becomes `Foo_Bar2`), and every `$ref` follows.
fn rename_components(spec: &mut OpenAPI) -> Vec<Change> {
    let Some(components) = spec.components.as_ref() else {
        return Vec::new();
    };
    let keys: Vec<String> = components.schemas.keys().cloned().collect();
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    let mut renames = Vec::new();
    for key in &keys {
        let name = rust_type_name(key);
        if let Some(first) = taken.get(&name).cloned() {
            let new_key = (2..)
                .map(|n| format!("{key}{n}"))
                .find(|k| !taken.contains_key(&rust_type_name(k)) && !keys.contains(k))
                .unwrap_or_else(|| format!("{key}_"));
            taken.insert(rust_type_name(&new_key), new_key.clone());
            renames.push((key.clone(), new_key, name, first));
        } else {
            taken.insert(name, key.clone());
        }
    }
    if renames.is_empty() {
        return Vec::new();
    }
    let pairs: Vec<(String, String)> = renames
        .iter()
        .map(|(old, new, _, _)| (old.clone(), new.clone()))
        .collect();
    let counts = match rewrite_components(spec, &pairs) {
        Ok(counts) => counts,
        Err(_) => return Vec::new(),
    };
    renames
        .into_iter()
        .zip(counts)
        .map(|((old, new, name, first), refs)| Change {
            operation: format!("#/components/schemas/{}", escape(&old)),
            what: format!(
                "its type would be named `{name}` like `#/components/schemas/{}`: renamed `{new}`, \
                 {refs} `$ref`s rewritten",
                escape(&first)
            ),
        })
        .collect()
}

/// Renames the component schemas (keeping their order) and rewrites the `$ref`s to them,
/// through the document's JSON form. Returns how many `$ref`s each rename rewrote.
fn rewrite_components(
    spec: &mut OpenAPI,
    renames: &[(String, String)],
) -> serde_json::Result<Vec<usize>> {
    let mut doc = serde_json::to_value(&*spec)?;
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    {
        let old = std::mem::take(schemas);
        for (key, value) in old {
            let key = renames
                .iter()
                .find(|(o, _)| *o == key)
                .map(|(_, n)| n.clone())
                .unwrap_or(key);
            schemas.insert(key, value);
        }
    }
    let mut counts = vec![0; renames.len()];
    rewrite_refs(&mut doc, renames, &mut counts);
    *spec = serde_json::from_value(doc)?;
    Ok(counts)
}

fn rewrite_refs(value: &mut serde_json::Value, renames: &[(String, String)], counts: &mut [usize]) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "$ref"
                    && let serde_json::Value::String(target) = v
                {
                    rewrite_ref(target, renames, counts);
                } else {
                    rewrite_refs(v, renames, counts);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                rewrite_refs(v, renames, counts);
            }
        }
        _ => {}
    }
}

fn rewrite_ref(target: &mut String, renames: &[(String, String)], counts: &mut [usize]) {
    for (i, (old, new)) in renames.iter().enumerate() {
        let from = format!("#/components/schemas/{}", escape(old));
        let rest = target.strip_prefix(&from);
        if let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with('/')) {
            *target = format!("#/components/schemas/{}{rest}", escape(new));
            counts[i] += 1;
            return;
        }
    }
}

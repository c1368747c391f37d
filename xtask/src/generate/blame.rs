//! When progenitor cannot generate the component schemas, which ones it cannot take: a panic
//! from typify rarely names the schema ("not yet implemented: unhandled not schema"), so each
//! component is generated alone with the components it refers to, and the ones that fail
//! although everything they refer to passes are named by JSON pointer: the pointer of the
//! deepest schema inside it that fails alone (`#/components/schemas/Foo/properties/bar`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::anyhow;
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind};
use proc_macro2::TokenStream;

use super::normalise::schemas::{self, escape};

const PREFIX: &str = "#/components/schemas/";

/// `None` when the component schemas generate on their own; otherwise an error naming each
/// component at fault (its pointer and progenitor's reason). `run` is one progenitor run.
pub fn schemas(
    spec: &OpenAPI,
    run: impl Fn(&OpenAPI) -> anyhow::Result<TokenStream>,
) -> Option<anyhow::Error> {
    let mut types_only = spec.clone();
    types_only.paths.paths.clear();
    let whole = run(&types_only).err()?;
    let refs = references(spec);
    let mut failing = BTreeMap::new();
    for key in refs.keys() {
        let closure = closure(&refs, key);
        if let Err(e) = run(&only_components(&types_only, &closure)) {
            failing.insert(key.clone(), (closure, e));
        }
    }
    let culprits: Vec<String> = failing
        .iter()
        .filter(|(key, (closure, _))| {
            !closure
                .iter()
                .any(|other| other != *key && failing.contains_key(other))
        })
        .map(|(key, (closure, e))| {
            let alone = only_components(&types_only, closure);
            let at =
                narrow(&alone, key, &run).unwrap_or_else(|| format!("{PREFIX}{}", escape(key)));
            format!("`{at}`: {e}")
        })
        .collect();
    if culprits.is_empty() {
        return Some(anyhow!(
            "cannot generate the component schemas (`{PREFIX}..`), though each generates \
             alone: {whole}"
        ));
    }
    Some(anyhow!(
        "cannot generate the component schemas:\n  {}",
        culprits.join("\n  ")
    ))
}

/// The name a schema under test gets as a component of its own.
const PROBE: &str = "XtaskProbe";

/// The deepest inline schema of the component `key` that progenitor cannot take alone (as a
/// component of its own, beside the others `alone` holds, `key` itself made an any-value
/// schema so `$ref`s to it still resolve). `None` if none fails alone.
fn narrow(
    alone: &OpenAPI,
    key: &str,
    run: &impl Fn(&OpenAPI) -> anyhow::Result<TokenStream>,
) -> Option<String> {
    let root = format!("{PREFIX}{}", escape(key));
    let mut inner = Vec::new();
    let mut copy = alone.clone();
    schemas::walk(&mut copy, &mut |site, schema| {
        if site.pointer.starts_with(&format!("{root}/")) {
            inner.push((site.pointer.clone(), schema.clone()));
        }
    });
    let failing: Vec<String> = inner
        .into_iter()
        .filter(|(_, schema)| {
            let mut probe = alone.clone();
            if let Some(c) = probe.components.as_mut() {
                c.schemas.insert(key.into(), ReferenceOr::Item(any_value()));
                c.schemas
                    .insert(PROBE.into(), ReferenceOr::Item(schema.clone()));
            }
            run(&probe).is_err()
        })
        .map(|(pointer, _)| pointer)
        .collect();
    failing
        .iter()
        .find(|p| !failing.iter().any(|q| q.starts_with(&format!("{p}/"))))
        .cloned()
}

fn any_value() -> Schema {
    Schema {
        schema_data: Default::default(),
        schema_kind: SchemaKind::Any(Default::default()),
    }
}

/// The component schemas an operation reaches through `$ref`s (directly, or through its
/// path's parameters and through other components), so it can be generated alone without
/// generating every type of a large spec.
pub struct Reach {
    doc: serde_json::Value,
}

impl Reach {
    /// Reads the document once, for many operations.
    pub fn new(spec: &OpenAPI) -> Reach {
        Reach {
            doc: serde_json::to_value(spec).unwrap_or_default(),
        }
    }

    /// Keeps in `alone` only the component schemas the operation at `method` `path` reaches.
    pub fn trim(&self, alone: &mut OpenAPI, path: &str, method: &str) {
        let item = &self.doc["paths"][path];
        let mut refs = BTreeSet::new();
        collect_all_refs(&item[method], &mut refs);
        collect_all_refs(&item["parameters"], &mut refs);
        let keep = self.schemas_reached(refs);
        if let Some(components) = alone.components.as_mut() {
            components.schemas.retain(|key, _| keep.contains(key));
        }
    }

    fn schemas_reached(&self, mut todo: BTreeSet<String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut keys = BTreeSet::new();
        while let Some(next) = todo.pop_first() {
            if !seen.insert(next.clone()) {
                continue;
            }
            if let Some(key) = component_of(&next) {
                keys.insert(key);
            }
            let target = next.strip_prefix('#').and_then(|p| self.doc.pointer(p));
            if let Some(target) = target {
                let mut found = BTreeSet::new();
                collect_all_refs(target, &mut found);
                todo.extend(found.into_iter().filter(|r| !seen.contains(r)));
            }
        }
        keys
    }
}

/// Every `$ref` string under `value`.
fn collect_all_refs(value: &serde_json::Value, found: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", serde_json::Value::String(target)) => {
                        found.insert(target.clone());
                    }
                    _ => collect_all_refs(v, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_all_refs(v, found)),
        _ => {}
    }
}

/// For each component schema, the components its `$ref`s name directly.
fn references(spec: &OpenAPI) -> BTreeMap<String, BTreeSet<String>> {
    let Some(components) = spec.components.as_ref() else {
        return BTreeMap::new();
    };
    components
        .schemas
        .iter()
        .map(|(key, schema)| {
            let mut refs = BTreeSet::new();
            if let Ok(json) = serde_json::to_value(schema) {
                collect_all_refs(&json, &mut refs);
            }
            let found = refs.iter().filter_map(|r| component_of(r)).collect();
            (key.clone(), found)
        })
        .collect()
}

/// `#/components/schemas/A~1B/properties/x` -> `A/B`.
fn component_of(target: &str) -> Option<String> {
    let rest = target.strip_prefix(PREFIX)?;
    let segment = rest.split('/').next()?;
    Some(segment.replace("~1", "/").replace("~0", "~"))
}

/// `key` and every component it reaches through `$ref`s.
fn closure(refs: &BTreeMap<String, BTreeSet<String>>, key: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![key.to_string()];
    while let Some(next) = todo.pop() {
        if !seen.insert(next.clone()) {
            continue;
        }
        if let Some(targets) = refs.get(&next) {
            todo.extend(targets.iter().filter(|t| !seen.contains(*t)).cloned());
        }
    }
    seen
}

fn only_components(spec: &OpenAPI, keep: &BTreeSet<String>) -> OpenAPI {
    let mut alone = spec.clone();
    if let Some(components) = alone.components.as_mut() {
        components.schemas.retain(|key, _| keep.contains(key));
    }
    alone
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ref_names_its_component_unescaped() {
        assert_eq!(
            component_of("#/components/schemas/A~1B~0C/properties/x").as_deref(),
            Some("A/B~C")
        );
        assert_eq!(component_of("#/components/responses/X"), None);
    }

    #[test]
    fn the_closure_follows_refs_through_cycles() {
        let refs: BTreeMap<String, BTreeSet<String>> = [
            ("A", vec!["B"]),
            ("B", vec!["C", "A"]),
            ("C", vec![]),
            ("D", vec![]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
        .collect();
        let got: Vec<String> = closure(&refs, "A").into_iter().collect();
        assert_eq!(got, ["A", "B", "C"]);
    }
}

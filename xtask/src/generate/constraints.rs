//! What a request must satisfy before the client sends it, read from a release's spec: every
//! documented bound on a path or query parameter and on any value of the JSON body (`pattern`,
//! `minimum`/`maximum` and their exclusive forms, `minLength`/`maxLength`,
//! `minItems`/`maxItems`, a closed `enum`). The client checks them on the wire
//! (`crates/flatpeak/src/wire.rs`) however the request was built. Enums marked `x-open-enum`
//! are left out: their list is known to be partial.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;
use spec_model::{Location, Operation, Spec};

/// One documented bound.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// A regular expression a string must match.
    Pattern(String),
    /// The smallest number allowed; `true` when the bound itself is excluded.
    Minimum(f64, bool),
    /// The largest number allowed; `true` when the bound itself is excluded.
    Maximum(f64, bool),
    /// The fewest characters of a string.
    MinLength(u64),
    /// The most characters of a string.
    MaxLength(u64),
    /// The fewest items of an array.
    MinItems(u64),
    /// The most items of an array.
    MaxItems(u64),
    /// The only strings allowed.
    OneOf(Vec<String>),
}

impl Rule {
    /// The `crate::Rule` expression; `pattern` names the static a pattern is shared through.
    pub fn tokens(&self, mut pattern: impl FnMut(&str) -> TokenStream) -> TokenStream {
        match self {
            Rule::Pattern(p) => {
                let name = pattern(p);
                quote! { crate::Rule::Pattern(&#name) }
            }
            Rule::Minimum(v, exclusive) => quote! { crate::Rule::Minimum(#v, #exclusive) },
            Rule::Maximum(v, exclusive) => quote! { crate::Rule::Maximum(#v, #exclusive) },
            Rule::MinLength(n) => quote! { crate::Rule::MinLength(#n) },
            Rule::MaxLength(n) => quote! { crate::Rule::MaxLength(#n) },
            Rule::MinItems(n) => quote! { crate::Rule::MinItems(#n) },
            Rule::MaxItems(n) => quote! { crate::Rule::MaxItems(#n) },
            Rule::OneOf(values) => quote! { crate::Rule::OneOf(&[#(#values),*]) },
        }
    }
}

/// Every bound a request to `op` must satisfy, with where it applies (a
/// `crate::Place` expression): path and query parameters, then the JSON body.
pub fn of(spec: &Spec, op: &Operation) -> Vec<(TokenStream, Rule)> {
    let mut out = Vec::new();
    for p in &op.parameters {
        let Some(schema) = p.schema.as_deref().and_then(|s| spec.at(s)) else {
            continue;
        };
        let name = &p.name;
        let place = match p.location {
            Location::Path => quote! { crate::Place::Path(#name) },
            Location::Query => quote! { crate::Place::Query(#name) },
            Location::Header | Location::Cookie => continue,
        };
        // A query array arrives one value per repetition: its items' bounds apply to each.
        let schema = resolve(&spec.document, schema);
        let schema = match schema.get("items") {
            Some(items) if p.location == Location::Query => items,
            _ => schema,
        };
        for rule in rules(&spec.document, schema, 0) {
            if !matches!(rule, Rule::MinItems(_) | Rule::MaxItems(_)) {
                out.push((place.clone(), rule));
            }
        }
    }
    let body = op
        .request_body
        .iter()
        .flat_map(|b| b.media.iter())
        .find(|m| m.is_json())
        .and_then(|m| m.schema.as_deref())
        .and_then(|s| spec.at(s));
    if let Some(schema) = body {
        let mut found = Vec::new();
        body_rules(
            &spec.document,
            schema,
            &mut Vec::new(),
            &mut found,
            &mut BTreeSet::new(),
        );
        for (steps, rule) in found {
            out.push((quote! { crate::Place::Request(&[#(#steps),*]) }, rule));
        }
    }
    out
}

/// The bounds `schema` itself sets, through `$ref`s and `allOf`, each once.
fn rules(doc: &Value, schema: &Value, depth: usize) -> Vec<Rule> {
    let mut out = Vec::new();
    if depth > 16 {
        return out;
    }
    let schema = resolve(doc, schema);
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    let count = |key: &str| schema.get(key).and_then(Value::as_u64);
    let flag = |key: &str| schema.get(key).and_then(Value::as_bool).unwrap_or(false);
    if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
        out.push(Rule::Pattern(p.to_string()));
    }
    if let Some(v) = number("minimum") {
        out.push(Rule::Minimum(v, flag("exclusiveMinimum")));
    }
    if let Some(v) = number("maximum") {
        out.push(Rule::Maximum(v, flag("exclusiveMaximum")));
    }
    let counts = [
        ("minLength", Rule::MinLength as fn(u64) -> Rule),
        ("maxLength", Rule::MaxLength),
        ("minItems", Rule::MinItems),
        ("maxItems", Rule::MaxItems),
    ];
    for (key, rule) in counts {
        if let Some(n) = count(key) {
            out.push(rule(n));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !flag("x-open-enum")
        && values.iter().all(|v| v.is_string() || v.is_null())
    {
        let values = values.iter().filter_map(Value::as_str).map(str::to_string);
        out.push(Rule::OneOf(values.collect()));
    }
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for rule in rules(doc, member, depth + 1) {
            if !out.contains(&rule) {
                out.push(rule);
            }
        }
    }
    out
}

/// Follows local `$ref`s; an unresolvable one is left as is.
fn resolve<'d>(doc: &'d Value, schema: &'d Value) -> &'d Value {
    spec_model::follow(doc, schema, "").map_or(schema, |(v, _)| v)
}

/// Every bounded value inside a body schema, with the steps to it (a field, or each item of
/// an array). `seen` holds the schemas on the current path, so a recursive schema ends. The
/// branches of a `oneOf` or `anyOf` are not walked: which one a value takes is not known
/// before it is sent.
fn body_rules(
    doc: &Value,
    schema: &Value,
    steps: &mut Vec<TokenStream>,
    out: &mut Vec<(Vec<TokenStream>, Rule)>,
    seen: &mut BTreeSet<usize>,
) {
    let schema = resolve(doc, schema);
    let address = std::ptr::from_ref(schema) as usize;
    if !seen.insert(address) {
        return;
    }
    for rule in rules(doc, schema, 0) {
        out.push((steps.clone(), rule));
    }
    children(doc, schema, steps, out, seen, 0);
    seen.remove(&address);
}

/// The bounds inside `schema`'s properties and items, and those of its `allOf` members (whose
/// own bounds [`rules`] already gave).
fn children(
    doc: &Value,
    schema: &Value,
    steps: &mut Vec<TokenStream>,
    out: &mut Vec<(Vec<TokenStream>, Rule)>,
    seen: &mut BTreeSet<usize>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, s) in props {
            steps.push(quote! { crate::Step::Field(#name) });
            body_rules(doc, s, steps, out, seen);
            steps.pop();
        }
    }
    if let Some(items) = schema.get("items") {
        steps.push(quote! { crate::Step::Each });
        body_rules(doc, items, steps, out, seen);
        steps.pop();
    }
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        children(doc, resolve(doc, member), steps, out, seen, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bounds_are_read_through_refs_and_all_of_each_once() {
        let doc = json!({"components": {"schemas": {
            "Id": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8},
            "Limit": {"allOf": [{"$ref": "#/components/schemas/Id"}], "minLength": 2}
        }}});
        let schema = json!({"allOf": [
            {"$ref": "#/components/schemas/Limit"},
            {"$ref": "#/components/schemas/Id"}
        ]});
        assert_eq!(
            rules(&doc, &schema, 0),
            vec![
                Rule::MinLength(2),
                Rule::Pattern("^[a-z]+$".into()),
                Rule::MaxLength(8)
            ]
        );
    }

    #[test]
    fn numbers_enums_and_open_enums() {
        let doc = json!({});
        let limit = json!({"type": "integer", "minimum": 1, "maximum": 100});
        assert_eq!(
            rules(&doc, &limit, 0),
            vec![Rule::Minimum(1.0, false), Rule::Maximum(100.0, false)]
        );
        let exclusive = json!({"type": "number", "minimum": 0, "exclusiveMinimum": true});
        assert_eq!(rules(&doc, &exclusive, 0), vec![Rule::Minimum(0.0, true)]);
        let closed = json!({"type": "string", "enum": ["A", "B", null]});
        assert_eq!(
            rules(&doc, &closed, 0),
            vec![Rule::OneOf(vec!["A".into(), "B".into()])]
        );
        let open = json!({"type": "string", "enum": ["A"], "x-open-enum": true});
        assert_eq!(rules(&doc, &open, 0), vec![]);
    }

    #[test]
    fn body_bounds_are_found_with_their_steps() {
        let doc = json!({});
        let body = json!({"type": "object", "properties": {
            "data": {"type": "array", "maxItems": 2, "items": {"type": "object", "properties": {
                "power": {"type": "number", "maximum": 22}
            }}}
        }});
        let mut out = Vec::new();
        body_rules(&doc, &body, &mut Vec::new(), &mut out, &mut BTreeSet::new());
        let found: Vec<(String, Rule)> = out
            .into_iter()
            .map(|(steps, rule)| (quote!(#(#steps),*).to_string().replace(' ', ""), rule))
            .collect();
        assert_eq!(
            found,
            vec![
                ("crate::Step::Field(\"data\")".into(), Rule::MaxItems(2)),
                (
                    "crate::Step::Field(\"data\"),crate::Step::Each,crate::Step::Field(\"power\")"
                        .into(),
                    Rule::Maximum(22.0, false)
                ),
            ]
        );
    }
}

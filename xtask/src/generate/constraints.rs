//! What a request must satisfy before the client sends it, read from a release's spec: every
//! documented bound on a path or query parameter and on any value of the JSON body (`pattern`,
//! `minimum`/`maximum` and their exclusive forms, `minLength`/`maxLength`,
//! `minItems`/`maxItems`, a closed `enum`). The client checks them on the wire
//! (`crates/flatpeak/src/wire.rs`) however the request was built. Enums marked `x-open-enum`
//! are left out: their list is known to be partial.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;
use spec_model::schema::{self, Branches};
use spec_model::sensitive::Step;
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
        let (schema, _) = schema::resolve(&spec.document, schema);
        let schema = match schema.get("items") {
            Some(items) if p.location == Location::Query => items,
            _ => schema,
        };
        for rule in rules(&spec.document, schema) {
            if !matches!(rule, Rule::MinItems(_) | Rule::MaxItems(_)) {
                out.push((place.clone(), rule));
            }
        }
    }
    let body = op.json_request_schema().and_then(|s| spec.at(s));
    if let Some(schema) = body {
        for (steps, rule) in body_rules(&spec.document, schema) {
            let steps = steps.iter().map(|step| match step {
                Step::Field(name) => quote! { crate::Step::Field(#name) },
                Step::Each => quote! { crate::Step::Each },
            });
            out.push((quote! { crate::Place::Request(&[#(#steps),*]) }, rule));
        }
    }
    out
}

/// The bounds `schema` itself sets, through `$ref`s and `allOf` ([`schema::layers`]), each once.
pub(super) fn rules(doc: &Value, schema: &Value) -> Vec<Rule> {
    let mut out = Vec::new();
    for layer in schema::layers(doc, schema) {
        for rule in own_rules(layer) {
            if !out.contains(&rule) {
                out.push(rule);
            }
        }
    }
    out
}

/// The bounds one resolved schema states itself.
fn own_rules(schema: &Value) -> Vec<Rule> {
    let mut out = Vec::new();
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
    out
}

/// Every bounded value inside a body schema, with the steps to it ([`schema::walk_body`]). The
/// branches of a `oneOf` or `anyOf` are not walked: which one a value takes is not known
/// before it is sent.
pub(super) fn body_rules(doc: &Value, schema: &Value) -> Vec<(Vec<Step>, Rule)> {
    let mut out = Vec::new();
    schema::walk_body(doc, schema, Branches::None, &mut |steps, place| {
        for rule in rules(doc, place) {
            out.push((steps.to_vec(), rule));
        }
        true
    });
    out
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
            rules(&doc, &schema),
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
            rules(&doc, &limit),
            vec![Rule::Minimum(1.0, false), Rule::Maximum(100.0, false)]
        );
        let exclusive = json!({"type": "number", "minimum": 0, "exclusiveMinimum": true});
        assert_eq!(rules(&doc, &exclusive), vec![Rule::Minimum(0.0, true)]);
        let closed = json!({"type": "string", "enum": ["A", "B", null]});
        assert_eq!(
            rules(&doc, &closed),
            vec![Rule::OneOf(vec!["A".into(), "B".into()])]
        );
        let open = json!({"type": "string", "enum": ["A"], "x-open-enum": true});
        assert_eq!(rules(&doc, &open), vec![]);
    }

    #[test]
    fn body_bounds_are_found_with_their_steps() {
        let doc = json!({});
        let body = json!({"type": "object", "properties": {
            "data": {"type": "array", "maxItems": 2, "items": {"type": "object", "properties": {
                "power": {"type": "number", "maximum": 22}
            }}}
        }});
        let field = |n: &str| Step::Field(n.to_string());
        assert_eq!(
            body_rules(&doc, &body),
            vec![
                (vec![field("data")], Rule::MaxItems(2)),
                (
                    vec![field("data"), Step::Each, field("power")],
                    Rule::Maximum(22.0, false)
                ),
            ]
        );
    }
}

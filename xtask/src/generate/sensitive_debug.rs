//! `Debug` that never prints what the spec marks `x-sensitive`.
//!
//! Why: a user who logs a response with `{:?}` (`AuthToken`, a `Location`'s postal address, a
//! device's coordinates) must not put a bearer token or a customer's address into their logs;
//! recordings already never keep these values (the recorder, `scrub` and the gate find them
//! through `spec_model::sensitive`). typify derives `Debug` on every type, so each type with a
//! field the spec marks `x-sensitive`, and its builder, get a `Debug` that prints `"***"` in
//! that field's place (`Some("***")` when the field is an `Option` that holds a value,
//! `Ok("***")` for a builder's field, whose `Err` says what is missing); every other field
//! prints as derived. The marks are read as everywhere else
//! ([`spec_model::sensitive::sensitive_fields`] of each component schema); a mark deeper in a
//! schema (an inline object's field, an array's items') belongs to the type the fields before
//! it hold, followed through the generated structs, so no rule of typify's naming is restated.

use std::collections::{BTreeMap, BTreeSet};

use quote::quote;
use serde_json::Value;
use spec_model::sensitive::{Step, sensitive_fields};
use syn::{Fields, File, Item, ItemStruct, Type};

use super::postprocess::module_items;

/// What prints in place of a sensitive value.
const HIDDEN: &str = "***";

/// Replaces the derived `Debug` of every type (and builder) with a sensitive field, by the
/// marks of `document` (see the module docs).
pub fn redact_debug(file: &mut File, document: &Value) {
    let Some(types) = module_items(&mut file.items, "types") else {
        return;
    };
    let marked = sensitive_by_type(document, &Structs::of(types));
    if marked.is_empty() {
        return;
    }
    let mut added = redact_in(types, &marked);
    types.append(&mut added);
    if let Some(builders) = module_items(types, "builder") {
        let mut added = redact_in(builders, &marked);
        builders.append(&mut added);
    }
}

/// The structs of `mod types`, by name: for each, its fields by wire name, each with the name
/// of the type it holds (inside an `Option`, a `Vec` or a `Box`).
struct Structs(BTreeMap<String, BTreeMap<String, String>>);

impl Structs {
    fn of(items: &[Item]) -> Structs {
        let mut all = BTreeMap::new();
        for item in items {
            let Item::Struct(s) = item else { continue };
            let Fields::Named(named) = &s.fields else {
                continue;
            };
            let fields = named.named.iter().filter_map(|field| {
                let wire = super::item_docs::renamed(&field.attrs)
                    .or_else(|| Some(label(field.ident.as_ref()?)))?;
                Some((wire, held_type(&field.ty)))
            });
            all.insert(s.ident.to_string(), fields.collect());
        }
        Structs(all)
    }

    /// The struct named like the component schema `name` (see [`folded`]).
    fn named(&self, name: &str) -> Option<&str> {
        let wanted = folded(name);
        self.0
            .keys()
            .find(|k| folded(k) == wanted)
            .map(String::as_str)
    }

    /// The struct `steps` lead to from the struct `from`, following each field to the type it
    /// holds; `None` when a step leaves the structs (an enum, a union, a map).
    fn follow<'a>(&'a self, from: &'a str, steps: &[Step]) -> Option<&'a str> {
        let mut at = from;
        for step in steps {
            if let Step::Field(field) = step {
                at = self.0.get(at)?.get(field)?.as_str();
            }
        }
        self.0.contains_key(at).then_some(at)
    }
}

/// The wire names of the sensitive fields of each struct, by the struct's name. A mark at
/// depth one of a component schema is a field of its struct; a deeper mark is a field of the
/// struct the steps before it lead to (an inline object's type, a `$ref`'s), whatever typify
/// named it.
fn sensitive_by_type(document: &Value, structs: &Structs) -> BTreeMap<String, BTreeSet<String>> {
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in schemas.into_iter().flat_map(|s| s.keys()) {
        let Some(root) = structs.named(name) else {
            continue;
        };
        let pointer = format!("/components/schemas/{}", spec_model::escape(name));
        for sensitive in sensitive_fields(document, &pointer) {
            let Some((Step::Field(field), before)) = sensitive.steps.split_last() else {
                continue;
            };
            if let Some(owner) = structs.follow(root, before) {
                out.entry(owner.to_string())
                    .or_default()
                    .insert(field.clone());
            }
        }
    }
    out
}

/// The name of the type `ty` holds: `Option<Vec<Box<X>>>` and `X` give `X`.
fn held_type(ty: &Type) -> String {
    let Type::Path(p) = ty else {
        return String::new();
    };
    let Some(last) = p.path.segments.last() else {
        return String::new();
    };
    let wrapper = ["Option", "Vec", "Box"].iter().any(|w| last.ident == w);
    if let (true, syn::PathArguments::AngleBracketed(args)) = (wrapper, &last.arguments)
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return held_type(inner);
    }
    last.ident.to_string()
}

/// A field's name as Rust writes it, without `r#`.
fn label(ident: &syn::Ident) -> String {
    ident.to_string().trim_start_matches("r#").to_string()
}

/// A schema's or type's name with only its letters and digits, in lower case: typify turns
/// `auth_token` and `AuthToken` into the same `AuthToken`.
fn folded(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Takes `Debug` out of the derive of each struct of `items` that `marked` names, and returns
/// the `impl Debug` to add for each.
fn redact_in(items: &mut [Item], marked: &BTreeMap<String, BTreeSet<String>>) -> Vec<Item> {
    let mut added = Vec::new();
    for item in items.iter_mut() {
        let Item::Struct(s) = item else { continue };
        let Some(hidden) = marked.get(&s.ident.to_string()) else {
            continue;
        };
        if let Some(debug) = debug_impl(s, hidden)
            && drop_derived_debug(s)
        {
            added.push(debug);
        }
    }
    added
}

/// The `impl Debug` of `s` that prints `"***"` for each field whose wire name is in `hidden`;
/// `None` when `s` has none of them (or no named fields).
fn debug_impl(s: &ItemStruct, hidden: &BTreeSet<String>) -> Option<Item> {
    let Fields::Named(named) = &s.fields else {
        return None;
    };
    let mut any = false;
    let entries = named.named.iter().filter_map(|field| {
        let ident = field.ident.as_ref()?;
        let label = label(ident);
        let value = if hidden
            .contains(&super::item_docs::renamed(&field.attrs).unwrap_or_else(|| label.clone()))
        {
            any = true;
            let hidden = HIDDEN;
            match is_wrapped(&field.ty) {
                true => quote! { &self.#ident.as_ref().map(|_| #hidden) },
                false => quote! { &#hidden },
            }
        } else {
            quote! { &self.#ident }
        };
        Some(quote! { .field(#label, #value) })
    });
    let entries: Vec<_> = entries.collect();
    if !any {
        return None;
    }
    let name = &s.ident;
    let shown = name.to_string();
    let doc =
        format!(" Prints `\"{HIDDEN}\"` in place of each field the spec marks `x-sensitive`.");
    Some(syn::parse_quote! {
        #[doc = #doc]
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#shown)
                    #(#entries)*
                    .finish()
            }
        }
    })
}

/// Whether `ty` is an `Option` or a `Result` (a builder's field): its value is shown hidden
/// inside it.
fn is_wrapped(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    p.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "Option" || s.ident == "Result")
}

/// Removes `Debug` from `s`'s derive; whether it was there.
fn drop_derived_debug(s: &mut ItemStruct) -> bool {
    let mut dropped = false;
    for attr in s.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let before = paths.len();
        let kept: Vec<&syn::Path> = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != "Debug"))
            .collect();
        if kept.len() != before {
            dropped = true;
            *attr = syn::parse_quote! { #[derive(#(#kept),*)] };
        }
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_field_prints_hidden_in_the_type_and_its_builder_and_others_print_as_derived() {
        let document = serde_json::json!({"components": {"schemas": {
            "AuthToken": {"type": "object", "properties": {
                "bearer_token": {"type": "string", "x-sensitive": true},
                "expires_in": {"type": "integer"}}},
            "Postal": {"allOf": [{"properties": {
                "type": {"type": "string", "x-sensitive": true}}}]},
            "Batch": {"properties": {"sessions": {"type": "array", "items": {
                "properties": {"reference": {"type": "string", "x-sensitive": true}}}}}},
            "Plain": {"properties": {"a": {"type": "string"}}}
        }}});
        let mut file: File = syn::parse_quote! {
            pub mod types {
                #[derive(Clone, Debug, ::serde::Serialize)]
                pub struct AuthToken { pub bearer_token: String, pub expires_in: i64 }
                #[derive(Debug)]
                pub struct Postal { #[serde(default = "x", rename = "type")] pub type_: Option<String> }
                #[derive(Debug)]
                pub struct Batch { pub sessions: Option<Vec<BatchSessionsItem>> }
                #[derive(Debug)]
                pub struct BatchSessionsItem { pub reference: String }
                #[derive(Debug)]
                pub struct Plain { pub a: String }
                pub mod builder {
                    #[derive(Debug)]
                    pub struct AuthToken { bearer_token: Result<String, String> }
                }
            }
        };
        redact_debug(&mut file, &document);
        let code = prettyplease::unparse(&file);
        let squashed: String = code.split_whitespace().collect();
        let has = |text: &str| assert!(squashed.contains(text), "{text} not in {code}");
        has("#[derive(Clone,::serde::Serialize)]pubstructAuthToken");
        has(".field(\"bearer_token\",&\"***\").field(\"expires_in\",&self.expires_in)");
        has(".field(\"type_\",&self.type_.as_ref().map(|_|\"***\"))");
        has(".field(\"bearer_token\",&self.bearer_token.as_ref().map(|_|\"***\"))");
        // A mark inside an array's items belongs to the type the array holds.
        has("debug_struct(\"BatchSessionsItem\").field(\"reference\",&\"***\")");
        has("#[derive(Debug)]pubstructBatch{");
        has("#[derive(Debug)]pubstructPlain");
        assert_eq!(
            code.matches("impl ::std::fmt::Debug for").count(),
            4,
            "{code}"
        );
    }
}

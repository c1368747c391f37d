//! `Debug` that never prints what the spec marks `x-sensitive`.
//!
//! Why: a user who logs a response with `{:?}` (`AuthToken`, a `Location`'s postal address, a
//! device's coordinates) must not put a bearer token or a customer's address into their logs;
//! recordings already never keep these values (the recorder, `scrub` and the gate find them
//! through `spec_model::sensitive`). typify derives `Debug` on every type, so each type with a
//! field the spec marks `x-sensitive`, and its builder, get a `Debug` that prints `"***"` in
//! that field's place, inside the `Option`s and `Result`s around it (`Some("***")`, a
//! builder's `Ok(Some("***"))` or `Ok(None)`, and its `Err` saying what is missing); every
//! other field prints as derived. The marks are read as everywhere else
//! ([`spec_model::sensitive::sensitive_fields`] of each component schema); a mark deeper in a
//! schema (an inline object's field, an array's items') belongs to the type the fields before
//! it hold, followed through the generated structs, so no rule of typify's naming is restated.
//!
//! An operation's builder (`mod builder` at the top, progenitor's) gets the same `Debug` for
//! each parameter the spec marks (Zero's `connect_token` query, a `reference_id` filter), found
//! through the setter progenitor named after it ([`redact_operations`]); a request body's
//! builder is a type builder and is covered above.

use std::collections::{BTreeMap, BTreeSet};

use quote::quote;
use serde_json::Value;
use spec_model::sensitive::{Step, sensitive_fields};
use syn::{Fields, File, Item, ItemStruct, Type};

use super::client_api::Builders;
use super::postprocess::module_items;

/// What prints in place of a sensitive value.
const HIDDEN: &str = "***";

/// Replaces the derived `Debug` of every type (and builder) with a sensitive field, by the
/// marks of `document` (see the module docs).
pub fn redact_debug(file: &mut File, document: &Value) {
    let Some(types) = module_items(&mut file.items, "types") else {
        return;
    };
    let marked = rust_names(types, &sensitive_by_type(document, &Structs::of(types)));
    if marked.is_empty() {
        return;
    }
    // A builder has its type's name and its fields' Rust names (without their serde renames).
    let mut added = redact_in(types, &marked);
    types.append(&mut added);
    if let Some(builders) = module_items(types, "builder") {
        let mut added = redact_in(builders, &marked);
        builders.append(&mut added);
    }
}

/// Replaces the derived `Debug` of each operation builder in `builder` (the items of the
/// generated `mod builder`) that sets a parameter `spec` marks `x-sensitive`. A marked
/// parameter whose builder has no setter for it is an error: its value would print unnoticed
/// if progenitor named setters otherwise.
pub fn redact_operations(
    builder: &mut Vec<Item>,
    spec: &spec_model::Spec,
    builders: &Builders,
) -> anyhow::Result<()> {
    let mut marked: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in &spec.operations {
        let Some(built) = builders.get(&op.id) else {
            continue;
        };
        let marked_here = op.parameters.iter().filter(|p| p.sensitive);
        for parameter in marked_here.filter(|p| p.location != spec_model::Location::Cookie) {
            let (setter, _) = built.setter(&parameter.name).ok_or_else(|| {
                anyhow::anyhow!(
                    "operation `{}`: parameter `{}` is marked x-sensitive, but its builder `{}` \
                     has no setter for it, so its Debug could not hide it",
                    op.id,
                    parameter.name,
                    built.name
                )
            })?;
            marked
                .entry(built.name.clone())
                .or_default()
                .insert(setter.to_string());
        }
    }
    let mut added = redact_in(builder, &marked);
    builder.append(&mut added);
    Ok(())
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

/// `marked` (wire names by struct) with each field's Rust name, as the structs of `types` name
/// it, in place of its wire name.
fn rust_names(
    types: &[Item],
    marked: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for item in types {
        let Item::Struct(s) = item else { continue };
        let (Some(wires), Fields::Named(named)) = (marked.get(&s.ident.to_string()), &s.fields)
        else {
            continue;
        };
        let idents = named.named.iter().filter_map(|field| {
            let ident = label(field.ident.as_ref()?);
            let wire = super::item_docs::renamed(&field.attrs).unwrap_or_else(|| ident.clone());
            wires.contains(&wire).then_some(ident)
        });
        out.insert(s.ident.to_string(), idents.collect());
    }
    out
}

/// Takes `Debug` out of the derive of each struct of `items` that `marked` names, and returns
/// the `impl Debug` to add for each, hiding the fields `marked` names (by their Rust names).
fn redact_in(items: &mut [Item], marked: &BTreeMap<String, BTreeSet<String>>) -> Vec<Item> {
    let mut added = Vec::new();
    for item in items.iter_mut() {
        let Item::Struct(s) = item else { continue };
        let Some(hidden) = marked.get(&s.ident.to_string()) else {
            continue;
        };
        let named = |field: &syn::Field| {
            field
                .ident
                .as_ref()
                .is_some_and(|i| hidden.contains(&label(i)))
        };
        if let Some(debug) = debug_impl(s, named)
            && drop_derived_debug(s)
        {
            added.push(debug);
        }
    }
    added
}

/// The `impl Debug` of `s` that prints `"***"` for each field `hidden` says; `None` when `s`
/// has none of them (or no named fields).
fn debug_impl(s: &ItemStruct, hidden: impl Fn(&syn::Field) -> bool) -> Option<Item> {
    let Fields::Named(named) = &s.fields else {
        return None;
    };
    let mut any = false;
    let entries = named.named.iter().filter_map(|field| {
        let ident = field.ident.as_ref()?;
        let label = label(ident);
        let value = if hidden(field) {
            any = true;
            let shown = hidden_in(&field.ty, quote! { self.#ident });
            quote! { &#shown }
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
    let (generics, type_generics, where_clause) = s.generics.split_for_impl();
    let doc =
        format!(" Prints `\"{HIDDEN}\"` in place of each field the spec marks `x-sensitive`.");
    Some(syn::parse_quote! {
        #[doc = #doc]
        impl #generics ::std::fmt::Debug for #name #type_generics #where_clause {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#shown)
                    #(#entries)*
                    .finish()
            }
        }
    })
}

/// How the value `at` of type `ty` prints hidden: `"***"`, inside each `Option` and `Result`
/// around it (a builder's field `Result<Option<T>, _>` shows `Ok(Some("***"))`, `Ok(None)` or
/// its `Err`), so what is set or missing still shows.
fn hidden_in(ty: &Type, at: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    match wrapped(ty) {
        Some(inner) if wrapped(inner).is_some() => {
            let inner = hidden_in(inner, quote! { v });
            quote! { #at.as_ref().map(|v| #inner) }
        }
        Some(_) => quote! { #at.as_ref().map(|_| #HIDDEN) },
        None => quote! { #HIDDEN },
    }
}

/// The type inside `ty` when it is an `Option` or a `Result` (a builder's field).
fn wrapped(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" && last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
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
    // A derive left empty goes.
    s.attrs.retain(|a| {
        !a.path().is_ident("derive")
            || !matches!(&a.meta, syn::Meta::List(l) if l.tokens.is_empty())
    });
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
                    #[derive(Debug)]
                    pub struct Postal { type_: Result<Option<String>, String> }
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
        // A builder's optional field shows whether it is set.
        has("\"type_\",&self.type_.as_ref().map(|v|v.as_ref().map(|_|\"***\"))");
        // A mark inside an array's items belongs to the type the array holds.
        has("debug_struct(\"BatchSessionsItem\").field(\"reference\",&\"***\")");
        has("#[derive(Debug)]pubstructBatch{");
        has("#[derive(Debug)]pubstructPlain");
        assert!(!code.contains("derive()"), "{code}");
        assert_eq!(
            code.matches("impl ::std::fmt::Debug for").count(),
            5,
            "{code}"
        );
    }

    #[test]
    fn an_operation_builder_hides_the_parameters_the_spec_marks() {
        let document = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/connect/token": {"get": {"operationId": "exchange_connect_token",
                "parameters": [
                    {"name": "connect_token", "in": "query", "x-sensitive": true,
                     "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ok"}}}}}
        });
        let spec = spec_model::Spec::from_document(document, "t.yaml").expect("a valid spec");
        let mut file: File = syn::parse_quote! {
            impl Client {
                pub fn exchange_connect_token(&self) -> builder::ExchangeConnectToken<'_> {
                    builder::ExchangeConnectToken::new(self)
                }
            }
            pub mod builder {
                #[derive(Debug, Clone)]
                pub struct ExchangeConnectToken<'a> {
                    client: &'a super::Client,
                    connect_token: Result<Option<String>, String>,
                    limit: Result<Option<u32>, String>,
                }
                impl<'a> ExchangeConnectToken<'a> {
                    pub fn connect_token<V>(mut self, value: V) -> Self
                    where V: std::convert::TryInto<String> { self }
                    pub fn limit<V>(mut self, value: V) -> Self
                    where V: std::convert::TryInto<u32> { self }
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                        let info = OperationInfo { operation_id: "exchange_connect_token" };
                        todo!()
                    }
                }
            }
        };
        let builders = super::super::client_api::builders(&file);
        let Some(Item::Mod(builder)) = file.items.get_mut(1) else {
            panic!("no mod builder");
        };
        let Some((_, items)) = builder.content.as_mut() else {
            panic!("mod builder has no items");
        };
        redact_operations(items, &spec, &builders).expect("every marked parameter has a setter");
        let code = prettyplease::unparse(&file);
        let squashed: String = code.split_whitespace().collect();
        let has = |text: &str| assert!(squashed.contains(text), "{text} not in {code}");
        has("#[derive(Clone)]pubstructExchangeConnectToken<'a>");
        has("impl<'a>::std::fmt::Debug for ExchangeConnectToken<'a>"
            .replace(' ', "")
            .as_str());
        has("\"connect_token\",&self.connect_token.as_ref().map(|v|v.as_ref().map(|_|\"***\"))");
        has(".field(\"limit\",&self.limit)");
    }

    #[test]
    fn a_marked_parameter_without_a_setter_is_an_error() {
        let document = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/connect/token": {"get": {"operationId": "exchange_connect_token",
                "parameters": [{"name": "connect_token", "in": "query", "x-sensitive": true,
                    "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}}}}}
        });
        let spec = spec_model::Spec::from_document(document, "t.yaml").expect("a valid spec");
        let file: File = syn::parse_quote! {
            impl Client {
                pub fn exchange_connect_token(&self) -> builder::ExchangeConnectToken<'_> {
                    builder::ExchangeConnectToken::new(self)
                }
            }
            pub mod builder {
                #[derive(Debug)]
                pub struct ExchangeConnectToken<'a> { client: &'a super::Client, token: String }
                impl<'a> ExchangeConnectToken<'a> {
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                        let info = OperationInfo { operation_id: "exchange_connect_token" };
                        todo!()
                    }
                }
            }
        };
        let builders = super::super::client_api::builders(&file);
        let mut items = Vec::new();
        let error = redact_operations(&mut items, &spec, &builders).expect_err("no setter");
        let text = error.to_string();
        assert!(text.contains("`exchange_connect_token`"), "{text}");
        assert!(text.contains("`connect_token`"), "{text}");
    }
}

//! What the generator knows about each operation, written into the `flatpeak` client beside
//! progenitor's code, so that the hand-written layer never keeps a copy of it:
//! - `mod operations`: an `Operation` enum with each operation's id, method, path, documented
//!   statuses, the statuses that may come without a body, how `send()` decodes a response,
//!   and the patterns each request must satisfy on the wire (ids in paths, queries and
//!   bodies), which the client checks before sending;
//! - in `mod builder`: `Paginate` for every list operation (a `data` page with `has_more`,
//!   paged by `starting_after`), so that its builder can be consumed as a stream of items.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, anyhow};
use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use spec_model::{Location, Operation, Spec};
use syn::{Item, Type};

use super::client_api::{self, Builder, Builders, type_ident};

/// Adds the operation facts and the pagination impls to `file`, the generated client.
pub fn extend(file: &mut syn::File, spec: &Spec) -> Result<()> {
    let builders = client_api::builders(file);
    let lists = lists(file, spec, &builders);
    let facts = facts(spec, &builders)?;
    file.items
        .push(syn::parse2(facts).context("the operation facts do not parse")?);
    let builder = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| anyhow!("the generated client has no `mod builder`"))?;
    for list in lists {
        builder.push(syn::parse2(list).context("a pagination impl does not parse")?);
    }
    Ok(())
}

/// `mod operations`.
fn facts(spec: &Spec, builders: &Builders) -> Result<TokenStream> {
    let mut patterns: Vec<String> = Vec::new();
    let mut variants = Vec::new();
    let mut arms = Arms::default();
    for op in &spec.operations {
        let builder = builders.get(&op.id).ok_or_else(|| {
            anyhow!(
                "operation `{}`: the generated client has no builder for it",
                op.id
            )
        })?;
        let variant = format_ident!("{}", op.id.to_upper_camel_case());
        let doc = format!(
            " `{} {}`{}",
            op.method,
            op.template,
            summary(spec, op)
                .map(|s| format!(": {s}"))
                .unwrap_or_default()
        );
        variants.push(quote! { #[doc = #doc] #variant, });
        let constraints: Vec<TokenStream> = constraints(spec, op)
            .into_iter()
            .map(|(place, pattern)| {
                let index = match patterns.iter().position(|p| *p == pattern) {
                    Some(i) => i,
                    None => {
                        patterns.push(pattern);
                        patterns.len() - 1
                    }
                };
                quote! { crate::wire::Constraint { place: #place, pattern: #index } }
            })
            .collect();
        arms.push(op, &variant, builder, &constraints);
    }
    let count = variants.len();
    let pattern_count = patterns.len();
    for op in &spec.operations {
        let places = sensitive(spec, op);
        let variant = format_ident!("{}", op.id.to_upper_camel_case());
        arms.sensitive
            .push(quote! { Operation::#variant => &[#(#places),*], });
    }
    let Arms {
        all,
        ids,
        methods,
        paths,
        success,
        errors,
        optional,
        from_id,
        decode,
        constraints,
        sensitive,
    } = arms;
    Ok(quote! {
        /// The operations of the API and what the spec says of each, generated from it: see
        /// [`Operation`].
        pub mod operations {
            use super::types;

            /// An operation of the API, named after its `operationId`.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[non_exhaustive]
            pub enum Operation {
                #(#variants)*
            }

            impl Operation {
                /// Every operation, in the order of the spec.
                pub const ALL: [Operation; #count] = [#(#all),*];

                /// The `operationId`, which is also the name of the client's method.
                pub const fn id(self) -> &'static str {
                    match self { #(#ids)* }
                }

                /// The HTTP method.
                pub const fn method(self) -> &'static str {
                    match self { #(#methods)* }
                }

                /// The path template, for example `/devices/{device_id}`.
                pub const fn path(self) -> &'static str {
                    match self { #(#paths)* }
                }

                /// The documented success statuses.
                pub const fn success_statuses(self) -> &'static [u16] {
                    match self { #(#success)* }
                }

                /// The documented error statuses, whose bodies are the error envelope.
                pub const fn error_statuses(self) -> &'static [u16] {
                    match self { #(#errors)* }
                }

                /// The statuses the API may send without a body (`x-optional-body` in the
                /// spec): the client reads a missing body as `{}`.
                pub const fn optional_body_statuses(self) -> &'static [u16] {
                    match self { #(#optional)* }
                }

                /// The operation with this `operationId`.
                pub fn from_id(id: &str) -> ::std::option::Option<Operation> {
                    match id {
                        #(#from_id)*
                        _ => None,
                    }
                }

                /// Decodes a response to this operation the way its `send()` does, after the
                /// body is read, and drops the value: see [`crate::decode`].
                pub fn decode(
                    self,
                    status: ::reqwest::StatusCode,
                    headers: ::reqwest::header::HeaderMap,
                    body: ::bytes::Bytes,
                ) -> ::std::result::Result<(), crate::Error> {
                    match self { #(#decode)* }
                }

                /// What a request must satisfy on the wire, checked before it is sent.
                pub(crate) const fn constraints(self) -> &'static [crate::wire::Constraint] {
                    match self { #(#constraints)* }
                }

                /// Where this operation's traffic holds what the spec marks `x-sensitive`,
                /// which a recording replaces by placeholders.
                pub(crate) const fn sensitive(self) -> &'static [crate::record::Sensitive] {
                    match self { #(#sensitive)* }
                }
            }

            /// The patterns [`Operation::constraints`] refer to, by index.
            pub(crate) const PATTERNS: [&str; #pattern_count] = [#(#patterns),*];
        }
    })
}

/// The match arms of each `Operation` method, one per operation.
#[derive(Default)]
struct Arms {
    all: Vec<TokenStream>,
    ids: Vec<TokenStream>,
    methods: Vec<TokenStream>,
    paths: Vec<TokenStream>,
    success: Vec<TokenStream>,
    errors: Vec<TokenStream>,
    optional: Vec<TokenStream>,
    from_id: Vec<TokenStream>,
    decode: Vec<TokenStream>,
    constraints: Vec<TokenStream>,
    sensitive: Vec<TokenStream>,
}

impl Arms {
    fn push(
        &mut self,
        op: &Operation,
        variant: &syn::Ident,
        builder: &Builder,
        constraints: &[TokenStream],
    ) {
        let (id, method, path) = (&op.id, &op.method, &op.template);
        let statuses = |keep: fn(u16) -> bool| -> Vec<u16> {
            op.statuses().into_iter().filter(|s| keep(*s)).collect()
        };
        let success = statuses(|s| (200..300).contains(&s));
        let errors = statuses(|s| s >= 400);
        let optional: Vec<u16> = op
            .responses
            .iter()
            .filter(|(_, r)| r.optional_body)
            .filter_map(|(k, _)| k.parse().ok())
            .collect();
        let unit: Type = syn::parse_quote!(());
        let ok = builder.success.as_ref().unwrap_or(&unit);
        let err = builder.error.as_ref().unwrap_or(&unit);
        self.all.push(quote! { Operation::#variant });
        self.ids.push(quote! { Operation::#variant => #id, });
        self.methods
            .push(quote! { Operation::#variant => #method, });
        self.paths.push(quote! { Operation::#variant => #path, });
        self.success
            .push(quote! { Operation::#variant => &[#(#success),*], });
        self.errors
            .push(quote! { Operation::#variant => &[#(#errors),*], });
        self.optional
            .push(quote! { Operation::#variant => &[#(#optional),*], });
        self.from_id
            .push(quote! { #id => Some(Operation::#variant), });
        self.decode.push(quote! {
            Operation::#variant => crate::decode::decode::<#ok, #err>(self, status, headers, body).map(drop),
        });
        self.constraints
            .push(quote! { Operation::#variant => &[#(#constraints),*], });
    }
}

/// The sensitive places of `op`'s traffic, as `crate::record::Sensitive` values.
fn sensitive(spec: &Spec, op: &Operation) -> Vec<TokenStream> {
    let doc = &spec.document;
    let mut out = Vec::new();
    for p in op.parameters.iter().filter(|p| p.sensitive) {
        let name = &p.name;
        let place = match p.location {
            Location::Path => quote! { crate::record::Place::Path(#name) },
            Location::Query => quote! { crate::record::Place::Query(#name) },
            Location::Header | Location::Cookie => continue,
        };
        let hint = p
            .schema
            .as_deref()
            .and_then(|s| spec.at(s))
            .map_or(spec_model::sensitive::Hint::Text(None), |s| {
                spec_model::sensitive::hint(doc, s)
            });
        out.push(sensitive_item(place, &hint));
    }
    let json_schema = |media: &[spec_model::Media]| {
        media
            .iter()
            .find(|m| m.is_json())
            .and_then(|m| m.schema.clone())
    };
    if let Some(schema) = op.request_body.as_ref().and_then(|b| json_schema(&b.media)) {
        for s in spec_model::sensitive::sensitive_fields(doc, &schema) {
            let steps = steps(&s.steps);
            out.push(sensitive_item(
                quote! { crate::record::Place::Request(&[#(#steps),*]) },
                &s.hint,
            ));
        }
    }
    for (status, response) in &op.responses {
        let Some(schema) = json_schema(&response.media) else {
            continue;
        };
        for s in spec_model::sensitive::sensitive_fields(doc, &schema) {
            let steps = steps(&s.steps);
            let place = quote! { crate::record::Place::Response(#status, &[#(#steps),*]) };
            out.push(sensitive_item(place, &s.hint));
        }
    }
    out
}

fn steps(steps: &[spec_model::sensitive::Step]) -> Vec<TokenStream> {
    steps
        .iter()
        .map(|s| match s {
            spec_model::sensitive::Step::Field(name) => quote! { crate::wire::Step::Field(#name) },
            spec_model::sensitive::Step::Each => quote! { crate::wire::Step::Each },
        })
        .collect()
}

fn sensitive_item(place: TokenStream, hint: &spec_model::sensitive::Hint) -> TokenStream {
    use spec_model::sensitive::Hint;
    let cow = |s: &str| quote! { ::std::borrow::Cow::Borrowed(#s) };
    let hint = match hint {
        Hint::Pattern(p) => {
            let p = cow(p);
            quote! { crate::record::Hint::Pattern(#p) }
        }
        Hint::Text(None) => quote! { crate::record::Hint::Text(None) },
        Hint::Text(Some(format)) => {
            let f = cow(format);
            quote! { crate::record::Hint::Text(Some(#f)) }
        }
        Hint::Number {
            minimum,
            maximum,
            integer,
        } => {
            let bound = |b: &Option<f64>| match b {
                Some(v) => quote! { Some(#v) },
                None => quote! { None },
            };
            let (minimum, maximum) = (bound(minimum), bound(maximum));
            quote! { crate::record::Hint::Number { minimum: #minimum, maximum: #maximum, integer: #integer } }
        }
        Hint::Other => quote! { crate::record::Hint::Other },
    };
    quote! { crate::record::Sensitive { place: #place, hint: #hint } }
}

fn summary<'s>(spec: &'s Spec, op: &Operation) -> Option<&'s str> {
    spec.at(&op.pointer)?.get("summary")?.as_str()
}

/// Every pattern a request to `op` must satisfy, with where it applies: path and query
/// parameters, and strings anywhere in the JSON request body.
fn constraints(spec: &Spec, op: &Operation) -> Vec<(TokenStream, String)> {
    let mut out = Vec::new();
    for p in &op.parameters {
        let Some(pattern) = p.schema.as_deref().and_then(|s| pattern_at(spec, s)) else {
            continue;
        };
        let name = &p.name;
        let place = match p.location {
            Location::Path => quote! { crate::wire::Place::Path(#name) },
            Location::Query => quote! { crate::wire::Place::Query(#name) },
            Location::Header | Location::Cookie => continue,
        };
        out.push((place, pattern));
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
        body_patterns(
            &spec.document,
            schema,
            &mut Vec::new(),
            &mut found,
            &mut BTreeSet::new(),
        );
        for (steps, pattern) in found {
            out.push((quote! { crate::wire::Place::Body(&[#(#steps),*]) }, pattern));
        }
    }
    out
}

/// The `pattern` of the string schema at `pointer`, through `$ref`s and `allOf`.
fn pattern_at(spec: &Spec, pointer: &str) -> Option<String> {
    pattern_of(&spec.document, spec.at(pointer)?, 0)
}

fn pattern_of(doc: &Value, schema: &Value, depth: usize) -> Option<String> {
    if depth > 16 {
        return None;
    }
    let schema = resolve(doc, schema);
    if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
        return Some(p.to_string());
    }
    schema
        .get("allOf")?
        .as_array()?
        .iter()
        .find_map(|member| pattern_of(doc, member, depth + 1))
}

/// Follows local `$ref`s; an unresolvable one is left as is.
fn resolve<'d>(doc: &'d Value, schema: &'d Value) -> &'d Value {
    spec_model::follow(doc, schema, "").map_or(schema, |(v, _)| v)
}

/// Every patterned string inside a body schema, with the steps to it (a field, or each item
/// of an array). `seen` holds the schemas on the current path, so a recursive schema ends.
fn body_patterns(
    doc: &Value,
    schema: &Value,
    steps: &mut Vec<TokenStream>,
    out: &mut Vec<(Vec<TokenStream>, String)>,
    seen: &mut BTreeSet<usize>,
) {
    let schema = resolve(doc, schema);
    let address = std::ptr::from_ref(schema) as usize;
    if !seen.insert(address) {
        return;
    }
    if let Some(p) = pattern_of(doc, schema, 0) {
        out.push((steps.clone(), p));
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, s) in props {
            steps.push(quote! { crate::wire::Step::Field(#name) });
            body_patterns(doc, s, steps, out, seen);
            steps.pop();
        }
    }
    if let Some(items) = schema.get("items") {
        steps.push(quote! { crate::wire::Step::Each });
        body_patterns(doc, items, steps, out, seen);
        steps.pop();
    }
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if resolve(doc, member).get("pattern").is_none() {
            body_patterns(doc, member, steps, out, seen);
        }
    }
    seen.remove(&address);
}

/// `Paginate` impls for the list operations: those taking `starting_after` whose success
/// type has `data` (a list of items with an `id`) and `has_more`.
fn lists(file: &syn::File, spec: &Spec, builders: &Builders) -> Vec<TokenStream> {
    let types = types_by_name(file);
    let mut out = Vec::new();
    for op in &spec.operations {
        let Some(builder) = builders.get(&op.id) else {
            continue;
        };
        let pages_forward = builder.setter("starting_after").is_some();
        let pages_back = builder.setter("ending_before").is_some();
        let Some(page) = builder.success.as_ref() else {
            continue;
        };
        let Some(item) = list_item(&types, page) else {
            continue;
        };
        if !pages_forward || !has_id(&types, &item) {
            continue;
        }
        let name = format_ident!("{}", builder.name);
        let unit: Type = syn::parse_quote!(());
        let error = builder.error.as_ref().unwrap_or(&unit);
        let backwards = match pages_back {
            true => quote! {
                if matches!(self.ending_before, Ok(Some(_))) {
                    return Some(self.clone().ending_before(first.id.clone()));
                }
            },
            false => quote! {},
        };
        out.push(quote! {
            impl<'a> crate::Paginate for #name<'a> {
                type Item = #item;
                type Page = #page;

                fn fetch(self) -> impl ::std::future::Future<
                    Output = ::std::result::Result<ResponseValue<#page>, Error<#error>>,
                > + Send {
                    self.send()
                }

                fn items(page: #page) -> (::std::vec::Vec<#item>, bool) {
                    (page.data, page.has_more)
                }

                fn cursor(item: &#item) -> &str {
                    item.id.as_str()
                }

                fn next(&self, first: &#item, last: &#item) -> ::std::option::Option<Self> {
                    #backwards
                    let _ = first;
                    Some(self.clone().starting_after(last.id.clone()))
                }
            }
        });
    }
    out
}

/// The structs of `mod types`, by name.
fn types_by_name(file: &syn::File) -> BTreeMap<String, &syn::ItemStruct> {
    let items = file.items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    });
    items
        .into_iter()
        .flatten()
        .filter_map(|item| match item {
            Item::Struct(s) => Some((s.ident.to_string(), s)),
            _ => None,
        })
        .collect()
}

/// `T` when the struct `page` has `data: Vec<T>` and `has_more: bool`.
fn list_item(types: &BTreeMap<String, &syn::ItemStruct>, page: &Type) -> Option<Type> {
    let page = types.get(&type_ident(page))?;
    let field = |name: &str| {
        page.fields
            .iter()
            .find(|f| f.ident.as_ref().is_some_and(|i| i == name))
    };
    let has_more = field("has_more")?;
    if quote!(#has_more).to_string().contains("Option") {
        return None;
    }
    let data = &field("data")?.ty;
    let Type::Path(p) = data else { return None };
    let vec = p.path.segments.last().filter(|s| s.ident == "Vec")?;
    let syn::PathArguments::AngleBracketed(args) = &vec.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(Type::Path(item)) => {
            let name = item.path.segments.last()?.ident.clone();
            Some(syn::parse_quote!(types::#name))
        }
        _ => None,
    }
}

/// Whether the struct `item` has a required `id`.
fn has_id(types: &BTreeMap<String, &syn::ItemStruct>, item: &Type) -> bool {
    types.get(&type_ident(item)).is_some_and(|s| {
        s.fields.iter().any(|f| {
            let ty = &f.ty;
            f.ident.as_ref().is_some_and(|i| i == "id")
                && !quote!(#ty).to_string().contains("Option")
        })
    })
}

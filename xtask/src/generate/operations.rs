//! What the generator knows about each operation, written into the `flatpeak` client beside
//! progenitor's code, so that the hand-written layer never keeps a copy of it:
//! - `mod operations`: an `Operation` enum with each operation's id, method, path, documented
//!   statuses, the statuses that may come without a body, how `send()` decodes a response,
//!   and the patterns each request must satisfy on the wire (ids in paths, queries and
//!   bodies), which the client checks before sending;
//! - in `mod builder`: `Paginate` for every list operation (a `data` page with `has_more`,
//!   paged by `starting_after`), so that its builder can be consumed as a stream of items.

use std::collections::BTreeMap;

use anyhow::{Context, Result, anyhow};
use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{ToTokens as _, format_ident, quote};
use serde_json::Value;
use spec_model::{Location, Operation, Spec};
use syn::{Item, Type};

use super::client_api::{self, Builders, type_ident};

/// Adds the operation facts, the release glue and the pagination impls to `file`, the
/// generated client of `release`. Returns the operations whose builders implement `Paginate`,
/// by `operationId`, in spec order: the CLI gives their commands `--all` from this list.
pub fn extend(file: &mut syn::File, spec: &Spec, release: &ReleaseName<'_>) -> Result<Vec<String>> {
    let builders = client_api::builders(file);
    super::patterns::use_crate_pattern(file);
    let (paginated, lists): (Vec<String>, Vec<TokenStream>) =
        lists(file, spec, &builders).into_iter().unzip();
    let facts = facts(spec, &builders, release)?;
    let facts: syn::File = syn::parse2(facts).context("the operation facts do not parse")?;
    file.items.extend(facts.items);
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
    super::sensitive_debug::redact_operations(builder, spec, &builders)?;
    super::send_hooks::rewrite(builder, spec)?;
    super::send_hooks::drop_hooks_trait(&mut file.items);
    Ok(paginated)
}

/// The `Operation` variant of operationId `id`: `RetrieveDevice` for `retrieve_device`.
pub fn variant(id: &str) -> syn::Ident {
    format_ident!("{}", id.to_upper_camel_case())
}

/// The release a generated module is for: its name in `openapi/releases.toml` and its
/// `Flatpeak-Version` (from the spec's `info.x-flatpeak-version`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseName<'a> {
    /// `zero`.
    pub name: &'a str,
    /// `2024-08-24.zero`, when the spec knows it.
    pub version: Option<&'a str>,
}

/// `mod operations`, and the glue that makes the generated `Client` a release's client of the
/// hand-written layer (`ReleaseClient`, `builder()`).
fn facts(spec: &Spec, builders: &Builders, release: &ReleaseName<'_>) -> Result<TokenStream> {
    let mut patterns: Vec<String> = Vec::new();
    let mut variants = Vec::new();
    let mut all = Vec::new();
    let mut from_id = Vec::new();
    let mut decode = Vec::new();
    let mut table = Vec::new();
    let mut login = None;
    for (index, op) in spec.operations.iter().enumerate() {
        let builder = builders.get(&op.id).ok_or_else(|| {
            anyhow!(
                "operation `{}`: the generated client has no builder for it",
                op.id
            )
        })?;
        let variant = variant(&op.id);
        let doc = format!(
            " `{} {}`{}",
            op.method,
            op.template,
            summary(spec, op)
                .map(|s| format!(": {s}"))
                .unwrap_or_default()
        );
        variants.push(quote! { #[doc = #doc] #variant, });
        all.push(quote! { Operation::#variant });
        let id = &op.id;
        from_id.push(quote! { #id => Some(Operation::#variant), });
        let unit: Type = syn::parse_quote!(());
        let ok = builder.success.as_ref().unwrap_or(&unit);
        decode.push(quote! {
            Operation::#variant => crate::decode::decode::<#ok>(&RELEASE, self.facts(), status, headers, body).map(drop),
        });
        let constraints: Vec<TokenStream> = super::constraints::of(spec, op)
            .into_iter()
            .map(|(place, rule)| {
                let rule = rule.tokens(|pattern| {
                    let index = match patterns.iter().position(|p| p == pattern) {
                        Some(i) => i,
                        None => {
                            patterns.push(pattern.to_string());
                            patterns.len() - 1
                        }
                    };
                    format_ident!("PATTERN_{index}").into_token_stream()
                });
                quote! { crate::Constraint { place: #place, rule: #rule } }
            })
            .collect();
        table.push(operation_facts(op, ok, &constraints, &sensitive(spec, op)));
        if spec.uses_basic_auth(op) && login.is_none() {
            login = Some(index);
        }
    }
    let count = variants.len();
    let patterns = patterns.iter().enumerate().map(|(i, p)| {
        let name = format_ident!("PATTERN_{i}");
        quote! { static #name: crate::Pattern = crate::Pattern::new(#p); }
    });
    let login = match login {
        Some(index) => quote! { Some(&FACTS[#index]) },
        None => quote! { None },
    };
    let name = release.name;
    let version = match release.version {
        Some(v) => quote! { Some(#v) },
        None => quote! { None },
    };
    let slow = slow_retry(spec);
    Ok(quote! {
        /// The operations of the release and what its spec says of each, generated from it:
        /// see [`Operation`].
        pub mod operations {
            use super::types;

            /// An operation of the release, named after its `operationId`.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[non_exhaustive]
            pub enum Operation {
                #(#variants)*
            }

            impl Operation {
                /// Every operation, in the order of the spec.
                pub const ALL: [Operation; #count] = [#(#all),*];

                /// What the spec says of it.
                pub fn facts(self) -> &'static crate::OperationFacts {
                    &FACTS[self as usize]
                }

                /// The `operationId`, which is also the name of the client's method.
                pub fn id(self) -> &'static str {
                    self.facts().id()
                }

                /// The HTTP method.
                pub fn method(self) -> &'static str {
                    self.facts().method()
                }

                /// The path template, for example `/devices/{id}`.
                pub fn path(self) -> &'static str {
                    self.facts().path()
                }

                /// The documented success statuses.
                pub fn success_statuses(self) -> &'static [u16] {
                    self.facts().success_statuses()
                }

                /// The documented error statuses, whose bodies are the error envelope.
                pub fn error_statuses(self) -> &'static [u16] {
                    self.facts().error_statuses()
                }

                /// The statuses the API may send without a body (`x-optional-body` in the
                /// spec): the client reads a missing body as `{}`.
                pub fn optional_body_statuses(self) -> &'static [u16] {
                    self.facts().optional_body_statuses()
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
            }

            #(#patterns)*

            /// What the spec says of each operation, in the order of [`Operation`].
            static FACTS: [crate::OperationFacts; #count] = [#(#table),*];

            /// What the spec says of the release.
            pub(crate) static RELEASE: crate::ReleaseFacts = crate::ReleaseFacts {
                name: #name,
                flatpeak_version: #version,
                login: #login,
                slow_retry: #slow,
            };
        }

        pub use operations::Operation;

        impl crate::release::sealed::Sealed for Client {}

        impl crate::ReleaseClient for Client {
            const RELEASE: &'static str = #name;
            const FLATPEAK_VERSION: ::std::option::Option<&'static str> = #version;

            fn facts() -> &'static crate::ReleaseFacts {
                &operations::RELEASE
            }

            fn from_parts(base_url: &str, http: ::reqwest::Client, state: crate::ClientState) -> Self {
                Self::new_with_client(base_url, http, state)
            }
        }

        impl Client {
            /// Starts building a client of this release: see [`crate::ClientBuilder`].
            pub fn builder() -> crate::ClientBuilder<Client> {
                crate::ClientBuilder::default()
            }

            /// Starts building a client of this release from the environment: see
            /// [`crate::ClientBuilder::from_env`].
            pub fn from_env() -> crate::ClientBuilder<Client> {
                crate::ClientBuilder::from_env()
            }

            /// How many exchanges could not be recorded (see
            /// [`crate::ClientBuilder::record_to`]); `0` when recording is off.
            pub fn recording_failures(&self) -> u64 {
                self.inner().recording_failures()
            }
        }
    })
}

/// One `OperationFacts::new(..)` of the table.
fn operation_facts(
    op: &Operation,
    ok: &Type,
    constraints: &[TokenStream],
    sensitive: &[TokenStream],
) -> TokenStream {
    let (id, method, path) = (&op.id, &op.method, &op.template);
    let statuses = |keep: fn(u16) -> bool| -> Vec<u16> {
        op.statuses().into_iter().filter(|s| keep(*s)).collect()
    };
    let success = statuses(|s| (200..300).contains(&s));
    let success_ranges: Vec<u16> = op
        .responses
        .keys()
        .filter(|k| k.len() == 3 && k[1..].eq_ignore_ascii_case("XX"))
        .filter_map(|k| k[..1].parse::<u16>().ok())
        .filter(|hundred| *hundred == 2)
        .collect();
    let errors = statuses(|s| s >= 400);
    let optional: Vec<u16> = op
        .responses
        .iter()
        .filter(|(_, r)| r.optional_body)
        .filter_map(|(k, _)| k.parse().ok())
        .collect();
    let decodes = match quote!(#ok).to_string().as_str() {
        "()" => quote! { |_| Ok(()) },
        _ => quote! { |body| ::serde_json::from_slice::<#ok>(body).map(drop) },
    };
    quote! {
        crate::OperationFacts {
            id: #id,
            method: #method,
            path: #path,
            success: &[#(#success),*],
            success_ranges: &[#(#success_ranges),*],
            errors: &[#(#errors),*],
            optional_body: &[#(#optional),*],
            constraints: &[#(#constraints),*],
            sensitive: &[#(#sensitive),*],
            decodes: #decodes,
        }
    }
}

/// The codes the spec's `Error` schema says must not be retried soon
/// (`x-retry-not-before: {seconds, codes}`), as a `crate::SlowRetry`.
fn slow_retry(spec: &Spec) -> TokenStream {
    let rule = spec.at("/components/schemas/Error/x-retry-not-before");
    let seconds = rule
        .and_then(|r| r.get("seconds"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let codes: Vec<&str> = rule
        .and_then(|r| r.get("codes"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    quote! {
        crate::SlowRetry {
            after: ::std::time::Duration::from_secs(#seconds),
            codes: &[#(#codes),*],
        }
    }
}

/// The sensitive places of `op`'s traffic, as `crate::record::Sensitive` values.
fn sensitive(spec: &Spec, op: &Operation) -> Vec<TokenStream> {
    let doc = &spec.document;
    let mut out = Vec::new();
    for p in op.parameters.iter().filter(|p| p.sensitive) {
        let name = &p.name;
        let place = match p.location {
            Location::Path => quote! { crate::Place::Path(#name) },
            Location::Query => quote! { crate::Place::Query(#name) },
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
    let json_schema =
        |media: &[spec_model::Media]| spec_model::Media::json_schema(media).map(str::to_string);
    if let Some(schema) = op.request_body.as_ref().and_then(|b| json_schema(&b.media)) {
        for s in spec_model::sensitive::sensitive_fields(doc, &schema) {
            let steps = steps(&s.steps);
            out.push(sensitive_item(
                quote! { crate::Place::Request(&[#(#steps),*]) },
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
            let place = quote! { crate::Place::Response(#status, &[#(#steps),*]) };
            out.push(sensitive_item(place, &s.hint));
        }
    }
    out
}

fn steps(steps: &[spec_model::sensitive::Step]) -> Vec<TokenStream> {
    steps
        .iter()
        .map(|s| match s {
            spec_model::sensitive::Step::Field(name) => quote! { crate::Step::Field(#name) },
            spec_model::sensitive::Step::Each => quote! { crate::Step::Each },
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
    quote! { crate::Sensitive { place: #place, hint: #hint } }
}

fn summary<'s>(spec: &'s Spec, op: &Operation) -> Option<&'s str> {
    spec.at(&op.pointer)?.get("summary")?.as_str()
}

/// `Paginate` impls for the list operations: those taking `starting_after` whose success
/// type has `data` (a list of items with an `id`) and `has_more`; each with its `operationId`.
fn lists(file: &syn::File, spec: &Spec, builders: &Builders) -> Vec<(String, TokenStream)> {
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
        let paginate = quote! {
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
        };
        out.push((op.id.clone(), paginate));
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

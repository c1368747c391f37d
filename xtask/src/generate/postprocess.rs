//! Edits of progenitor's output, made on the syntax tree before formatting.
//!
//! Each edit is one function over the file. They make the client liberal in what it accepts
//! from the server and keep it from sending what the spec does not ask for:
//! - [`restore_enum_values`]: the wire values that normalisation marked to give their
//!   variants distinct names are written back as the spec has them;
//! - [`open_string_enums`]: string enums gain an `Unknown(String)` variant, so a value the
//!   server adds later does not fail a whole response;
//! - [`lenient_string_newtypes`]: constrained strings (an id `pattern`, lengths) accept any
//!   string when deserialized, and stay checked when built by the caller (`FromStr`,
//!   `TryFrom`), so what is sent is checked and what is received is not rejected;
//! - [`drop_api_version_header`]: progenitor sends `api-version: <info.version>` with every
//!   request; Flatpeak does not define that header;
//! - [`dispatch_unions_on_their_tag`]: a `oneOf` of objects that each carry a one-value enum
//!   field (a discriminator such as `object`) is read by that field, and a value of another
//!   kind is kept as JSON, where typify's untagged enum would take the first variant that
//!   happens to fit;
//! - [`name_empty_string_variants`] and [`plain_type_names_in_messages`]: names a user reads;
//!   [`explain_conversion_errors`]: a builder's refusal of a value says what a good one is;
//! - [`any_success_status`]: an operation's one success arm (`201u16 =>`) takes any `2xx`, so
//!   a server that answers `200` where the spec says `201` still gives the typed value (the
//!   post hook keeps an undocumented `2xx` whose body is not that type an error);
//! - [`drop_unreachable_arms`]: progenitor follows the arm of a `default` response (`_ =>`)
//!   with one more `_ =>`, a warning in every user's build;
//! - [`request_methods_reqwest_lacks`]: progenitor calls `client.options(url)` for an
//!   `OPTIONS` operation, which `reqwest::Client` does not have;
//! - [`plain_optional_setters`]: a type builder's setter of an optional field takes the value
//!   itself (`.city("London")`, a nested builder for a nested object), and `set_<field>`
//!   takes an `Option` (so `None` stays expressible), where progenitor's takes only what
//!   converts into the `Option` (`Some("London".to_string())`);
//! - [`document_items`](super::item_docs::document_items): every builder method gets
//!   docs, from its field's or parameter's own (typify and progenitor write none);
//! - [`non_exhaustive_types`]: generated structs with named fields and generated enums are
//!   `#[non_exhaustive]`, so that a field or a variant the API adds is not a breaking change
//!   of the crate (`cargo xtask diff` and cargo-semver-checks agree on that).

use std::collections::BTreeSet;

use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};
use syn::{Fields, File, Item, ItemEnum, ItemImpl, parse_quote};

/// Applies every edit to `file`.
pub fn apply(file: &mut File) {
    restore_enum_values(file);
    name_empty_string_variants(file);
    dispatch_unions_on_their_tag(file);
    open_string_enums(file);
    lenient_string_newtypes(file);
    drop_api_version_header(file);
    plain_type_names_in_messages(file);
    explain_conversion_errors(file);
    drop_unreachable_arms(file);
    any_success_status(file);
    request_methods_reqwest_lacks(file);
    plain_optional_setters(file);
    super::item_docs::document_items(file);
    non_exhaustive_types(file);
}

/// In `mod types { mod builder { .. } }`, every setter `fn f<T>(mut self, value: T) -> Self
/// where T: TryInto<Option<X>>` becomes `where T: TryInto<X>` (the value is wrapped in
/// `Some`), and a `set_f(Option<X>)` is added beside it. Required fields and operation builders
/// (which take plain values already) are left as they are.
pub fn plain_optional_setters(file: &mut File) {
    let Some(types) = module_items(&mut file.items, "types") else {
        return;
    };
    let Some(builders) = module_items(types, "builder") else {
        return;
    };
    for item in builders.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let mut added = Vec::new();
        for member in &mut imp.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            if let Some(setter) = plain_setter(f) {
                added.push(syn::ImplItem::Fn(setter));
            }
        }
        imp.items.extend(added);
    }
}

/// The items of the inline module `name` among `items`.
pub(super) fn module_items<'i>(items: &'i mut [Item], name: &str) -> Option<&'i mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// Rewrites one setter whose bound is `TryInto<Option<X>>`, and returns its `set_` twin.
fn plain_setter(f: &mut syn::ImplItemFn) -> Option<syn::ImplItemFn> {
    let name = f.sig.ident.clone();
    let inner = f
        .sig
        .generics
        .where_clause
        .as_mut()?
        .predicates
        .iter_mut()
        .find_map(|p| {
            let syn::WherePredicate::Type(bound) = p else {
                return None;
            };
            bound.bounds.iter_mut().find_map(|b| {
                let syn::TypeParamBound::Trait(t) = b else {
                    return None;
                };
                let last = t.path.segments.last_mut()?;
                if last.ident != "TryInto" {
                    return None;
                }
                let syn::PathArguments::AngleBracketed(args) = &mut last.arguments else {
                    return None;
                };
                let syn::GenericArgument::Type(target) = args.args.first_mut()? else {
                    return None;
                };
                let inner = option_inner(target)?;
                *target = inner.clone();
                Some(inner)
            })
        })?;
    // `self.f = value.try_into().map_err(..)` -> `.. .try_into().map(Some).map_err(..)`.
    struct WrapSome;
    impl VisitMut for WrapSome {
        fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
            visit_mut::visit_expr_method_call_mut(self, call);
            if call.method == "map_err"
                && let syn::Expr::MethodCall(inner) = &*call.receiver
                && inner.method == "try_into"
            {
                let receiver = inner.clone();
                *call.receiver = parse_quote! { #receiver.map(::std::option::Option::Some) };
            }
        }
    }
    WrapSome.visit_block_mut(&mut f.block);
    let set = syn::Ident::new(&format!("set_{name}"), name.span());
    let doc = format!(" `{name}` as an `Option`: `None` leaves it out.");
    Some(parse_quote! {
        #[doc = #doc]
        pub fn #set(mut self, value: ::std::option::Option<#inner>) -> Self {
            self.#name = Ok(value);
            self
        }
    })
}

/// `X` when `ty` is `Option<X>` (however the path to `Option` is written).
fn option_inner(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner.clone()),
        _ => None,
    }
}

/// Removes the marks `distinct-enum-variant-names` added to enum values, from every string
/// literal: `#[serde(rename = ..)]`, `Display` and `FromStr` arms, the schema in doc comments.
/// Attributes and macros hold tokens, not parsed literals, so their tokens are rewritten too.
pub fn restore_enum_values(file: &mut File) {
    struct Restore;
    impl VisitMut for Restore {
        fn visit_lit_str_mut(&mut self, lit: &mut syn::LitStr) {
            if let Some(value) = super::normalise::unmark(&lit.value()) {
                *lit = syn::LitStr::new(&value, lit.span());
            }
        }
        fn visit_meta_list_mut(&mut self, list: &mut syn::MetaList) {
            list.tokens = restore_tokens(std::mem::take(&mut list.tokens));
        }
        fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
            mac.tokens = restore_tokens(std::mem::take(&mut mac.tokens));
        }
    }
    Restore.visit_file_mut(file);
}

fn restore_tokens(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::{Group, TokenTree};
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(g) => {
                let mut restored = Group::new(g.delimiter(), restore_tokens(g.stream()));
                restored.set_span(g.span());
                TokenTree::Group(restored)
            }
            TokenTree::Literal(lit) => {
                let parsed = syn::parse2::<syn::LitStr>(TokenTree::Literal(lit.clone()).into());
                match parsed
                    .ok()
                    .and_then(|s| super::normalise::unmark(&s.value()))
                {
                    Some(value) => TokenTree::Literal(proc_macro2::Literal::string(&value)),
                    None => TokenTree::Literal(lit),
                }
            }
            other => other,
        })
        .collect()
}

/// The items of `pub mod types`, where typify puts every type.
fn types_module(file: &mut File) -> Option<&mut Vec<Item>> {
    file.items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The name of the type an `impl` block is for, and the last segment of its trait.
fn impl_target(item: &ItemImpl) -> (String, String) {
    let ty = item.self_ty.to_token_stream().to_string();
    let tr = item
        .trait_
        .as_ref()
        .and_then(|(path, _)| path.segments.last())
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    (ty, tr)
}

/// A string enum as typify writes it: unit variants only, derived `Deserialize`, no
/// enum-level serde attributes (which would make it a tagged or integer enum).
fn is_string_enum(item: &ItemEnum) -> bool {
    let unit_only = !item.variants.is_empty()
        && item
            .variants
            .iter()
            .all(|v| matches!(v.fields, Fields::Unit));
    let derives_deserialize = item.attrs.iter().any(|a| {
        a.path().is_ident("derive") && a.to_token_stream().to_string().contains("Deserialize")
    });
    let enum_level_serde = item.attrs.iter().any(|a| a.path().is_ident("serde"));
    unit_only && derives_deserialize && !enum_level_serde
}

/// Adds `#[serde(untagged)] Unknown(String)` to every string enum (the attribute makes the
/// derived `Serialize` write the value back as it came), drops `Copy` (a `String` is not
/// `Copy`), replaces the derived `Deserialize` with one that falls back to `Unknown`, and
/// teaches `Display` the new variant. `FromStr` and `TryFrom` stay strict:
/// a caller cannot parse a value the spec does not list.
pub fn open_string_enums(file: &mut File) {
    let Some(items) = types_module(file) else {
        return;
    };
    let mut opened = BTreeSet::new();
    let mut impls = Vec::new();
    for item in items.iter_mut() {
        let Item::Enum(e) = item else { continue };
        if !is_string_enum(e) {
            continue;
        }
        let deserialize = open_enum_deserialize(e);
        remove_derives(e, &["Copy", "Deserialize"]);
        e.variants.push(parse_quote! {
            /// A value this version of the client does not know, exactly as the server sent
            /// it. Kept so that a value added to the API later does not fail the response.
            #[serde(untagged)]
            Unknown(::std::string::String)
        });
        opened.insert(e.ident.to_string());
        impls.push(deserialize);
    }
    items.extend(impls);
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let (ty, tr) = impl_target(imp);
        if tr == "Display" && opened.contains(&ty) {
            add_unknown_display_arm(imp);
        }
    }
}

fn remove_derives(e: &mut ItemEnum, names: &[&str]) {
    for attr in e.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let kept: Vec<&syn::Path> = paths
            .iter()
            .filter(|p| {
                !p.segments
                    .last()
                    .is_some_and(|s| names.iter().any(|n| s.ident == n))
            })
            .collect();
        *attr = parse_quote! { #[derive(#(#kept),*)] };
    }
}

/// The wire value of a unit variant: its `#[serde(rename = "..")]`, else its name.
fn wire_name(variant: &syn::Variant) -> String {
    let mut name = variant.ident.to_string();
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                name = meta.value()?.parse::<syn::LitStr>()?.value();
            }
            Ok(())
        });
    }
    name
}

/// A `Deserialize` that matches the string directly, falling back to `Unknown`. serde's
/// derive would handle the `#[serde(untagged)]` variant by buffering every value first, which
/// made decoding a response with a few enums markedly slower than decoding plain strings.
fn open_enum_deserialize(e: &ItemEnum) -> Item {
    let name = &e.ident;
    let arms = e.variants.iter().map(|v| {
        let (ident, wire) = (&v.ident, wire_name(v));
        quote::quote! { #wire => #name::#ident, }
    });
    parse_quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                struct Visitor;
                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E>(self, value: &str) -> ::std::result::Result<#name, E>
                    where
                        E: ::serde::de::Error,
                    {
                        Ok(match value {
                            #(#arms)*
                            other => #name::Unknown(other.to_string()),
                        })
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    }
}

/// typify writes `match *self { Self::A => f.write_str("A"), ... }`; add the arm for
/// `Unknown`, which writes the value as received.
fn add_unknown_display_arm(imp: &mut ItemImpl) {
    struct AddArm;
    impl VisitMut for AddArm {
        fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
            m.arms
                .push(parse_quote! { Self::Unknown(ref value) => f.write_str(value), });
        }
    }
    AddArm.visit_item_impl_mut(imp);
}

/// Newtypes over `String` with a hand-written `Deserialize` that validates through
/// `FromStr`: make deserialization accept any string.
pub fn lenient_string_newtypes(file: &mut File) {
    let Some(items) = types_module(file) else {
        return;
    };
    let newtypes: BTreeSet<String> = items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) if is_string_newtype(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    for item in items.iter_mut() {
        match item {
            Item::Impl(imp) => {
                let (ty, tr) = impl_target(imp);
                if tr == "Deserialize" && newtypes.contains(&ty) {
                    replace_deserialize_body(imp);
                }
            }
            Item::Struct(s) if newtypes.contains(&s.ident.to_string()) => {
                s.attrs.push(parse_quote! {
                    #[doc = "\n\nDeserializing accepts any string, so a response is never rejected for an odd value; `FromStr` and `TryFrom` check the constraints, so a value you build and send is."]
                });
            }
            _ => {}
        }
    }
}

fn is_string_newtype(s: &syn::ItemStruct) -> bool {
    match &s.fields {
        Fields::Unnamed(f) if f.unnamed.len() == 1 => {
            let ty = f.unnamed[0]
                .ty
                .to_token_stream()
                .to_string()
                .replace(' ', "");
            ty == "::std::string::String" || ty == "String"
        }
        _ => false,
    }
}

fn replace_deserialize_body(imp: &mut ItemImpl) {
    for item in imp.items.iter_mut() {
        if let syn::ImplItem::Fn(f) = item
            && f.sig.ident == "deserialize"
        {
            f.block = parse_quote! {{
                ::std::string::String::deserialize(deserializer).map(Self)
            }};
        }
    }
}

/// Removes every `header_map.append(HeaderName::from_static("api-version"), ..)` statement.
pub fn drop_api_version_header(file: &mut File) {
    struct Drop;
    impl VisitMut for Drop {
        fn visit_block_mut(&mut self, block: &mut syn::Block) {
            let before = block.stmts.len();
            block.stmts.retain(|stmt| !is_api_version_append(stmt));
            let dropped = before - block.stmts.len();
            if dropped > 0 {
                unmut_unused_header_map(block);
                shrink_header_map(block, dropped);
            }
            visit_mut::visit_block_mut(self, block);
        }
    }
    Drop.visit_file_mut(file);
}

/// With the `api-version` append gone, `let mut header_map` may have nothing left to mutate;
/// a needless `mut` would be a compiler warning in every user's build. Every use of the map
/// after its `let` counts, wherever it is nested (progenitor appends an optional header inside
/// `if let Some(value) = .. { .. }`): the `mut` goes only when each use hands the map over by
/// value, as `.headers(header_map)` does.
fn unmut_unused_header_map(block: &mut syn::Block) {
    let Some(at) = block.stmts.iter().position(is_header_map_local) else {
        return;
    };
    let mut uses = HeaderMapUses::default();
    for stmt in &block.stmts[at + 1..] {
        syn::visit::Visit::visit_stmt(&mut uses, stmt);
    }
    if uses.other > 0 {
        return;
    }
    if let syn::Stmt::Local(local) = &mut block.stmts[at]
        && let syn::Pat::Ident(p) = &mut local.pat
    {
        p.mutability = None;
    }
}

/// Counts the uses of `header_map` that may need it mutable: any use but a bare `header_map`
/// passed as an argument (a move). Macros are opaque, so a mention inside one counts too.
#[derive(Default)]
struct HeaderMapUses {
    other: usize,
}

impl HeaderMapUses {
    fn visit_args<'a>(&mut self, args: impl IntoIterator<Item = &'a syn::Expr>) {
        for arg in args {
            if !is_header_map_path(arg) {
                syn::visit::Visit::visit_expr(self, arg);
            }
        }
    }
}

impl<'ast> syn::visit::Visit<'ast> for HeaderMapUses {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.visit_expr(&call.receiver);
        self.visit_args(&call.args);
    }
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        self.visit_expr(&call.func);
        self.visit_args(&call.args);
    }
    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        if path.path.is_ident("header_map") {
            self.other += 1;
        }
    }
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if mentions_header_map(mac.tokens.clone()) {
            self.other += 1;
        }
    }
}

fn mentions_header_map(tokens: proc_macro2::TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == "header_map",
        proc_macro2::TokenTree::Group(g) => mentions_header_map(g.stream()),
        _ => false,
    })
}

fn is_header_map_path(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::Path(p) if p.path.is_ident("header_map"))
}

fn is_header_map_local(stmt: &syn::Stmt) -> bool {
    matches!(stmt, syn::Stmt::Local(local) if is_header_map_local_pat(&local.pat))
}

fn is_header_map_local_pat(pat: &syn::Pat) -> bool {
    matches!(pat, syn::Pat::Ident(p) if p.ident == "header_map")
}

/// The block's `let header_map = ..` statement.
fn header_map_local(block: &mut syn::Block) -> Option<&mut syn::Local> {
    block.stmts.iter_mut().find_map(|stmt| match stmt {
        syn::Stmt::Local(local) if is_header_map_local_pat(&local.pat) => Some(local),
        _ => None,
    })
}

/// progenitor sizes `header_map` for the headers it appends, `api-version` included: with that
/// header gone, the map reserves `dropped` fewer (an operation without header parameters then
/// allocates no map at all, on every call).
fn shrink_header_map(block: &mut syn::Block, dropped: usize) {
    if let Some(local) = header_map_local(block)
        && let Some(init) = &mut local.init
        && let syn::Expr::Call(call) = init.expr.as_mut()
        && call
            .func
            .to_token_stream()
            .to_string()
            .ends_with("with_capacity")
        && let Some(syn::Expr::Lit(lit)) = call.args.first_mut()
        && let syn::Lit::Int(n) = &mut lit.lit
        && let Ok(capacity) = n.base10_parse::<usize>()
    {
        let shrunk = capacity.saturating_sub(dropped);
        *n = syn::LitInt::new(&format!("{shrunk}usize"), n.span());
    }
}

fn is_api_version_append(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    call.method == "append"
        && call
            .args
            .first()
            .is_some_and(|a| a.to_token_stream().to_string().contains("\"api-version\""))
}

/// Removes the arms of a `match` that follow an unguarded `_ =>` arm (in syn 3 a guarded arm
/// is a `Pat::Guard`): they can never run.
/// progenitor writes `_ => Err(Error::UnexpectedResponse(..))` after the arm of a spec's
/// `default` response, which already matches everything.
pub fn drop_unreachable_arms(file: &mut File) {
    struct Drop;
    impl VisitMut for Drop {
        fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
            if let Some(at) = m
                .arms
                .iter()
                .position(|a| matches!(a.pat, syn::Pat::Wild(_)))
            {
                m.arms.truncate(at + 1);
            }
            visit_mut::visit_expr_match_mut(self, m);
        }
    }
    Drop.visit_file_mut(file);
}

/// `reqwest::Client` has `get`, `put`, `post`, `delete`, `head` and `patch`, but no `options`
/// or `trace`: progenitor's `client.client.options(url)` becomes
/// `client.client.request(::reqwest::Method::OPTIONS, url)`.
pub fn request_methods_reqwest_lacks(file: &mut File) {
    struct Rewrite;
    impl VisitMut for Rewrite {
        fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
            visit_mut::visit_expr_method_call_mut(self, call);
            let method = match call.method.to_string().as_str() {
                "options" => quote::format_ident!("OPTIONS"),
                "trace" => quote::format_ident!("TRACE"),
                _ => return,
            };
            let receiver = call.receiver.to_token_stream().to_string().replace(' ', "");
            if receiver != "client.client" || call.args.len() != 1 {
                return;
            }
            let url = &call.args[0];
            call.method = quote::format_ident!("request");
            call.args = parse_quote! { ::reqwest::Method::#method, #url };
        }
    }
    Rewrite.visit_file_mut(file);
}

/// In each `send()`'s `match response.status().as_u16()`, the one arm of a success code
/// (`201u16`) becomes `200..=299`: the client is liberal in which success it accepts, and the
/// post hook (`crates/flatpeak/src/hooks.rs`) hands an undocumented `2xx` whose body does not
/// decode as the success type to `UnexpectedResponse`, as before. A match with a `2XX` range
/// already, or with more than one success arm, is left as it is.
pub fn any_success_status(file: &mut File) {
    struct Widen;
    impl VisitMut for Widen {
        fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
            visit_mut::visit_expr_match_mut(self, m);
            let scrutinee = m.expr.to_token_stream().to_string().replace(' ', "");
            if scrutinee != "response.status().as_u16()" {
                return;
            }
            let success: Vec<(usize, bool)> = m
                .arms
                .iter()
                .enumerate()
                .filter_map(|(i, arm)| success_pattern(&arm.pat).map(|code| (i, code)))
                .collect();
            if let [(only, true)] = success[..] {
                m.arms[only].pat = parse_quote! { 200..=299 };
            }
        }
    }
    Widen.visit_file_mut(file);
}

/// `Some(true)` for a success code (`201u16`), `Some(false)` for a range of them (`200..=299`),
/// `None` for any other pattern.
fn success_pattern(pat: &syn::Pat) -> Option<bool> {
    let text = pat.to_token_stream().to_string().replace(' ', "");
    if text.starts_with("200..") {
        return Some(false);
    }
    let code: u16 = text.strip_suffix("u16")?.parse().ok()?;
    (200..300).contains(&code).then_some(true)
}

/// The `pattern` of each string newtype, read from the `regress::Regex::new("..")` in its
/// `FromStr`.
fn newtype_patterns(file: &mut File) -> Vec<(String, String)> {
    struct Find(Option<String>);
    impl VisitMut for Find {
        fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
            let callee = call.func.to_token_stream().to_string().replace(' ', "");
            if callee.ends_with("regress::Regex::new")
                && let Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                })) = call.args.first()
            {
                self.0 = Some(s.value());
            }
            visit_mut::visit_expr_call_mut(self, call);
        }
    }
    let Some(items) = types_module(file) else {
        return Vec::new();
    };
    let mut patterns = Vec::new();
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let (ty, tr) = impl_target(imp);
        if tr != "FromStr" {
            continue;
        }
        let mut find = Find(None);
        find.visit_item_impl_mut(imp);
        if let Some(pattern) = find.0 {
            patterns.push((ty, pattern));
        }
    }
    patterns
}

/// The integer types progenitor gives a value whose `minimum` is 1 (a `limit`).
const NON_ZERO: [&str; 5] = [
    "NonZeroU8",
    "NonZeroU16",
    "NonZeroU32",
    "NonZeroU64",
    "NonZeroUsize",
];

/// Appends what a good value is to the builders' conversion messages (whose type names are
/// plain by then: [`plain_type_names_in_messages`]), so that a caller who passes a bad value
/// learns what a good one looks like: the pattern of a pattern type (an id), and for a
/// `NonZero` integer (`limit(0)`) that it counts from 1. progenitor's message says only that
/// the conversion failed.
pub fn explain_conversion_errors(file: &mut File) {
    struct Explain(Vec<(String, String)>);
    impl VisitMut for Explain {
        fn visit_lit_str_mut(&mut self, lit: &mut syn::LitStr) {
            let text = lit.value();
            for (ty, expected) in &self.0 {
                if text.starts_with(&format!("conversion to `{ty}` for "))
                    && text.ends_with(" failed")
                {
                    let explained = format!("{text}: expected {expected}");
                    *lit = syn::LitStr::new(&explained, lit.span());
                }
            }
        }
    }
    let mut expected: Vec<(String, String)> = newtype_patterns(file)
        .into_iter()
        .map(|(ty, pattern)| (ty, format!("a string matching `{pattern}`")))
        .collect();
    expected.extend(NON_ZERO.map(|ty| (ty.to_string(), "a whole number, 1 or more".to_string())));
    Explain(expected).visit_file_mut(file);
}

/// typify names the variant for the enum value `""` `X`; it is `Empty` here (unless the enum
/// has an `Empty` already), in the enum and in its impls.
pub fn name_empty_string_variants(file: &mut File) {
    let Some(items) = types_module(file) else {
        return;
    };
    let mut renamed = BTreeSet::new();
    for item in items.iter_mut() {
        let Item::Enum(e) = item else { continue };
        let has_empty = e.variants.iter().any(|v| v.ident == "Empty");
        for v in e.variants.iter_mut() {
            if !has_empty && v.ident == "X" && wire_name(v).is_empty() {
                v.ident = syn::Ident::new("Empty", v.ident.span());
                renamed.insert(e.ident.to_string());
            }
        }
    }
    struct Rename;
    impl VisitMut for Rename {
        fn visit_path_mut(&mut self, path: &mut syn::Path) {
            if path.segments.len() == 2 && path.segments[1].ident == "X" {
                path.segments[1].ident = syn::Ident::new("Empty", path.segments[1].ident.span());
            }
            visit_mut::visit_path_mut(self, path);
        }
    }
    for item in items.iter_mut() {
        if let Item::Impl(imp) = item
            && renamed.contains(&impl_target(imp).0)
        {
            Rename.visit_item_impl_mut(imp);
        }
    }
}

/// A union (`oneOf`) that typify writes as `#[serde(untagged)]` newtype variants, each
/// wrapping a struct with the same string-enum field (its tag, such as `object`) whose values
/// tell the variants apart, gets a `Deserialize` that reads the tag and decodes that variant,
/// and an `Unknown(serde_json::Value)` variant for any other tag. An untagged enum takes the
/// first variant whose required fields happen to be present (and the client's open enums
/// accept any tag), so a location could read as a customer. A variant that does not decode
/// says where, through `serde_path_to_error` (`invalid type: .. (at `address.city`)`): the
/// union is read as a `serde_json::Value` first, and serde's errors from a `Value` name no
/// place of their own.
pub fn dispatch_unions_on_their_tag(file: &mut File) {
    let Some(items) = types_module(file) else {
        return;
    };
    let mut impls = Vec::new();
    for i in 0..items.len() {
        let Item::Enum(e) = &items[i] else { continue };
        let Some((field, arms)) = tagged_union(items, e) else {
            continue;
        };
        impls.push(tag_deserialize(&e.ident, &field, &arms));
        if let Item::Enum(e) = &mut items[i] {
            remove_derives(e, &["Deserialize"]);
            e.variants.push(parse_quote! {
                /// An object of a kind this version of the client does not know, as JSON.
                Unknown(::serde_json::Value)
            });
        }
    }
    items.extend(impls);
}

/// The tag field of an untagged union of structs, and each tag value with its variant.
fn tagged_union(items: &[Item], e: &ItemEnum) -> Option<(String, Vec<(String, syn::Ident)>)> {
    let untagged = e.attrs.iter().any(|a| {
        a.path().is_ident("serde") && a.to_token_stream().to_string().contains("untagged")
    });
    if !untagged || e.variants.is_empty() {
        return None;
    }
    let inner: Vec<(&syn::Ident, String)> = e
        .variants
        .iter()
        .map(|v| match &v.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                Some((&v.ident, f.unnamed[0].ty.to_token_stream().to_string()))
            }
            _ => None,
        })
        .collect::<Option<_>>()?;
    let struct_of = |name: &str| {
        items.iter().find_map(|item| match item {
            Item::Struct(s) if s.ident == name => Some(s),
            _ => None,
        })
    };
    let first = struct_of(&inner[0].1)?;
    first
        .fields
        .iter()
        .filter_map(|f| f.ident.as_ref())
        .find_map(|field| {
            let mut arms = Vec::new();
            for (variant, ty) in &inner {
                let values = tag_values(items, struct_of(ty)?, field)?;
                arms.extend(values.into_iter().map(|v| (v, (*variant).clone())));
            }
            let distinct: BTreeSet<&String> = arms.iter().map(|(v, _)| v).collect();
            (distinct.len() == arms.len()).then(|| (field.to_string(), arms))
        })
}

/// The values of string-enum field `field` of struct `s`, when it is a required one.
fn tag_values(items: &[Item], s: &syn::ItemStruct, field: &syn::Ident) -> Option<Vec<String>> {
    let ty = &s
        .fields
        .iter()
        .find(|f| f.ident.as_ref() == Some(field))?
        .ty;
    let name = ty.to_token_stream().to_string();
    items.iter().find_map(|item| match item {
        Item::Enum(tag) if tag.ident == name && is_string_enum(tag) => Some(
            tag.variants
                .iter()
                .filter(|v| matches!(v.fields, Fields::Unit))
                .map(wire_name)
                .collect(),
        ),
        _ => None,
    })
}

fn tag_deserialize(name: &syn::Ident, field: &str, arms: &[(String, syn::Ident)]) -> Item {
    let arms = arms.iter().map(|(value, variant)| {
        quote::quote! {
            ::std::option::Option::Some(#value) => ::serde_path_to_error::deserialize(value)
                .map(#name::#variant)
                .map_err(|e| match e.path().to_string().as_str() {
                    "." => ::serde::de::Error::custom(e.into_inner()),
                    path => ::serde::de::Error::custom(format_args!("{} (at `{path}`)", e.inner())),
                }),
        }
    });
    parse_quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                let value = ::serde_json::Value::deserialize(deserializer)?;
                match value.get(#field).and_then(::serde_json::Value::as_str) {
                    #(#arms)*
                    _ => Ok(#name::Unknown(value)),
                }
            }
        }
    }
}

/// Marks every struct with named fields and every enum of `types` `#[non_exhaustive]`:
/// outside the crate they are built with their builders (`Device::builder()`), never as
/// literals, and matched with a wildcard arm, so that a field or a variant the API adds later
/// does not break code that compiled against an earlier version. Tuple structs (newtypes)
/// are left alone: they do not grow.
pub fn non_exhaustive_types(file: &mut File) {
    let Some(items) = types_module(file) else {
        return;
    };
    for item in items.iter_mut() {
        let attrs = match item {
            Item::Struct(s) if matches!(s.fields, Fields::Named(_)) => &mut s.attrs,
            Item::Enum(e) => &mut e.attrs,
            _ => continue,
        };
        if !attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
            attrs.push(parse_quote! { #[non_exhaustive] });
        }
    }
}

/// progenitor writes a builder's conversion error with the type as tokens
/// (`` conversion to `:: chrono :: DateTime < :: chrono :: offset :: Utc >` ``); a user reads
/// `` conversion to `DateTime<Utc>` ``.
pub fn plain_type_names_in_messages(file: &mut File) {
    struct Plain;
    impl VisitMut for Plain {
        fn visit_lit_str_mut(&mut self, lit: &mut syn::LitStr) {
            let text = lit.value();
            if let Some(rest) = text.strip_prefix("conversion to `")
                && let Some((ty, tail)) = rest.split_once('`')
                && ty.contains("::")
            {
                let plain = format!("conversion to `{}`{tail}", plain_type(ty));
                *lit = syn::LitStr::new(&plain, lit.span());
            }
        }
    }
    Plain.visit_file_mut(file);
}

/// A Rust type written as tokens, with spaces and module paths dropped:
/// `:: std :: num :: NonZeroU32` -> `NonZeroU32`.
fn plain_type(tokens: &str) -> String {
    let squashed: String = tokens.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = String::new();
    let mut word = String::new();
    let mut chars = squashed.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            word.clear();
        } else if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            out.push_str(&word);
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&word);
    out.replace(',', ", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply_to(src: &str, edit: fn(&mut File)) -> String {
        let mut file: File = syn::parse_str(src).unwrap();
        edit(&mut file);
        prettyplease::unparse(&file)
    }

    #[test]
    fn optional_setters_take_plain_values_and_get_a_set_twin() {
        let src = r#"
            pub mod types {
                pub mod builder {
                    impl Address {
                        pub fn city<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self.city = value.try_into().map_err(|e| format!("city: {e}"));
                            self
                        }
                        pub fn country<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<super::Country>,
                            T::Error: ::std::fmt::Display,
                        {
                            self.country = value.try_into().map_err(|e| format!("country: {e}"));
                            self
                        }
                    }
                }
            }
        "#;
        let out = apply_to(src, plain_optional_setters).replace(char::is_whitespace, "");
        // The optional field's setter takes the value and wraps it in `Some`.
        assert!(
            out.contains("T:::std::convert::TryInto<::std::string::String>")
                && out.contains(".try_into().map(::std::option::Option::Some).map_err("),
            "{out}"
        );
        assert!(
            out.contains(
                "pubfnset_city(mutself,value:::std::option::Option<::std::string::String>,)->Self{self.city=Ok(value);self}"
            ),
            "{out}"
        );
        // The required field's setter is left alone, and gets no twin.
        assert!(
            out.contains("T:::std::convert::TryInto<super::Country>"),
            "{out}"
        );
        assert!(!out.contains("set_country"), "{out}");
        assert_eq!(out.matches("Option::Some").count(), 1, "{out}");
    }

    const ENUM: &str = r#"
        pub mod types {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
            pub enum Kind {
                #[serde(rename = "A")]
                A,
            }
            impl ::std::fmt::Display for Kind {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match *self { Self::A => f.write_str("A"), }
                }
            }
            #[derive(::serde::Deserialize, Clone, Copy)]
            #[serde(untagged)]
            pub enum Tagged { A, B }
        }
    "#;

    #[test]
    fn string_enum_gets_unknown_variant_and_loses_copy() {
        let out = apply_to(ENUM, open_string_enums);
        assert!(
            out.contains("#[serde(untagged)]\n        Unknown(::std::string::String)"),
            "{out}"
        );
        assert!(
            out.contains("Self::Unknown(ref value) => f.write_str(value)"),
            "{out}"
        );
        let before_kind = &out[..out.find("pub enum Kind").unwrap()];
        assert!(!before_kind.contains("Copy"), "{out}");
        assert!(!before_kind.contains("::serde::Deserialize,"), "{out}");
    }

    #[test]
    fn enum_with_enum_level_serde_attribute_is_left_alone() {
        let out = apply_to(ENUM, open_string_enums);
        let tagged = &out[out.find("pub enum Tagged").unwrap()..];
        let tagged = &tagged[..tagged.find('}').unwrap()];
        assert!(!tagged.contains("Unknown"), "{out}");
    }

    #[test]
    fn string_newtype_deserializes_without_validation() {
        let src = r#"
            pub mod types {
                pub struct Id(::std::string::String);
                impl<'de> ::serde::Deserialize<'de> for Id {
                    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
                    where D: ::serde::Deserializer<'de> {
                        ::std::string::String::deserialize(deserializer)?.parse().map_err(|e| todo!())
                    }
                }
            }
        "#;
        let out = apply_to(src, lenient_string_newtypes);
        assert!(
            out.contains("::std::string::String::deserialize(deserializer).map(Self)"),
            "{out}"
        );
        assert!(!out.contains(".parse()"), "{out}");
    }

    #[test]
    fn conversion_messages_say_what_a_good_value_is() {
        let src = r#"
            pub mod types {
                pub struct Id(::std::string::String);
                impl ::std::str::FromStr for Id {
                    type Err = E;
                    fn from_str(value: &str) -> Result<Self, E> {
                        static PATTERN: X = X::new(|| ::regress::Regex::new("^[a-z]+$").unwrap());
                        todo!()
                    }
                }
            }
            fn device_id() { x.map_err(|_| "conversion to `Id` for device_id failed".to_string()); }
            fn other() { x.map_err(|_| "conversion to `Other` for name failed".to_string()); }
            fn limit() { x.map_err(|_| "conversion to `NonZeroU32` for limit failed".to_string()); }
        "#;
        let out = apply_to(src, explain_conversion_errors);
        assert!(
            out.contains(
                "\"conversion to `Id` for device_id failed: expected a string matching `^[a-z]+$`\""
            ),
            "{out}"
        );
        assert!(
            out.contains("\"conversion to `Other` for name failed\""),
            "{out}"
        );
        assert!(
            out.contains(
                "\"conversion to `NonZeroU32` for limit failed: expected a whole number, 1 or more\""
            ),
            "{out}"
        );
    }

    #[test]
    fn the_one_success_code_becomes_any_success_and_ranges_and_pairs_stay() {
        let src = r#"
            async fn created() {
                match response.status().as_u16() {
                    201u16 => ResponseValue::from_response(response).await,
                    400u16 => Err(Error::ErrorResponse(x)),
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
            async fn ranged() {
                match response.status().as_u16() {
                    200..=299 => ResponseValue::from_response(response).await,
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
            async fn two() {
                match response.status().as_u16() {
                    200u16 => a,
                    202u16 => b,
                    _ => c,
                }
            }
            fn other() {
                match code.as_u16() {
                    201u16 => a,
                    _ => b,
                }
            }
        "#;
        let out = apply_to(src, any_success_status);
        let arms: Vec<&str> = out
            .lines()
            .map(str::trim)
            .filter(|l| l.contains("=>"))
            .collect();
        assert_eq!(
            arms,
            [
                "200..=299 => ResponseValue::from_response(response).await,",
                "400u16 => Err(Error::ErrorResponse(x)),",
                "_ => Err(Error::UnexpectedResponse(response)),",
                "200..=299 => ResponseValue::from_response(response).await,",
                "_ => Err(Error::UnexpectedResponse(response)),",
                "200u16 => a,",
                "202u16 => b,",
                "_ => c,",
                "201u16 => a,",
                "_ => b,",
            ],
            "{out}"
        );
    }

    #[test]
    fn api_version_header_is_dropped_and_others_kept() {
        let src = r#"
            fn send() {
                header_map.append(::reqwest::header::HeaderName::from_static("api-version"), v);
                header_map.append(::reqwest::header::HeaderName::from_static("x-other"), v);
            }
            fn send_only_version() {
                let mut header_map = HeaderMap::new();
                header_map.append(::reqwest::header::HeaderName::from_static("api-version"), v);
            }
        "#;
        let out = apply_to(src, drop_api_version_header);
        assert!(!out.contains("api-version"), "{out}");
        assert!(out.contains("x-other"), "{out}");
        assert!(out.contains("let header_map = HeaderMap::new()"), "{out}");
    }

    #[test]
    fn header_map_stays_mutable_when_an_optional_header_is_appended_in_a_nested_block() {
        let src = r#"
            fn send_optional(api_key: Option<String>) {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                header_map.append(::reqwest::header::HeaderName::from_static("api-version"), v);
                if let Some(value) = api_key {
                    header_map.append("api_key", value.to_string().try_into()?);
                }
                let request = client.delete(url).headers(header_map).build()?;
            }
            fn send_in_macro() {
                let mut header_map = HeaderMap::new();
                header_map.append(::reqwest::header::HeaderName::from_static("api-version"), v);
                helper!(&mut header_map);
            }
            fn send_moved_only() {
                let mut header_map = HeaderMap::new();
                header_map.append(::reqwest::header::HeaderName::from_static("api-version"), v);
                let request = client.get(url).headers(header_map).build()?;
            }
        "#;
        let out = apply_to(src, drop_api_version_header);
        let body = |name: &str| {
            let start = out.find(name).unwrap();
            out[start..].split("\n}").next().unwrap().to_string()
        };
        assert!(
            body("fn send_optional").contains("let mut header_map"),
            "{out}"
        );
        assert!(
            body("fn send_in_macro").contains("let mut header_map"),
            "{out}"
        );
        assert!(
            body("fn send_moved_only").contains("let header_map = HeaderMap::new()"),
            "{out}"
        );
    }

    #[test]
    fn marked_enum_values_are_restored_in_literals_attributes_and_docs() {
        let src = "
            pub mod types {
                #[doc = \"{\\\"enum\\\": [\\\"ASC\\\", \\\"asc\u{E000}Lower\u{E001}\\\"]}\"]
                pub enum Sort {
                    #[serde(rename = \"ASC\")]
                    Asc,
                    #[serde(rename = \"asc\u{E000}Lower\u{E001}\")]
                    AscLower,
                }
                fn show(s: Sort) -> &'static str {
                    match s { Sort::AscLower => \"asc\u{E000}Lower\u{E001}\", Sort::Asc => \"ASC\" }
                }
            }
        ";
        let out = apply_to(src, restore_enum_values);
        assert!(
            !out.contains('\u{E000}') && !out.contains('\u{E001}'),
            "{out}"
        );
        assert!(
            out.contains("#[serde(rename = \"asc\")]\n        AscLower"),
            "{out}"
        );
        assert!(out.contains("Sort::AscLower => \"asc\""), "{out}");
        assert!(out.contains(r#"///{"enum": ["ASC", "asc"]}"#), "{out}");
    }

    #[test]
    fn options_and_trace_requests_go_through_request() {
        let src = r#"
            fn send() {
                let request = client.client.options(url).headers(header_map).build()?;
                let traced = client.client.trace(url).build()?;
                let other = something.options(url);
            }
        "#;
        let out = apply_to(src, request_methods_reqwest_lacks);
        assert!(
            out.contains(".client\n        .request(::reqwest::Method::OPTIONS, url)\n"),
            "{out}"
        );
        assert!(
            out.contains("client.client.request(::reqwest::Method::TRACE, url).build()"),
            "{out}"
        );
        assert!(out.contains("something.options(url)"), "{out}");
    }

    #[test]
    fn arms_after_a_wildcard_are_dropped() {
        let src = r#"
            fn f() {
                match status {
                    200u16 => a(),
                    _ if odd => b(),
                    _ => Err(Error::ErrorResponse(r)),
                    _ => Err(Error::UnexpectedResponse(r)),
                }
            }
        "#;
        let out = apply_to(src, drop_unreachable_arms);
        assert!(out.contains("_ if odd => b()"), "{out}");
        assert!(out.contains("_ => Err(Error::ErrorResponse(r))"), "{out}");
        assert!(!out.contains("UnexpectedResponse"), "{out}");
    }

    #[test]
    fn header_map_reserves_no_room_for_the_dropped_header() {
        let src = r#"
            fn send_two() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                header_map.append(::reqwest::header::HeaderName::from_static("api-version"), v);
                header_map.append(::reqwest::header::HeaderName::from_static("x-other"), v);
            }
            fn send_only_version() {
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map.append(::reqwest::header::HeaderName::from_static("api-version"), v);
            }
        "#;
        let out = apply_to(src, drop_api_version_header);
        assert!(
            out.contains(
                "let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize)"
            ),
            "{out}"
        );
        assert!(
            out.contains("let header_map = ::reqwest::header::HeaderMap::with_capacity(0usize)"),
            "{out}"
        );
    }

    #[test]
    fn the_empty_string_variant_is_named_empty_everywhere() {
        let src = r#"
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum Kind {
                    #[serde(rename = "A")]
                    A,
                    #[serde(rename = "")]
                    X,
                }
                impl ::std::fmt::Display for Kind {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self { Self::A => f.write_str("A"), Self::X => f.write_str(""), }
                    }
                }
            }
        "#;
        let out = apply_to(src, name_empty_string_variants);
        assert!(
            out.contains("#[serde(rename = \"\")]\n        Empty,"),
            "{out}"
        );
        assert!(out.contains("Self::Empty => f.write_str(\"\")"), "{out}");
        assert!(!out.contains("X"), "{out}");
    }

    const UNION: &str = r#"
        pub mod types {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            #[serde(untagged)]
            pub enum Data { Device(Device), Tariff(Tariff) }
            pub struct Device { pub object: DeviceObject, pub id: String }
            pub struct Tariff { pub object: TariffObject }
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
            pub enum DeviceObject { #[serde(rename = "device")] Device }
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
            pub enum TariffObject {
                #[serde(rename = "tariff")] Tariff,
                #[serde(rename = "tariff_element")] TariffElement,
            }
        }
    "#;

    #[test]
    fn a_union_of_tagged_objects_is_read_by_its_tag_and_keeps_other_kinds_as_json() {
        let out = apply_to(UNION, dispatch_unions_on_their_tag);
        let squashed: String = out.chars().filter(|c| !c.is_whitespace()).collect();
        for expected in [
            r#"match value.get("object")"#,
            r#"Option::Some("device")=>{::serde_path_to_error::deserialize(value).map(Data::Device)"#,
            r#"Option::Some("tariff")=>{::serde_path_to_error::deserialize(value).map(Data::Tariff)"#,
            r#"Option::Some("tariff_element")=>{::serde_path_to_error::deserialize(value).map(Data::Tariff)"#,
            r#"_=>Ok(Data::Unknown(value)),"#,
            r#"Unknown(::serde_json::Value),"#,
        ] {
            let expected: String = expected.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(squashed.contains(&expected), "{expected}\nnot in\n{out}");
        }
        let before = &out[..out.find("pub enum Data").unwrap()];
        let derives = before.rsplit("#[derive(").next().unwrap();
        assert!(!derives.contains("Deserialize"), "{out}");
    }

    #[test]
    fn a_union_whose_variants_share_a_tag_value_is_left_alone() {
        let shared = UNION.replace("\"tariff_element\"", "\"device\"");
        let out = apply_to(&shared, dispatch_unions_on_their_tag);
        assert!(!out.contains("Unknown"), "{out}");
    }

    #[test]
    fn structs_with_fields_and_enums_are_non_exhaustive_and_newtypes_are_not() {
        let src = r#"
            pub mod types {
                pub struct Device { pub id: Id }
                pub struct Id(::std::string::String);
                pub enum Kind { A }
                #[non_exhaustive]
                pub enum Done { B }
                pub mod builder { pub struct Device { id: Result<Id, String> } }
            }
        "#;
        let out = apply_to(src, non_exhaustive_types);
        let squashed: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            squashed.contains("#[non_exhaustive] pub struct Device { pub id"),
            "{out}"
        );
        assert!(
            squashed.contains("#[non_exhaustive] pub enum Kind"),
            "{out}"
        );
        assert_eq!(out.matches("#[non_exhaustive]").count(), 3, "{out}");
        assert!(
            !squashed.contains("#[non_exhaustive] pub struct Id"),
            "{out}"
        );
    }

    #[test]
    fn type_names_in_conversion_messages_are_plain() {
        assert_eq!(
            plain_type(":: chrono :: DateTime < :: chrono :: offset :: Utc >"),
            "DateTime<Utc>"
        );
        assert_eq!(plain_type(":: std :: num :: NonZeroU32"), "NonZeroU32");
        let src = r#"fn f() { x.map_err(|_| "conversion to `:: std :: string :: String` for name failed"); }"#;
        let out = apply_to(src, plain_type_names_in_messages);
        assert!(
            out.contains("\"conversion to `String` for name failed\""),
            "{out}"
        );
    }
}

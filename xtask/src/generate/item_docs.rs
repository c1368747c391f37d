//! Docs for the public items typify and progenitor write without any, so that the generated
//! modules have none undocumented (the crate's `missing_docs` applies to them): a user reads
//! them in their editor and on docs.rs, where progenitor's builders showed a bare signature
//! for each of about 1,600 methods.
//!
//! Everything said comes from the generated file itself, so it cannot disagree with it:
//! - a type builder's setter gets its field's docs (the spec's description, which typify put
//!   on the type's field) and whether the field is required (the builder's `Default` starts it
//!   as `Err`), optional (it has a `set_` twin) or has a default; a builder struct and a
//!   type's `builder()` point at each other;
//! - an operation builder's setter gets its parameter's line of the `Client` method's
//!   `Arguments:` list (progenitor's own summary of the spec's parameters), and `new`,
//!   `body` and `body_map` say what they do;
//! - a field or an enum's value the spec does not describe is named by its wire name (an
//!   enum value as the API sends it); a union's variant links the type it holds.

use std::collections::{HashMap, HashSet};

use syn::ext::IdentExt as _;
use syn::{Attribute, Fields, File, ImplItem, ImplItemFn, Item, ItemImpl, parse_quote};

use super::postprocess::module_items;

/// Documents every undocumented public item of `file` that the module docs list.
pub fn document_items(file: &mut File) {
    let arguments = operation_arguments(&file.items);
    if let Some(types) = module_items(&mut file.items, "types") {
        document_type_builders(types);
    }
    if let Some(builders) = module_items(&mut file.items, "builder") {
        let methods = builder_methods(builders);
        for item in builders.iter_mut() {
            let Item::Impl(imp) = item else { continue };
            let method = methods.get(&self_name(imp));
            if let Some((method, parameters)) = method.and_then(|m| arguments.get_key_value(m)) {
                document_operation_builder(imp, method, parameters);
            }
        }
    }
}

/// The docs of each field of each struct among `types`, by (type, field).
fn field_docs(types: &[Item]) -> HashMap<(String, String), Vec<Attribute>> {
    let mut docs = HashMap::new();
    for item in types {
        let Item::Struct(s) = item else { continue };
        let Fields::Named(fields) = &s.fields else {
            continue;
        };
        for field in &fields.named {
            let Some(name) = &field.ident else { continue };
            let doc: Vec<Attribute> = field.attrs.iter().filter(|a| is_doc(a)).cloned().collect();
            docs.insert((s.ident.to_string(), name.to_string()), doc);
        }
    }
    docs
}

/// The setters of `types::builder` and each type's `builder()`.
fn document_type_builders(types: &mut [Item]) {
    let docs = field_docs(types);
    for item in types.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let ty = self_name(imp);
        for f in undocumented_fns(imp).filter(|f| f.sig.ident == "builder") {
            let doc = format!(" A builder of this type, one setter per field ([`builder::{ty}`]).");
            f.attrs.insert(0, parse_quote!(#[doc = #doc]));
        }
    }
    for item in types.iter_mut() {
        match item {
            Item::Struct(s) => document_fields(&mut s.fields),
            Item::Enum(e) => e.variants.iter_mut().for_each(document_variant),
            _ => {}
        }
    }
    let Some(builders) = module_items(types, "builder") else {
        return;
    };
    for item in builders.iter_mut() {
        if let Item::Struct(s) = item
            && !s.attrs.iter().any(is_doc)
        {
            let ty = s.ident.to_string();
            let doc = format!(
                " A builder of [`{ty}`](super::{ty}), made by [`{ty}::builder`](super::{ty}::builder)."
            );
            s.attrs.insert(0, parse_quote!(#[doc = #doc]));
        }
    }
    let required = required_fields(builders);
    for item in builders.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let ty = self_name(imp);
        let twins: HashSet<String> = imp
            .items
            .iter()
            .filter_map(|m| match m {
                ImplItem::Fn(f) => f
                    .sig
                    .ident
                    .to_string()
                    .strip_prefix("set_")
                    .map(str::to_string),
                _ => None,
            })
            .collect();
        for f in undocumented_fns(imp) {
            let name = f.sig.ident.to_string();
            let key = (ty.clone(), name.clone());
            let presence = if required.contains(&key) {
                format!(
                    " Required: the builder does not convert into [`{ty}`](super::{ty}) \
                     without it."
                )
            } else if twins.contains(&name) {
                format!(" Optional: left out unless set; `set_{name}(None)` leaves it out.")
            } else {
                " Optional: its default when not set.".to_string()
            };
            let mut attrs = docs.get(&key).cloned().unwrap_or_default();
            if !attrs.is_empty() {
                attrs.push(parse_quote!(#[doc = ""]));
            }
            attrs.push(parse_quote!(#[doc = #presence]));
            f.attrs.splice(0..0, attrs);
        }
    }
}

/// Each undocumented public field of `fields`, named by its wire name.
fn document_fields(fields: &mut Fields) {
    let Fields::Named(fields) = fields else {
        return;
    };
    for field in fields.named.iter_mut() {
        let public = matches!(field.vis, syn::Visibility::Public(_));
        let Some(name) = field.ident.as_ref().filter(|_| public) else {
            continue;
        };
        if field.attrs.iter().any(is_doc) {
            continue;
        }
        let wire = renamed(&field.attrs).unwrap_or_else(|| name.unraw().to_string());
        let doc = format!(" `{wire}`: the spec does not describe it.");
        field.attrs.insert(0, parse_quote!(#[doc = #doc]));
    }
}

/// An undocumented variant: a value of a string enum by its wire value, any other by its name.
fn document_variant(variant: &mut syn::Variant) {
    if variant.attrs.iter().any(is_doc) {
        return;
    }
    let doc = match (&variant.fields, renamed(&variant.attrs)) {
        (Fields::Unit, Some(wire)) if wire.is_empty() => " The empty string, `\"\"`.".to_string(),
        (Fields::Unit, Some(wire)) => format!(" `{wire}`."),
        (Fields::Unit, None) => format!(" `{}`.", variant.ident),
        (Fields::Unnamed(fields), _) if fields.unnamed.len() == 1 => match &fields.unnamed[0].ty {
            // One of the module's own types (`Device(Device)`): its docs say what it is.
            syn::Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
                format!(" A [`{}`].", p.path.segments[0].ident)
            }
            _ => format!(" A `{}`.", variant.ident),
        },
        _ => format!(" A `{}`: the spec does not describe it.", variant.ident),
    };
    variant.attrs.insert(0, parse_quote!(#[doc = #doc]));
}

/// The name `#[serde(rename = "..")]` among `attrs` gives, if any: a field's or a variant's
/// name on the wire (`sensitive_debug` reads it too).
pub(super) fn renamed(attrs: &[Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .find_map(|a| {
            let mut found = None;
            let _ = a.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    found = Some(value.value());
                } else if meta.input.peek(syn::Token![=]) {
                    // Another `key = value` (`skip_serializing_if = ".."`): read past it.
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
            found
        })
}

/// The (builder, field) pairs whose builder's `Default` starts them as `Err`: the fields that
/// must be set.
fn required_fields(builders: &[Item]) -> HashSet<(String, String)> {
    let mut required = HashSet::new();
    for item in builders {
        let Item::Impl(imp) = item else { continue };
        let is_default = imp
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "Default");
        if !is_default {
            continue;
        }
        let ty = self_name(imp);
        for member in &imp.items {
            let ImplItem::Fn(f) = member else { continue };
            let Some(syn::Stmt::Expr(syn::Expr::Struct(init), _)) = f.block.stmts.last() else {
                continue;
            };
            for field in &init.fields {
                let syn::Member::Named(name) = &field.member else {
                    continue;
                };
                if is_call_of(&field.expr, "Err") {
                    required.insert((ty.clone(), name.to_string()));
                }
            }
        }
    }
    required
}

/// Whether `expr` is a call of the function or variant `name` (`Err(..)`).
fn is_call_of(expr: &syn::Expr, name: &str) -> bool {
    let syn::Expr::Call(call) = expr else {
        return false;
    };
    let syn::Expr::Path(path) = &*call.func else {
        return false;
    };
    path.path.segments.last().is_some_and(|s| s.ident == name)
}

/// Each `Client` method's `Arguments:` lines, by method and parameter.
fn operation_arguments(items: &[Item]) -> HashMap<String, HashMap<String, String>> {
    let mut found = HashMap::new();
    for item in items {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || self_name(imp) != "Client" {
            continue;
        }
        for member in &imp.items {
            let ImplItem::Fn(f) = member else { continue };
            let doc = doc_text(&f.attrs);
            let lines = doc
                .lines()
                .skip_while(|l| l.trim() != "Arguments:")
                .filter_map(|l| l.trim_start().strip_prefix("- `")?.split_once("`: "))
                .map(|(name, text)| (name.to_string(), text.trim().to_string()))
                .collect();
            found.insert(f.sig.ident.to_string(), lines);
        }
    }
    found
}

/// The `Client` method each operation builder is for, by builder, from its struct's doc
/// (progenitor's "Builder for [`Client::retrieve_device`]").
fn builder_methods(builders: &[Item]) -> HashMap<String, String> {
    let mut methods = HashMap::new();
    for item in builders {
        let Item::Struct(s) = item else { continue };
        let doc = doc_text(&s.attrs);
        let method = doc
            .split_once("[`Client::")
            .and_then(|(_, rest)| rest.split_once('`'));
        if let Some((method, _)) = method {
            methods.insert(s.ident.to_string(), method.to_string());
        }
    }
    methods
}

/// Documents an operation builder's `new`, setters and body methods: the builder of `method`,
/// whose `Arguments:` lines are `parameters`.
fn document_operation_builder(
    imp: &mut ItemImpl,
    method: &str,
    parameters: &HashMap<String, String>,
) {
    let call = format!("[`Client::{method}`](super::Client::{method})");
    for f in undocumented_fns(imp) {
        let name = f.sig.ident.to_string();
        let doc = match name.as_str() {
            "new" => {
                format!(" The call of {call} on `client`, nothing set yet (the method makes one).")
            }
            "body" => format!(" The request body (see {call})."),
            "body_map" => " The request body, built with its type's builder: `f` gets the body \
                 set so far (an empty builder when none was) and returns it with more set."
                .to_string(),
            _ => match parameters.get(&name) {
                Some(text) => format!(" `{name}`: {text}"),
                None => format!(" The `{name}` of the request (see {call})."),
            },
        };
        f.attrs.insert(0, parse_quote!(#[doc = #doc]));
    }
}

/// The undocumented public methods of `imp`.
fn undocumented_fns(imp: &mut ItemImpl) -> impl Iterator<Item = &mut ImplItemFn> {
    imp.items.iter_mut().filter_map(|m| match m {
        ImplItem::Fn(f)
            if !f.attrs.iter().any(is_doc) && matches!(f.vis, syn::Visibility::Public(_)) =>
        {
            Some(f)
        }
        _ => None,
    })
}

/// The name of the type `imp` is for (`Device` of `impl<'a> Device<'a>`).
fn self_name(imp: &ItemImpl) -> String {
    super::client_api::type_ident(&imp.self_ty)
}

fn is_doc(attr: &Attribute) -> bool {
    attr.path().is_ident("doc")
}

/// The text of the `#[doc = ".."]` attributes among `attrs`, one line each.
fn doc_text(attrs: &[Attribute]) -> String {
    let mut text = String::new();
    for attr in attrs.iter().filter(|a| is_doc(a)) {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            text.push_str(&s.value());
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The doc text of the method `name` of the `n`th `impl` block without a trait in `items`.
    fn method_doc(items: &[Item], n: usize, name: &str) -> String {
        let imp = items
            .iter()
            .filter_map(|i| match i {
                Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
                _ => None,
            })
            .nth(n)
            .unwrap();
        imp.items
            .iter()
            .find_map(|m| match m {
                ImplItem::Fn(f) if f.sig.ident == name => Some(doc_text(&f.attrs)),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn setters_get_their_field_s_or_parameter_s_docs_and_say_whether_they_are_required() {
        let mut file: File = syn::parse_str(
            r#"
            pub mod types {
                pub struct Address {
                    ///The city.
                    pub city: Option<String>,
                    #[serde(rename = "country_code")]
                    pub country: String,
                    pub lines: Vec<String>,
                }
                pub enum Kind {
                    #[serde(rename = "HOME")]
                    Home,
                    #[serde(rename = "")]
                    Empty,
                    ///Documented.
                    Other,
                }
                impl Address {
                    pub fn builder() -> builder::Address { Default::default() }
                }
                pub mod builder {
                    pub struct Address { city: Result<Option<String>, String> }
                    impl Default for Address {
                        fn default() -> Self {
                            Self {
                                city: Ok(Default::default()),
                                country: Err("no value supplied for country".to_string()),
                                lines: Ok(Default::default()),
                            }
                        }
                    }
                    impl Address {
                        pub fn city<T>(mut self, value: T) -> Self { self }
                        ///Already documented.
                        pub fn set_city(mut self, value: Option<String>) -> Self { self }
                        pub fn country<T>(mut self, value: T) -> Self { self }
                        pub fn lines<T>(mut self, value: T) -> Self { self }
                    }
                }
            }
            impl Client {
                /**List things

                Arguments:
                - `limit`: How many, 1 to 100.
                */
                pub fn list_things(&self) -> builder::ListThings<'_> { builder::ListThings::new(self) }
            }
            pub mod builder {
                /**Builder for [`Client::list_things`]

                [`Client::list_things`]: super::Client::list_things*/
                pub struct ListThings<'a> { client: &'a super::Client }
                impl<'a> ListThings<'a> {
                    pub fn new(client: &'a super::Client) -> Self { Self { client } }
                    pub fn limit<V>(mut self, value: V) -> Self { self }
                    pub fn cursor<V>(mut self, value: V) -> Self { self }
                    ///Sends a `GET` request to `/things`
                    pub async fn send(self) {}
                }
            }
            "#,
        )
        .unwrap();
        document_items(&mut file);

        let types = module_items(&mut file.items, "types").unwrap();
        assert!(method_doc(types, 0, "builder").contains("[`builder::Address`]"));
        let (Item::Struct(address), Item::Enum(kind)) = (&types[0], &types[1]) else {
            panic!("the types moved");
        };
        let fields: Vec<String> = address.fields.iter().map(|f| doc_text(&f.attrs)).collect();
        assert_eq!(
            fields,
            [
                "The city.\n",
                " `country_code`: the spec does not describe it.\n",
                " `lines`: the spec does not describe it.\n"
            ]
        );
        let variants: Vec<String> = kind.variants.iter().map(|v| doc_text(&v.attrs)).collect();
        assert_eq!(
            variants,
            [
                " `HOME`.\n",
                " The empty string, `\"\"`.\n",
                "Documented.\n"
            ]
        );
        let builders = module_items(types, "builder").unwrap();
        let Item::Struct(builder) = &builders[0] else {
            panic!("the builders moved");
        };
        assert!(doc_text(&builder.attrs).contains("[`Address::builder`](super::Address::builder)"));
        let city = method_doc(builders, 0, "city");
        assert_eq!(
            city,
            "The city.\n\n Optional: left out unless set; `set_city(None)` leaves it out.\n"
        );
        assert_eq!(method_doc(builders, 0, "set_city"), "Already documented.\n");
        assert_eq!(
            method_doc(builders, 0, "country"),
            " Required: the builder does not convert into [`Address`](super::Address) without \
             it.\n"
        );
        assert_eq!(
            method_doc(builders, 0, "lines"),
            " Optional: its default when not set.\n"
        );

        let operations = module_items(&mut file.items, "builder").unwrap();
        assert_eq!(
            method_doc(operations, 0, "limit"),
            " `limit`: How many, 1 to 100.\n"
        );
        let call = "[`Client::list_things`](super::Client::list_things)";
        assert_eq!(
            method_doc(operations, 0, "cursor"),
            format!(" The `cursor` of the request (see {call}).\n")
        );
        assert!(method_doc(operations, 0, "new").contains(call));
        assert_eq!(
            method_doc(operations, 0, "send"),
            "Sends a `GET` request to `/things`\n"
        );
    }
}

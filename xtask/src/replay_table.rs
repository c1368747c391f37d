//! The conformance gate's replay table: for each operation, the call of the generated client
//! with the parameters of a recorded request. Generated beside the client, from the client it
//! calls, so a new operation needs no hand-written replay code.
//!
//! Method, setter names and parameter types are read from the generated code itself (the
//! `impl Client` methods and the builders of `mod builder`), so the table calls exactly what
//! exists; the spec says where each parameter comes from (path, query, header, body). An
//! operation the table cannot call gets an arm saying why, and a note on the console: the
//! gate still checks its responses against the spec.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use openapiv3::{OpenAPI, Parameter, ReferenceOr};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{FnArg, ImplItem, Item, ReturnType, Type, WherePredicate};

use crate::generate;
use crate::normalise::{self, for_each_operation};

/// Where the conformance crate includes the table from.
pub const PATH: &str = "conformance/src/replay_table.rs";

/// The table's source and a note per operation it cannot call.
pub struct Table {
    /// The formatted file, header included.
    pub code: String,
    /// `operation: why it is not replayed`.
    pub notes: Vec<String>,
}

/// Builds the table for `spec` (not yet normalised) from `client`, the generated client's
/// source. `spec_label` is how the header names the spec.
pub fn generate(spec: &OpenAPI, client: &str, spec_label: &str) -> Result<Table> {
    let file = syn::parse_file(client).context("the generated client does not parse")?;
    let builders = builders(&file);
    let mut spec = spec.clone();
    normalise::normalise(&mut spec);
    let components = spec.components.clone().unwrap_or_default();
    let mut ids = Vec::new();
    let mut arms = Vec::new();
    let mut notes = Vec::new();
    for_each_operation(&mut spec, |_, op| {
        let Some(id) = op.operation_id.clone() else {
            return;
        };
        let params = op
            .parameters
            .iter()
            .filter_map(|p| resolve(p, &components.parameters))
            .map(|p| {
                let data = p.parameter_data_ref();
                (data.name.clone(), location(p))
            })
            .collect::<Vec<_>>();
        let has_body = op.request_body.is_some();
        let arm = match builders.get(&id) {
            Some(b) => arm(&id, b, &params, has_body),
            None => Err("the generated client has no builder for it".to_string()),
        };
        arms.push(arm.unwrap_or_else(|why| {
            notes.push(format!("{id}: not replayed: {why}"));
            quote! { #id => Err(NotReplayed::unsupported(#why)), }
        }));
        ids.push(id);
    });
    let tokens = quote! {
        use crate::model::Outcome;
        use crate::replay::{Args, In, NotReplayed};

        /// The operations of the spec the client was generated from, in spec order.
        pub const OPERATIONS: &[&str] = &[#(#ids),*];

        /// Calls the generated client's method for `operation` with the recorded parameters in
        /// `args`, and returns what the client produced.
        pub(crate) async fn call(
            client: &flatpeak::Client,
            operation: &str,
            args: &Args<'_>,
        ) -> Result<Outcome, NotReplayed> {
            match operation {
                #(#arms)*
                _ => Err(NotReplayed::unknown(operation)),
            }
        }
    };
    let file: syn::File =
        syn::parse2(tokens).context("the replay table generated code that does not parse")?;
    Ok(Table {
        code: format!(
            "{}{}",
            generate::header(spec_label),
            prettyplease::unparse(&file)
        ),
        notes,
    })
}

fn resolve<'a>(
    p: &'a ReferenceOr<Parameter>,
    components: &'a indexmap::IndexMap<String, ReferenceOr<Parameter>>,
) -> Option<&'a Parameter> {
    match p {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/parameters/")
            .and_then(|name| components.get(name))
            .and_then(ReferenceOr::as_item),
    }
}

fn location(p: &Parameter) -> &'static str {
    match p {
        Parameter::Path { .. } => "Path",
        Parameter::Query { .. } => "Query",
        Parameter::Header { .. } => "Header",
        Parameter::Cookie { .. } => "Cookie",
    }
}

/// One operation's builder, as generated.
#[derive(Debug, Default)]
struct Builder {
    /// The `Client` method that returns it.
    method: String,
    /// Setter name -> the type it takes (`V: TryInto<T>`), rewritten for use outside the
    /// client crate.
    setters: BTreeMap<String, Type>,
    /// The `T` and `E` of `send()`'s `Result<ResponseValue<T>, Error<E>>`, as written.
    returns: String,
}

/// Builders by operationId.
fn builders(file: &syn::File) -> BTreeMap<String, Builder> {
    let methods = client_methods(file);
    let mut out = BTreeMap::new();
    let builder_items = file.items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    });
    for item in builder_items.into_iter().flatten() {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() {
            continue;
        }
        let name = type_ident(&block.self_ty);
        let Some(method) = methods.get(&name) else {
            continue;
        };
        let mut builder = Builder {
            method: method.clone(),
            ..Builder::default()
        };
        let mut id = None;
        for item in &block.items {
            let ImplItem::Fn(f) = item else { continue };
            if f.sig.ident == "send" {
                id = operation_id(f);
                if let ReturnType::Type(_, ty) = &f.sig.output {
                    builder.returns = ty.to_token_stream().to_string();
                }
            } else if let Some(ty) = setter_type(f) {
                builder.setters.insert(f.sig.ident.to_string(), ty);
            }
        }
        if let Some(id) = id {
            out.insert(id, builder);
        }
    }
    out
}

/// Builder type name -> `Client` method name, from `fn m(&self) -> builder::X<'_>`.
fn client_methods(file: &syn::File) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in &file.items {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() || type_ident(&block.self_ty) != "Client" {
            continue;
        }
        for item in &block.items {
            let ImplItem::Fn(f) = item else { continue };
            let takes_self_only =
                f.sig.inputs.len() == 1 && matches!(f.sig.inputs.first(), Some(FnArg::Receiver(_)));
            if let (true, ReturnType::Type(_, ty)) = (takes_self_only, &f.sig.output) {
                out.insert(type_ident(ty), f.sig.ident.to_string());
            }
        }
    }
    out
}

/// The last identifier of a path type: `builder::Login<'_>` -> `Login`.
fn type_ident(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// `operation_id: "..."` of the `OperationInfo` that `send()` builds.
fn operation_id(f: &syn::ImplItemFn) -> Option<String> {
    struct Find(Option<String>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
            let is_info = e
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "OperationInfo");
            for field in e.fields.iter().filter(|_| is_info) {
                if let (syn::Member::Named(name), syn::Expr::Lit(lit)) =
                    (&field.member, &field.expr)
                    && name == "operation_id"
                    && let syn::Lit::Str(s) = &lit.lit
                {
                    self.0 = Some(s.value());
                }
            }
            syn::visit::visit_expr_struct(self, e);
        }
    }
    let mut find = Find(None);
    find.visit_impl_item_fn(f);
    find.0
}

/// `T` of a setter `fn x<V>(mut self, value: V) -> Self where V: TryInto<T>`.
fn setter_type(f: &syn::ImplItemFn) -> Option<Type> {
    let clause = f.sig.generics.where_clause.as_ref()?;
    clause.predicates.iter().find_map(|p| {
        let WherePredicate::Type(t) = p else {
            return None;
        };
        t.bounds.iter().find_map(|b| {
            let syn::TypeParamBound::Trait(tb) = b else {
                return None;
            };
            let last = tb.path.segments.last()?;
            if last.ident != "TryInto" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            match args.args.first()? {
                syn::GenericArgument::Type(ty) => Some(outside_the_crate(ty.clone())),
                _ => None,
            }
        })
    })
}

/// `types::Id` (as the client crate writes it) -> `flatpeak::types::Id`.
fn outside_the_crate(mut ty: Type) -> Type {
    struct Qualify;
    impl VisitMut for Qualify {
        fn visit_type_path_mut(&mut self, p: &mut syn::TypePath) {
            let relative = p.qself.is_none() && p.path.leading_colon.is_none();
            if relative && p.path.segments.first().is_some_and(|s| s.ident == "types") {
                p.path.segments.insert(0, format_ident!("flatpeak").into());
            }
            syn::visit_mut::visit_type_path_mut(self, p);
        }
    }
    Qualify.visit_type_mut(&mut ty);
    ty
}

/// Types a recorded string cannot be parsed into with `FromStr`.
const NOT_FROM_STR: [&str; 6] = [
    "Vec",
    "Option",
    "HashMap",
    "BTreeMap",
    "Value",
    "ByteStream",
];

/// The match arm calling `builder`'s method with every recorded parameter, or why it cannot.
fn arm(
    id: &str,
    builder: &Builder,
    params: &[(String, &'static str)],
    has_body: bool,
) -> std::result::Result<TokenStream, String> {
    if builder.returns.contains("ByteStream") {
        return Err("the client returns raw bytes for it, not a typed value".to_string());
    }
    let method = format_ident!("{}", builder.method);
    let mut sets = Vec::new();
    for (name, at) in params {
        let (setter, ty) = find_setter(builder, name)
            .ok_or(format!("no builder setter for parameter `{name}`"))?;
        if *at == "Cookie" {
            return Err(format!("cookie parameter `{name}` is not replayed"));
        }
        if NOT_FROM_STR.contains(&type_ident(ty).as_str()) {
            return Err(format!("parameter `{name}` is not a single value"));
        }
        let at = format_ident!("{at}");
        let setter = format_ident!("{setter}");
        sets.push(quote! {
            if let Some(value) = args.get::<#ty>(In::#at, #name)? {
                call = call.#setter(value);
            }
        });
    }
    if has_body {
        let ty = builder
            .setters
            .get("body")
            .filter(|ty| ty.to_token_stream().to_string().starts_with("flatpeak"))
            .ok_or("its request body is not a JSON type of the client")?;
        sets.push(quote! {
            if let Some(value) = args.body::<#ty>()? {
                call = call.body(value);
            }
        });
    }
    Ok(quote! {
        #id => {
            let mut call = client.#method();
            #(#sets)*
            Ok(args.outcome(call.send().await))
        }
    })
}

/// The setter for spec parameter `name`: progenitor names setters after parameters in snake
/// case (`device-id` -> `device_id`, `type` -> `type_`), so both are compared by their
/// letters and digits only.
fn find_setter<'b>(builder: &'b Builder, name: &str) -> Option<(&'b str, &'b Type)> {
    let key = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let wanted = key(name);
    builder
        .setters
        .iter()
        .find(|(setter, _)| setter.as_str() != "body" && key(setter) == wanted)
        .map(|(setter, ty)| (setter.as_str(), ty))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Profile;
    use crate::spec;

    fn table(yaml: &str) -> Table {
        let spec = spec::parse(yaml, std::path::Path::new("t.yaml")).unwrap();
        let client = generate::generate(
            spec.clone(),
            "t.yaml",
            Profile::Flatpeak,
            Default::default(),
        )
        .unwrap();
        generate(&spec, &client.code, "t.yaml").unwrap()
    }

    const SPEC: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things/{thing-id}:
    post:
      operationId: make_thing
      parameters:
        - {name: thing-id, in: path, required: true, schema: {type: string, pattern: '^t_[a-z]+$'}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
        - {name: X-Trace, in: header, schema: {type: string}}
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/New'}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
  /files:
    get:
      operationId: get_file
      responses:
        '200': {description: ok, content: {text/csv: {schema: {type: string}}}}
components:
  schemas:
    New: {type: object, properties: {name: {type: string}}}
";

    /// The code without whitespace, so expectations do not depend on line breaks.
    fn squashed(code: &str) -> String {
        code.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn each_parameter_is_passed_with_the_client_type_and_its_place() {
        let t = table(SPEC);
        assert!(
            t.code
                .starts_with("// @generated by `cargo xtask generate` from `t.yaml`")
        );
        let code = squashed(&t.code);
        for expected in [
            r#""make_thing"=>{letmutcall=client.make_thing();"#,
            r#"ifletSome(value)=args.get::<flatpeak::types::MakeThingThingId>(In::Path,"thing-id")?{call=call.thing_id(value);}"#,
            r#"args.get::<::std::num::NonZeroU64>(In::Query,"limit")?{call=call.limit(value);}"#,
            r#"args.get::<::std::string::String>(In::Header,"X-Trace")?{call=call.x_trace(value);}"#,
            r#"ifletSome(value)=args.body::<flatpeak::types::New>()?{call=call.body(value);}"#,
            r#"Ok(args.outcome(call.send().await))"#,
            r#"pubconstOPERATIONS:&[&str]=&["make_thing","get_file"];"#,
            r#"_=>Err(NotReplayed::unknown(operation)),"#,
        ] {
            assert!(code.contains(expected), "{expected}\nnot in\n{}", t.code);
        }
    }

    #[test]
    fn an_operation_it_cannot_call_gets_a_reason_and_a_note() {
        let t = table(SPEC);
        assert!(
            squashed(&t.code).contains(r#""get_file"=>{Err(NotReplayed::unsupported("#),
            "{}",
            t.code
        );
        assert_eq!(t.notes.len(), 1, "{:?}", t.notes);
        assert!(t.notes[0].starts_with("get_file: not replayed: the client returns raw bytes"));
    }

    #[test]
    fn the_table_is_deterministic() {
        assert_eq!(table(SPEC).code, table(SPEC).code);
    }
}

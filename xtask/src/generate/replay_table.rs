//! The conformance gate's replay tables: for each operation of each release, the call of that
//! release's generated client with the parameters of a recorded request. Generated beside the
//! client, from the client it calls, so a new operation or release needs no hand-written
//! replay code.
//!
//! Method, setter names and parameter types are read from the generated code itself (the
//! `impl Client` methods and the builders of `mod builder`), so the table calls exactly what
//! exists; the spec says where each parameter comes from (path, query, header, body). An
//! operation the table cannot call gets an arm saying why, and a note on the console: the
//! gate still checks its responses against the spec.

use anyhow::{Context, Result};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use spec_model::{Location, Spec};

use super::client as generate;
use super::client_api::{self, Builder, outside_the_crate, type_ident};

/// Where the conformance crate includes the tables from: `<release>.rs` each, and
/// `releases.rs` to dispatch to them.
pub const DIR: &str = "conformance/src/replay_table";

/// The table's source and a note per operation it cannot call.
pub struct Table {
    /// The formatted file, header included.
    pub code: String,
    /// `operation: why it is not replayed`.
    pub notes: Vec<String>,
}

/// Builds the table of release `release` for `spec` from `client`, the generated client's
/// source. `spec_label` is how the header names the spec.
pub fn generate(spec: &Spec, client: &str, spec_label: &str, release: &str) -> Result<Table> {
    let file = syn::parse_file(client).context("the generated client does not parse")?;
    let builders = client_api::builders(&file);
    let mut ids = Vec::new();
    let mut arms = Vec::new();
    let mut notes = Vec::new();
    for op in &spec.operations {
        let id = op.id.as_str();
        let params: Vec<(&str, Location)> = op
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location))
            .collect();
        let arm = match builders.get(id) {
            Some(b) => arm(id, b, &params, op.request_body.is_some(), release),
            None => Err("the generated client has no builder for it".to_string()),
        };
        arms.push(arm.unwrap_or_else(|why| {
            notes.push(format!("{id}: not replayed: {why}"));
            quote! { #id => Err(NotReplayed::unsupported(#why)), }
        }));
        ids.push(id);
    }
    let release_mod = format_ident!("{release}");
    let tokens = quote! {
        use crate::model::Outcome;
        use crate::replay::{Args, In, NotReplayed};

        /// The operations of the spec the client was generated from, in spec order.
        pub const OPERATIONS: &[&str] = &[#(#ids),*];

        /// Calls the generated client's method for `operation` with the recorded parameters in
        /// `args`, and returns what the client produced.
        pub(crate) async fn call(
            client: &flatpeak::#release_mod::Client,
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
    params: &[(&str, Location)],
    has_body: bool,
    release: &str,
) -> std::result::Result<TokenStream, String> {
    if builder.returns_bytes() {
        return Err("the client returns raw bytes for it, not a typed value".to_string());
    }
    let method = format_ident!("{}", builder.method);
    let mut sets = Vec::new();
    for &(name, at) in params {
        let (setter, ty) = builder
            .setter(name)
            .ok_or(format!("no builder setter for parameter `{name}`"))?;
        let at = match at {
            Location::Path => format_ident!("Path"),
            Location::Query => format_ident!("Query"),
            Location::Header => format_ident!("Header"),
            Location::Cookie => return Err(format!("cookie parameter `{name}` is not replayed")),
        };
        if NOT_FROM_STR.contains(&type_ident(ty).as_str()) {
            return Err(format!("parameter `{name}` is not a single value"));
        }
        let ty = outside_the_crate(ty.clone(), release);
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
            .map(|ty| outside_the_crate(ty.clone(), release))
            .filter(|ty| ty.to_token_stream().to_string().contains(":: types ::"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::client::Profile;
    use crate::spec;

    fn table(yaml: &str) -> Table {
        let spec = spec::parse(yaml, std::path::Path::new("t.yaml")).unwrap();
        let model = Spec::parse(yaml, "t.yaml").unwrap();
        let release = crate::generate::operations::ReleaseName {
            name: "zero",
            version: None,
        };
        let client = generate::generate(
            spec,
            &model,
            "t.yaml",
            Profile::Release(release),
            Default::default(),
        )
        .unwrap();
        generate(&model, &client.code, "t.yaml", "zero").unwrap()
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
            r#"ifletSome(value)=args.get::<flatpeak::zero::types::MakeThingThingId>(In::Path,"thing-id")?{call=call.thing_id(value);}"#,
            r#"args.get::<::std::num::NonZeroU64>(In::Query,"limit")?{call=call.limit(value);}"#,
            r#"args.get::<::std::string::String>(In::Header,"X-Trace")?{call=call.x_trace(value);}"#,
            r#"ifletSome(value)=args.body::<flatpeak::zero::types::New>()?{call=call.body(value);}"#,
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

//! The `flatpeak` command line (`crates/flatpeak-cli`): progenitor's CLI generator over the
//! normalised spec, with the same settings as the client, so that its commands call the
//! client's builders and name its types exactly. The generated file is kept current by
//! `--check` like the client.
//!
//! The generated code refers to the crate it drives through `crate::api` (which the CLI's
//! hand-written `main.rs` defines), because progenitor's code names the client's error
//! `Error<T>` while the `flatpeak` crate's own `Error` is the friendlier one.
//!
//! Beside progenitor's commands, each file lists what the spec says that the CLI needs and the
//! client does not publish: the operations secured with HTTP Basic
//! ([`BASIC_AUTH_OPERATIONS`]), and the bounds of integer flags, which the flags' parsers
//! state when they refuse a value ([`RangedIntegers`]). The commands of the operations whose
//! builders the client can paginate get `--all` ([`AllFlag`]), from the list the client's
//! generator made when it wrote their `Paginate` impls.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, anyhow, bail};
use heck::ToKebabCase;
use openapiv3::OpenAPI;
use proc_macro2::{Literal, TokenStream};
use progenitor::Generator;
use quote::{ToTokens, quote};
use spec_model::sensitive::Step;
use spec_model::{Location, Spec};
use syn::visit_mut::{self, VisitMut};

use super::client::{self as generate, Profile};
use super::constraints::{self, Rule};
use super::normalise;
use super::operations::ReleaseName;

/// The name of the constant each release's commands list their HTTP Basic operations in.
pub const BASIC_AUTH_OPERATIONS: &str = "BASIC_AUTH_OPERATIONS";

/// Where the CLI crate includes the generated commands from: `<release>.rs` each, and
/// `releases.rs` to choose among them.
pub const DIR: &str = "crates/flatpeak-cli/src/generated";

/// The commands of `release` for `spec` (not yet normalised), whose model is `model`;
/// `spec_label` is how the header names it. The code names the client crate through
/// `crate::api::<release>`. `paginated` are the operations whose builders implement
/// `Paginate` (what [`super::operations::extend`] returned): their commands get `--all`.
pub fn generate(
    mut spec: OpenAPI,
    model: &Spec,
    spec_label: &str,
    release: ReleaseName<'_>,
    paginated: &[String],
) -> Result<String> {
    normalise::normalise(&mut spec);
    let mut generator = Generator::new(&generate::settings(Profile::Release(release)));
    let api = format!("crate::api::{}", release.name);
    let tokens = match generate::quietly(|| generator.cli(&spec, &api)) {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => bail!("progenitor's CLI generator refused the spec: {e}"),
        Err(panic) => bail!("progenitor's CLI generator panicked: {panic}"),
    };
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| anyhow!("the CLI generator produced code that does not parse: {e}"))?;
    DropTemplateFlag.visit_file_mut(&mut file);
    BodyFileFirst.visit_file_mut(&mut file);
    RangedIntegers::of(model).visit_file_mut(&mut file);
    AllFlag::apply(paginated, &mut file)?;
    file.items.push(
        syn::parse2(basic_auth_operations(model))
            .map_err(|e| anyhow!("the list of HTTP Basic operations does not parse: {e}"))?,
    );
    Ok(format!(
        "{}{}",
        generate::header(spec_label),
        prettyplease::unparse(&file)
    ))
}

/// `BASIC_AUTH_OPERATIONS`: the operations the spec secures with HTTP Basic, by `operationId`.
/// The client sends them the account id and API key (its login), and nothing at all when it
/// has only a bearer token, so the CLI asks for the account credentials before running one.
fn basic_auth_operations(model: &Spec) -> TokenStream {
    let ids = model
        .operations
        .iter()
        .filter(|op| model.uses_basic_auth(op))
        .map(|op| op.id.as_str());
    let name = quote::format_ident!("{BASIC_AUTH_OPERATIONS}");
    quote! {
        /// The operations the spec secures with HTTP Basic (the account id and API key), by
        /// `operationId`: the CLI runs them with the account credentials only.
        pub const #name: &[&str] = &[#(#ids),*];
    }
}

/// The whole numbers an integer flag accepts, from the spec's `minimum` and `maximum` (and
/// the type's own floor: 1 for a `NonZero` type, 0 for an unsigned one); `None` is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Bounds {
    min: Option<i128>,
    max: Option<i128>,
}

impl Bounds {
    /// The bounds `rules` state, as whole numbers (an exclusive bound moves inwards by one).
    fn of(rules: impl IntoIterator<Item = Rule>) -> Bounds {
        let mut bounds = Bounds::default();
        for rule in rules {
            match rule {
                Rule::Minimum(v, false) => bounds.min = Some(v.ceil() as i128),
                Rule::Minimum(v, true) => bounds.min = Some(v.floor() as i128 + 1),
                Rule::Maximum(v, false) => bounds.max = Some(v.floor() as i128),
                Rule::Maximum(v, true) => bounds.max = Some(v.ceil() as i128 - 1),
                _ => {}
            }
        }
        bounds
    }

    /// These bounds with the floor integer type `ty` sets (`NonZeroU32`: 1, `u32`: 0); `None`
    /// when `ty` is not an integer type.
    fn for_type(self, ty: &str) -> Option<Bounds> {
        let floor = match ty {
            _ if ty.starts_with("NonZeroU") => Some(1),
            "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => Some(0),
            "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => None,
            _ if ty.starts_with("NonZeroI") => None,
            _ => return None,
        };
        let min = match (self.min, floor) {
            (Some(min), Some(floor)) => Some(min.max(floor)),
            (min, floor) => min.or(floor),
        };
        Some(Bounds { min, max: self.max })
    }

    /// `crate::whole_number::<ty>(min, max)`, the CLI's parser for these bounds.
    fn parser(self, ty: &syn::Type) -> TokenStream {
        let bound = |b: Option<i128>| match b {
            Some(n) => {
                let n = Literal::i128_suffixed(n);
                quote! { ::std::option::Option::Some(#n) }
            }
            None => quote! { ::std::option::Option::None },
        };
        let (min, max) = (bound(self.min), bound(self.max));
        quote! { crate::whole_number::<#ty>(#min, #max) }
    }
}

/// Gives each integer flag (`value_parser!(NonZeroU32)`, ...) the parser
/// `crate::whole_number`, which states the spec's bounds when it refuses a value:
/// `--limit 0` says "expected a whole number from 1 to 100", where clap said "number would be
/// zero for non-zero type". The flags are a command's path and query parameters and its body's
/// top-level fields, named in kebab case as progenitor names them.
struct RangedIntegers {
    /// The bounds of each operation's flags, by `operationId` and flag name.
    flags: BTreeMap<String, BTreeMap<String, Bounds>>,
    /// The flags of the command whose `cli_<operationId>` function is being visited.
    current: Option<BTreeMap<String, Bounds>>,
}

impl RangedIntegers {
    /// The bounds of every operation of `model`.
    fn of(model: &Spec) -> RangedIntegers {
        let flags = model
            .operations
            .iter()
            .map(|op| (op.id.clone(), flag_bounds(model, op)))
            .collect();
        RangedIntegers {
            flags,
            current: None,
        }
    }
}

/// The bounds of `op`'s path and query parameters and of its JSON body's top-level fields, by
/// flag name (kebab case).
fn flag_bounds(model: &Spec, op: &spec_model::Operation) -> BTreeMap<String, Bounds> {
    let mut out = BTreeMap::new();
    for p in &op.parameters {
        if !matches!(p.location, Location::Path | Location::Query) {
            continue;
        }
        if let Some(schema) = p.schema.as_deref().and_then(|s| model.at(s)) {
            let rules = constraints::rules(&model.document, schema);
            out.insert(p.name.to_kebab_case(), Bounds::of(rules));
        }
    }
    let body = op
        .request_body
        .iter()
        .flat_map(|b| b.media.iter())
        .find(|m| m.is_json())
        .and_then(|m| m.schema.as_deref())
        .and_then(|s| model.at(s));
    let mut fields: BTreeMap<String, Vec<Rule>> = BTreeMap::new();
    for (steps, rule) in body
        .map(|b| constraints::body_rules(&model.document, b))
        .into_iter()
        .flatten()
    {
        if let [Step::Field(name)] = steps.as_slice() {
            fields.entry(name.to_kebab_case()).or_default().push(rule);
        }
    }
    for (name, rules) in fields {
        out.entry(name).or_insert_with(|| Bounds::of(rules));
    }
    out
}

impl VisitMut for RangedIntegers {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        let name = f.sig.ident.to_string();
        self.current = name
            .strip_prefix("cli_")
            .and_then(|id| self.flags.get(id))
            .cloned();
        if self.current.is_some() {
            visit_mut::visit_impl_item_fn_mut(self, f);
        }
        self.current = None;
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        let Some(flags) = &self.current else { return };
        if call.method != "value_parser" {
            return;
        }
        let (Some(flag), Some(ty)) = (arg_name(&call.receiver), parsed_type(&call.args)) else {
            return;
        };
        let last = match &ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let spec = flags.get(&flag).copied().unwrap_or_default();
        let Some(bounds) = last.and_then(|last| spec.for_type(&last)) else {
            return;
        };
        if bounds == Bounds::default() {
            return;
        }
        let parser = bounds.parser(&ty);
        call.args = syn::parse_quote! { #parser };
    }
}

/// The name in `::clap::Arg::new("name")` at the start of a chain of method calls.
fn arg_name(mut expr: &syn::Expr) -> Option<String> {
    while let syn::Expr::MethodCall(call) = expr {
        expr = &call.receiver;
    }
    let syn::Expr::Call(call) = expr else {
        return None;
    };
    let syn::Expr::Path(callee) = &*call.func else {
        return None;
    };
    let names: Vec<String> = callee
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !names.ends_with(&["Arg".to_string(), "new".to_string()]) {
        return None;
    }
    match call.args.first() {
        Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        })) => Some(name.value()),
        _ => None,
    }
}

/// `T` of a lone `::clap::value_parser!(T)` argument.
fn parsed_type(args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>) -> Option<syn::Type> {
    let [syn::Expr::Macro(m)] = args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let is_value_parser = m
        .mac
        .path
        .segments
        .last()
        .is_some_and(|s| s.ident == "value_parser");
    is_value_parser
        .then(|| syn::parse2(m.mac.tokens.clone()).ok())
        .flatten()
}

/// The flag of a list command that follows every page (`--all`).
const ALL: &str = "all";

/// Gives the command of each paginated operation the flag `--all`, which the CLI's
/// `crate::all` module documents (`crate::all::HELP`) and runs (`crate::all::print`, which
/// takes the request builder once the command's flags are set, and follows the pages with the
/// client's `paginate()`). Without the flag the command runs as progenitor wrote it.
struct AllFlag {
    /// The operations whose commands get the flag, by `operationId`.
    paginated: BTreeSet<String>,
    /// The operations whose `cli_<id>` got the flag.
    flagged: BTreeSet<String>,
    /// The operations whose `execute_<id>` got the check of the flag.
    run: BTreeSet<String>,
}

impl AllFlag {
    /// Adds `--all` to the commands of the operations `paginated` in `file`; `Err` naming the
    /// operations whose command or execution is not as progenitor writes them, or that have
    /// a flag `--all` already.
    fn apply(paginated: &[String], file: &mut syn::File) -> Result<()> {
        let mut visitor = AllFlag {
            paginated: paginated.iter().cloned().collect(),
            flagged: BTreeSet::new(),
            run: BTreeSet::new(),
        };
        visitor.visit_file_mut(file);
        let missed: Vec<&str> = visitor
            .paginated
            .iter()
            .filter(|id| !visitor.flagged.contains(*id) || !visitor.run.contains(*id))
            .map(String::as_str)
            .collect();
        if !missed.is_empty() {
            bail!(
                "cannot give `--{ALL}` to the commands of {}: no `cli_<id>` ending in a \
                 `Command`, no `request.send()` in `execute_<id>`, or a flag `--{ALL}` already",
                missed.join(", ")
            );
        }
        Ok(())
    }
}

impl VisitMut for AllFlag {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        let name = f.sig.ident.to_string();
        let paginated = |prefix: &str| {
            name.strip_prefix(prefix)
                .filter(|id| self.paginated.contains(*id))
                .map(str::to_string)
        };
        if let Some(id) = paginated("cli_") {
            if add_all_flag(&mut f.block) {
                self.flagged.insert(id);
            }
        } else if let Some(id) = paginated("execute_")
            && follow_pages(&mut f.block)
        {
            self.run.insert(id);
        }
    }
}

/// `.arg(--all)` on the `Command` a `cli_<id>` body ends with; false when it ends otherwise or
/// has a flag `all` already.
fn add_all_flag(block: &mut syn::Block) -> bool {
    let has_all = block
        .to_token_stream()
        .to_string()
        .contains(&format!("Arg :: new (\"{ALL}\")"));
    let Some(syn::Stmt::Expr(command, None)) = block.stmts.last_mut() else {
        return false;
    };
    if has_all {
        return false;
    }
    *command = syn::parse_quote! {
        #command.arg(
            ::clap::Arg::new(#ALL)
                .long(#ALL)
                .action(::clap::ArgAction::SetTrue)
                .help(crate::all::HELP)
        )
    };
    true
}

/// In an `execute_<id>` body, before `request.send()`: with `--all`, the pages are followed
/// by `crate::all::print` instead; false when the body sends no `request`.
fn follow_pages(block: &mut syn::Block) -> bool {
    let sends = |stmt: &syn::Stmt| {
        stmt.to_token_stream()
            .to_string()
            .contains("request . send ()")
    };
    let Some(at) = block.stmts.iter().position(sends) else {
        return false;
    };
    block.stmts.insert(
        at,
        syn::parse_quote! {
            if matches.get_flag(#ALL) {
                return crate::all::print(request).await;
            }
        },
    );
    true
}

/// Removes the `--json-body-template` flag progenitor adds beside `--json-body`: nothing reads
/// it (its help text is a placeholder, `XXX`), so it would only mislead.
struct DropTemplateFlag;

impl VisitMut for DropTemplateFlag {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::MethodCall(call) = expr else {
            return;
        };
        let adds_template = call.method == "arg"
            && call.args.first().is_some_and(|a| {
                a.to_token_stream()
                    .to_string()
                    .contains("\"json-body-template\"")
            });
        if adds_template {
            *expr = (*call.receiver).clone();
        }
    }
}

/// In each command, the `--json-body` file is read first and the body's flags are applied to
/// it, so a flag changes one field of the file's body; progenitor reads the file last, and
/// its body replaced every flag without a word. The file is parsed by the CLI's `body_file`,
/// which refuses a field the body does not have (serde would drop a misspelt one).
struct BodyFileFirst;

impl VisitMut for BodyFileFirst {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        visit_mut::visit_block_mut(self, block);
        let reads_file = |stmt: &syn::Stmt| {
            stmt.to_token_stream()
                .to_string()
                .contains("get_one :: < std :: path :: PathBuf > (\"json-body\")")
        };
        let Some(at) = block.stmts.iter().position(reads_file) else {
            return;
        };
        let mut stmt = block.stmts.remove(at);
        StrictParse.visit_stmt_mut(&mut stmt);
        // After `let mut request = ...;`, before the flags.
        block.stmts.insert(1.min(at), stmt);
    }
}

/// `serde_json::from_str::<T>(..)` becomes `crate::body_file::<T>(..)`.
struct StrictParse;

impl VisitMut for StrictParse {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);
        let syn::Expr::Path(callee) = &mut *call.func else {
            return;
        };
        let segments = &callee.path.segments;
        let names: Vec<String> = segments.iter().map(|s| s.ident.to_string()).collect();
        if names == ["serde_json", "from_str"] {
            let turbofish = segments[1].arguments.clone();
            callee.path = syn::parse_quote! { crate::body_file #turbofish };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spec with a login (HTTP Basic), a bounded query parameter and a bounded body field.
    fn model() -> Spec {
        let doc = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "components": {"securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"}
            }},
            "security": [{"bearer": []}],
            "paths": {
                "/login": {"get": {"operationId": "login", "security": [{"basic": []}],
                    "responses": {"200": {"description": "ok"}}}},
                "/things": {
                    "get": {"operationId": "list_things",
                        "parameters": [{"name": "page_size", "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
                        "responses": {"200": {"description": "ok"}}},
                    "post": {"operationId": "create_thing",
                        "requestBody": {"content": {"application/json": {"schema": {
                            "type": "object", "properties": {
                                "count": {"type": "integer", "exclusiveMinimum": true,
                                    "minimum": 0, "maximum": 9.5}}}}}},
                        "responses": {"200": {"description": "ok"}}}
                }
            }
        });
        Spec::from_document(doc, "t.json").unwrap()
    }

    #[test]
    fn only_the_http_basic_operations_are_listed() {
        let text = basic_auth_operations(&model()).to_string();
        assert!(text.contains("BASIC_AUTH_OPERATIONS"), "{text}");
        assert!(
            text.contains("[\"login\"]") && !text.contains("list_things"),
            "{text}"
        );
    }

    #[test]
    fn bounds_are_whole_numbers_with_the_types_floor() {
        let bounds = Bounds::of([Rule::Minimum(0.0, true), Rule::Maximum(9.5, false)]);
        assert_eq!(
            bounds,
            Bounds {
                min: Some(1),
                max: Some(9)
            }
        );
        let none = Bounds::default();
        assert_eq!(
            none.for_type("NonZeroU64"),
            Some(Bounds {
                min: Some(1),
                max: None
            })
        );
        assert_eq!(
            none.for_type("u32"),
            Some(Bounds {
                min: Some(0),
                max: None
            })
        );
        assert_eq!(none.for_type("i64"), Some(none));
        assert_eq!(none.for_type("f64"), None);
        let below = Bounds {
            min: Some(-5),
            max: Some(5),
        };
        assert_eq!(
            below.for_type("u8"),
            Some(Bounds {
                min: Some(0),
                max: Some(5)
            })
        );
    }

    #[test]
    fn integer_flags_get_a_parser_that_states_the_specs_bounds() {
        let mut file: syn::File = syn::parse_quote! {
            impl<T: CliConfig> Cli<T> {
                pub fn cli_list_things() -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("page-size").long("page-size")
                            .value_parser(::clap::value_parser!(::std::num::NonZeroU32)))
                }
                pub fn cli_create_thing() -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("count").long("count")
                            .value_parser(::clap::value_parser!(u64)))
                        .arg(::clap::Arg::new("name").long("name")
                            .value_parser(::clap::value_parser!(::std::string::String)))
                }
                pub fn execute_list_things(&self, matches: &ArgMatches) {
                    let limit = matches.get_one::<::std::num::NonZeroU32>("page-size");
                }
            }
        };
        RangedIntegers::of(&model()).visit_file_mut(&mut file);
        // Without spaces and commas, which prettyplease places as it likes.
        let text: String = prettyplease::unparse(&file)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ',')
            .collect();
        let some = |n: &str| format!("::std::option::Option::Some({n}i128)");
        assert!(
            text.contains(&format!(
                "crate::whole_number::<::std::num::NonZeroU32>({}{})",
                some("1"),
                some("100")
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "crate::whole_number::<u64>({}{})",
                some("1"),
                some("9")
            )),
            "{text}"
        );
        // Other flags, and the code that reads the values, are left as they were.
        assert!(
            text.contains("value_parser!(::std::string::String)"),
            "{text}"
        );
        assert!(text.contains("get_one::<::std::num::NonZeroU32>"), "{text}");
    }

    #[test]
    fn the_body_file_is_read_first_and_strictly_and_the_flags_after_it() {
        let mut file: syn::File = syn::parse_quote! {
            impl Cli {
                pub async fn execute_create(&self, matches: &ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.create();
                    if let Some(value) = matches.get_one::<String>("reference-id") {
                        request = request.body_map(|body| body.reference_id(value.clone()));
                    }
                    if let Some(value) = matches.get_one::<std::path::PathBuf>("json-body") {
                        let body_txt = std::fs::read_to_string(value)?;
                        let body_value = serde_json::from_str::<types::Create>(&body_txt)?;
                        request = request.body(body_value);
                    }
                    self.config.execute_create(matches, &mut request)?;
                }
                pub async fn execute_read(&self, matches: &ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.read();
                    let x = serde_json::from_str::<Value>("{}");
                }
            }
        };
        BodyFileFirst.visit_file_mut(&mut file);
        let text = prettyplease::unparse(&file);
        let (file_at, flag_at) = (
            text.find("\"json-body\"").unwrap(),
            text.find("\"reference-id\"").unwrap(),
        );
        assert!(file_at < flag_at, "{text}");
        assert!(
            text.contains("crate::body_file::<types::Create>(&body_txt)"),
            "{text}"
        );
        // Only the body file's parse changes.
        assert!(text.contains("serde_json::from_str::<Value>"), "{text}");
    }

    /// A spec with a list operation (a page of items with an `id`, `has_more`, paged by
    /// `starting_after`), a read and a list-shaped answer that takes no cursor.
    const LISTS: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things:
    get:
      operationId: list_things
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
        - {name: starting_after, in: query, schema: {type: string}}
        - {name: ending_before, in: query, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/ThingList'}}}}
  /things/{id}:
    get:
      operationId: get_thing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
  /others:
    get:
      operationId: list_others
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/ThingList'}}}}
components:
  schemas:
    Thing:
      type: object
      required: [id]
      properties: {id: {type: string}}
    ThingList:
      type: object
      required: [data, has_more]
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Thing'}}
        has_more: {type: boolean}
";

    /// The text of the function `name` in `code`, up to the next function.
    fn function<'c>(code: &'c str, name: &str) -> &'c str {
        let start = code.find(&format!("fn {name}(")).unwrap();
        let rest = &code[start + 3..];
        let end = rest.find("fn ").map_or(rest.len(), |i| i + 3);
        &code[start..start + end]
    }

    #[test]
    fn all_is_added_only_to_the_commands_the_client_paginates() {
        let path = std::path::Path::new("t.yaml");
        let release = ReleaseName {
            name: "zero",
            version: None,
        };
        let client = generate::generate(
            crate::spec::parse(LISTS, path).unwrap(),
            &Spec::parse(LISTS, "t.yaml").unwrap(),
            "t.yaml",
            Profile::Release(release),
            Default::default(),
        )
        .unwrap();
        assert_eq!(client.paginated, ["list_things"]);
        let code = generate(
            crate::spec::parse(LISTS, path).unwrap(),
            &Spec::parse(LISTS, "t.yaml").unwrap(),
            "t.yaml",
            release,
            &client.paginated,
        )
        .unwrap();
        let flag = "::clap::Arg::new(\"all\")";
        let check = "if matches.get_flag(\"all\")";
        let list = (
            function(&code, "cli_list_things"),
            function(&code, "execute_list_things"),
        );
        assert!(
            list.0.contains(flag) && list.0.contains("crate::all::HELP"),
            "{}",
            list.0
        );
        let (check_at, send_at) = (list.1.find(check), list.1.find("request.send()"));
        assert!(check_at.is_some() && check_at < send_at, "{}", list.1);
        assert!(
            list.1.contains("return crate::all::print(request).await;"),
            "{}",
            list.1
        );
        for id in ["get_thing", "list_others"] {
            let cli = function(&code, &format!("cli_{id}"));
            let execute = function(&code, &format!("execute_{id}"));
            assert!(!cli.contains(flag), "{cli}");
            assert!(!execute.contains(check), "{execute}");
        }
    }

    #[test]
    fn a_paginated_operation_whose_command_is_missing_or_has_all_is_refused() {
        let mut file: syn::File = syn::parse_quote! {
            impl<T: CliConfig> Cli<T> {
                pub fn cli_list_things() -> ::clap::Command {
                    ::clap::Command::new("").arg(::clap::Arg::new("all").long("all"))
                }
                pub async fn execute_list_things(&self, matches: &ArgMatches) -> anyhow::Result<()> {
                    let result = request.send().await;
                    Ok(())
                }
            }
        };
        let err = AllFlag::apply(&["list_things".into(), "list_others".into()], &mut file)
            .unwrap_err()
            .to_string();
        assert!(err.contains("list_others, list_things"), "{err}");
    }

    #[test]
    fn the_template_flag_is_dropped_and_the_rest_of_the_chain_kept() {
        let mut file: syn::File = syn::parse_quote! {
            fn cli() -> Command {
                Command::new("")
                    .arg(Arg::new("json-body").long("json-body"))
                    .arg(Arg::new("json-body-template").long("json-body-template").help("XXX"))
                    .about("x")
            }
        };
        DropTemplateFlag.visit_file_mut(&mut file);
        let text = prettyplease::unparse(&file);
        assert!(!text.contains("json-body-template"), "{text}");
        assert!(
            text.contains("\"json-body\"") && text.contains(".about(\"x\")"),
            "{text}"
        );
    }
}

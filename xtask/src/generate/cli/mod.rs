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
//! state when they refuse a value (`ranges.rs`). The commands of the operations whose builders
//! the client can paginate get `--all` (`all_flag.rs`), from the list the client's generator
//! made when it wrote their `Paginate` impls. The commands' help is the spec's MDX as plain
//! text, each command listed by its summary alone (`help.rs`).

use anyhow::{Result, anyhow, bail};
use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use progenitor::Generator;
use quote::{ToTokens, quote};
use spec_model::Spec;
use syn::visit_mut::{self, VisitMut};

mod all_flag;
mod help;
mod ranges;

use self::all_flag::AllFlag;
use self::help::PlainHelp;
use self::ranges::RangedIntegers;
use super::client::{self as generate, Profile};
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
    PlainHelp.visit_file_mut(&mut file);
    BodyFileFirst.visit_file_mut(&mut file);
    OneCursor.visit_file_mut(&mut file);
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

/// `--starting-after` and `--ending-before` together are refused by the command's parser: a
/// list is paged one way (Busbar's spec says "give this or `starting_after`, not both"), and
/// the API was sent both.
struct OneCursor;

impl VisitMut for OneCursor {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        let text = f.block.to_token_stream().to_string();
        let has = |name: &str| text.contains(&format!("Arg :: new (\"{name}\")"));
        if has("starting-after") && has("ending-before") {
            visit_mut::visit_impl_item_fn_mut(self, f);
        }
    }

    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        visit_mut::visit_expr_method_call_mut(self, call);
        if call.method != "arg" {
            return;
        }
        let Some(arg) = call.args.first_mut() else {
            return;
        };
        if ranges::arg_name(arg).as_deref() == Some("ending-before") {
            *arg = syn::parse_quote! { #arg.conflicts_with("starting-after") };
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
    pub(super) fn model() -> Spec {
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

    #[test]
    fn ending_before_conflicts_with_starting_after_where_a_command_has_both() {
        let mut file: syn::File = syn::parse_quote! {
            impl Cli {
                pub fn cli_list() -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("ending-before").long("ending-before"))
                        .arg(::clap::Arg::new("starting-after").long("starting-after"))
                }
                pub fn cli_other() -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("ending-before").long("ending-before"))
                }
            }
        };
        OneCursor.visit_file_mut(&mut file);
        let text = prettyplease::unparse(&file);
        assert_eq!(
            text.matches(".conflicts_with(\"starting-after\")").count(),
            1,
            "{text}"
        );
        let list = &text[..text.find("cli_other").unwrap()];
        assert!(list.contains("conflicts_with"), "{text}");
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
        PlainHelp.visit_file_mut(&mut file);
        let text = prettyplease::unparse(&file);
        assert!(!text.contains("json-body-template"), "{text}");
        assert!(
            text.contains("\"json-body\"") && text.contains(".about(\"x\")"),
            "{text}"
        );
    }
}

//! The `flatpeak` command line (`crates/flatpeak-cli`): progenitor's CLI generator over the
//! normalised spec, with the same settings as the client, so that its commands call the
//! client's builders and name its types exactly. The generated file is kept current by
//! `--check` like the client.
//!
//! The generated code refers to the crate it drives through `crate::api` (which the CLI's
//! hand-written `main.rs` defines), because progenitor's code names the client's error
//! `Error<T>` while the `flatpeak` crate's own `Error` is the friendlier one.

use anyhow::{Result, anyhow, bail};
use openapiv3::OpenAPI;
use progenitor::Generator;
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};

use super::client::{self as generate, Profile};
use super::normalise;
use super::operations::ReleaseName;

/// Where the CLI crate includes the generated commands from: `<release>.rs` each, and
/// `releases.rs` to choose among them.
pub const DIR: &str = "crates/flatpeak-cli/src/generated";

/// The commands of `release` for `spec` (not yet normalised); `spec_label` is how the header
/// names it. The code names the client crate through `crate::api::<release>`.
pub fn generate(mut spec: OpenAPI, spec_label: &str, release: ReleaseName<'_>) -> Result<String> {
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
    Ok(format!(
        "{}{}",
        generate::header(spec_label),
        prettyplease::unparse(&file)
    ))
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
